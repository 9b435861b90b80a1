// SharingConfig: the server configuration file, compatible with the reference server's
// delta-sharing-server.yaml (ServerConfig.scala) so that a reference deployment can switch by
// changing the binary:
//
//   version: 1
//   shares:
//   - name: "share1"
//     schemas:
//     - name: "default"
//       tables:
//       - name: "table1"
//         location: "s3a://bucket/path/table1"    # or a local path / file:// URI
//         id: "00000000-0000-0000-0000-000000000000"
//         historyShared: true
//         startVersion: 0
//   authorization:
//     bearerToken: "<token>"
//   host: "localhost"
//   port: 8080
//   endpoint: "/delta-sharing"
//   preSignedUrlTimeoutSeconds: 3600
//
// Every key of the reference server is accepted (those without meaning here are ignored with a
// warning, e.g. deltaTableCacheSize). Lakeshare extensions, all optional:
//   shares[].id, shares[].comment, tables[].changeDataFeed (bool, default historyShared),
//   tables[].partitionFilter (jsonPredicateHints text restricting the shared partitions),
//   tables[].sourceName (informational, the provider-side name of an aliased table),
//   recipients[]: {name, bearerToken | bearerTokenSha256, shares: [names] | "*"} (per-recipient
//   tokens and share grants; authorization.bearerToken remains one token that sees every share),
//   signingKey (secret for page tokens and self-signed file URLs; random per process when
//   absent, which replicas must not rely on), publicUrl (scheme://host:port used in self-signed
//   file URLs), s3: {endpoint, region, addressing: auto|path|virtual, anonymous},
//   snapshotCacheBytes, maxRequestBodyBytes.
// Unknown keys produce warnings, not errors, so newer reference files still load.
// Tokens from the file are kept only as SHA-256 digests. Plain value type.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace lakeshare::sharing {

using TokenDigest = std::array<unsigned char, 32>;  // SHA-256 of a bearer token

struct TableConfig {
  std::string name;
  std::string location;
  std::string id;  // empty: derived from the names (NameBasedUuid)
  bool history_shared = false;
  std::optional<bool> change_data_feed;
  int64_t start_version = 0;
  std::string partition_filter;
  std::optional<std::string> source_name;
};

struct SchemaConfig {
  std::string name;
  std::vector<TableConfig> tables;
};

struct ShareConfig {
  std::string name;
  std::string id;  // empty: derived from the name
  std::optional<std::string> comment;
  std::vector<SchemaConfig> schemas;
};

struct RecipientConfig {
  std::string name;
  TokenDigest token_sha256{};
  bool all_shares = false;
  std::vector<std::string> shares;  // as written; matched case-insensitively
};

struct S3Config {
  std::string endpoint;
  std::string region;
  std::string addressing = "auto";  // auto | path | virtual
  bool anonymous = false;
};

struct SharingConfig {
  int version = 1;
  std::vector<ShareConfig> shares;
  /// authorization.bearerToken: one token that sees every share (reference server semantics).
  std::optional<TokenDigest> global_token_sha256;
  std::vector<RecipientConfig> recipients;

  std::string host = "localhost";
  int port = 80;
  std::string endpoint = "/delta-sharing";
  bool ssl = false;
  std::string ssl_certificate_file;
  std::string ssl_key_file;
  bool ssl_self_signed = false;

  int64_t presigned_url_timeout_seconds = 3600;
  bool evaluate_predicate_hints = true;  // reference default false; SQL hints are cheap here
  bool evaluate_json_predicate_hints = true;
  int query_table_page_size_limit = 10000;
  int64_t query_table_page_token_ttl_ms = 259'200'000;  // 3 days
  int64_t refresh_token_ttl_ms = 3'600'000;             // 1 hour
  bool staleness_acceptable = false;
  int64_t request_timeout_seconds = 30;

  std::string signing_key;  // raw secret bytes; empty: generate at startup
  std::string public_url;   // empty: http(s)://host:port of the listener
  S3Config s3;
  int64_t snapshot_cache_bytes = int64_t{1} << 30;
  int64_t max_request_body_bytes = 1 << 20;

  /// Non-fatal remarks from loading (unknown or ignored keys), to print at startup.
  std::vector<std::string> warnings;

  /// True when neither authorization.bearerToken nor recipients are configured: every request
  /// is accepted as an anonymous caller that sees every share (reference server behaviour).
  bool open_access() const { return !global_token_sha256 && recipients.empty(); }
};

/// Parse a configuration document. kInvalidArgument naming the key ("shares[0].schemas[0]
/// .tables[1].location: required") for anything malformed: missing names or locations, names
/// that break the protocol's naming rules, duplicate names (case-insensitive), bad numbers,
/// recipients granted unknown shares, an invalid partitionFilter.
Result<SharingConfig> ParseSharingConfig(std::string_view yaml_text);

/// Read and parse a configuration file; relative table locations resolve against the file's
/// directory.
Result<SharingConfig> LoadSharingConfig(const std::string& path);

/// SHA-256 of a token.
TokenDigest DigestToken(std::string_view token);

}  // namespace lakeshare::sharing
