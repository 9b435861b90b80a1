// Test helpers for src/sharing: the protocol server in process, as `lakeshare serve` wires it for
// the metastore, without sockets. A SharingTestBed owns a temp folder, a real SQLite metastore in
// it (catalog `main` under an external location over the folder, as the server's storage
// governance sets it up), the MetastoreShareProvider and auth::RecipientAuthenticator over it,
// and serves SharingServices on http::Routers; Call() sends one request through a router the way
// the server's connection does (header checks, target parsing, dispatch) and reads the whole
// answer, streamed or not. Tables are written with the project's Delta writer (delta::TableWriter)
// into folders of the bed.
// Test-only; a bed is used by one test thread (the services it serves are thread-safe).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "auth/recipient_authenticator.h"
#include "catalog/catalog.h"
#include "common/result.h"
#include "common/temp_dir.h"
#include "delta/table_writer.h"
#include "http/request.h"
#include "http/router.h"
#include "sharing/metastore_share_provider.h"
#include "sharing/sharing_service.h"
#include "sharing/yaml_share_provider.h"

namespace lakeshare::sharing::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// One answer, read whole.
struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  /// The NDJSON lines of a 2xx answer (a JSON body is one line); discarded values for lines
  /// that are not JSON.
  std::vector<nlohmann::json> lines;
  std::shared_ptr<http::AuditNotes> audit;  // null when the request could not be parsed
  /// The stream failed after its first bytes went out (the client sees a cut answer).
  bool aborted = false;
  /// The body as one JSON value (discarded when it is not JSON).
  nlohmann::json Json() const;
  std::string Header(const std::string& lower_name) const;
};

/// Send `method target` with `headers` (and "Host: localhost" unless they hold a Host) and `body`
/// through `router` from `address`: the server's
/// header checks and target parsing first (their refusals rendered as the server renders them),
/// then Dispatch, then the whole body (a streamed one produced to its end; a producer that fails
/// before its first chunk went out is answered with its error, as the server does).
Reply Call(const http::Router& router, const std::string& method, const std::string& target,
           const Headers& headers = {}, const std::string& body = {},
           const std::string& address = "127.0.0.1");

/// The metaData of a test table: `id` and nullable top-level (name, Delta type) columns.
delta::Metadata MetadataOf(std::string id,
                           const std::vector<std::pair<std::string, std::string>>& columns);

/// A top-level column of a test schema: its name, Delta type and, under column mapping, its
/// delta.columnMapping.physicalName (empty: none).
struct SchemaField {
  std::string name;
  std::string type;
  std::string physical;
};
/// The Delta schema string of nullable `fields`; a field with a physical name carries it and its
/// column id (its place, from 1).
std::string SchemaStringOf(const std::vector<SchemaField>& fields);

/// The protocol (reader 2, writer 5) and metaData of a table under column mapping (mode name)
/// with the change data feed on: table id `id`, `schema_string` whose highest column id is
/// `max_column_id`.
struct MappedTable {
  delta::Protocol protocol;
  delta::Metadata metadata;
};
MappedTable MappedTableOf(std::string id, std::string schema_string, int max_column_id);

/// The options of a test service: URLs under http://localhost, signed with `signing_key`.
SharingOptions LocalOptions(std::string signing_key);

/// A service over `provider` and `authenticator`, its routes on `router` and the router's
/// authenticator its own, its metrics in `metrics` when given (which must outlive it). The
/// service must outlive the router's use.
Result<std::unique_ptr<SharingService>> ServeOn(
    http::Router& router, std::shared_ptr<const ShareProvider> provider,
    std::shared_ptr<const auth::Authenticator> authenticator, SharingOptions options,
    http::MetricsRegistry* metrics = nullptr);

/// The provider of the configuration file text `yaml` (ParseSharingConfig, then Create).
Result<std::unique_ptr<YamlShareProvider>> YamlProviderOf(const std::string& yaml);

/// One Parquet data file of (id long, name string) rows; its add action carries `partition`.
Result<delta::FileAction> WriteRows(delta::TableWriter& writer, const std::string& path,
                                    const std::vector<std::pair<int64_t, std::string>>& rows,
                                    delta::StringMap partition = {});

/// Append the add action lines of files `first` .. `end - 1` to `lines`: file i is
/// "part-<i, 5 digits>-<i, 40 digits>.parquet" of 1000 + i bytes and 10 records (about 400 bytes
/// a line), dataChange true. The files need not exist (announcing a file does not read it): for
/// tables whose responses must be large.
void AppendAnnouncedFiles(std::vector<std::string>& lines, int first, int end);
/// Set the modification time of the table's commit `version` (the commit timestamp readers use).
Status SetCommitTime(const std::filesystem::path& table, int64_t version, int64_t ms);

/// Storage governance as the server sets it up, for a test metastore: locations compared by
/// storage's one spelling (storage::CanonicalLocationUri); no protected locations.
catalog::LocationPolicy TestLocationPolicy();

class SharingTestBed {
 public:
  SharingTestBed();
  ~SharingTestBed();
  SharingTestBed(const SharingTestBed&) = delete;
  SharingTestBed& operator=(const SharingTestBed&) = delete;

  /// Create the metastore in the bed's folder: catalog `main` with schema `s` under an external
  /// location over the folder.
  Status Open();

  const std::filesystem::path& dir() const { return dir_.path(); }
  catalog::Catalog& catalog() { return *catalog_; }
  std::shared_ptr<MetastoreShareProvider> provider() const { return provider_; }
  std::shared_ptr<auth::RecipientAuthenticator> authenticator() const { return auth_; }

  /// A writer of the folder `name` of the bed, and the table main.s.`name` registered at it.
  Result<delta::TableWriter> CreateTable(const std::string& name);
  /// Create `share` when absent and add `objects` to it.
  Status Share(const std::string& share, std::vector<catalog::SharedDataObject> objects = {});
  /// A recipient with `properties`, granted SELECT on `shares`; its "Bearer <token>" header.
  Result<std::string> Recipient(const std::string& name, const std::vector<std::string>& shares,
                                std::map<std::string, std::string> properties = {});

  /// A service over the bed's provider (or `provider`, when given: one wrapping the bed's) and
  /// authenticator, its routes on `router` and the router's authenticator its own, its metrics in
  /// `metrics` when given (which must outlive it). The service must outlive the router's use.
  Result<std::unique_ptr<SharingService>> Serve(
      SharingOptions options, http::Router& router, http::MetricsRegistry* metrics = nullptr,
      std::shared_ptr<const ShareProvider> provider = nullptr);

 private:
  TempDir dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::shared_ptr<MetastoreShareProvider> provider_;
  std::shared_ptr<auth::RecipientAuthenticator> auth_;
};

/// The table main.s.`name` of `bed` at version 0: a protocol, the metaData of one column `id`
/// with change data feed on, and `files` announced files (AppendAnnouncedFiles); its writer, for
/// later commits.
Result<delta::TableWriter> CreateAnnouncedTable(SharingTestBed& bed, const std::string& name,
                                                int files);

}  // namespace lakeshare::sharing::testing
