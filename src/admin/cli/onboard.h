// `lakeshare admin onboard`: the five onboarding steps (register tables, create the share, add
// the tables, create the recipient, grant) for one partner, idempotent, so that a rerun skips
// what exists. One Onboarder serves all worker threads of a run: objects several partners share
// (catalogs, schemas, tables, shares and their tables) are ensured once, under a per-object
// lock, so concurrent workers neither race nor repeat requests. Run is thread-safe; each thread
// brings its own Api.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "admin/cli/client.h"
#include "admin/cli/partners_csv.h"
#include "common/mutex.h"

namespace lakeshare::admin::cli {

struct OnboardOptions {
  // One partner from flags.
  std::string partner, share, comment;
  std::vector<std::string> tables, properties, ips, partitions;
  // Many from a file.
  std::string csv;
  int parallel = 4;
  bool with_history = false;
  bool reissue_links = false;
  bool rotate_activated = false;
  int64_t existing_token_expire_in_seconds = 86400;
  std::string links_out;
  std::string organization_name;  // set before onboarding when given
};

/// The objects onboarding counts (created or already present).
enum Kind { kCatalog, kSchema, kTable, kShare, kShareTable, kRecipient, kGrant, kKinds };
inline constexpr const char* kKindNames[kKinds] = {"catalogs",     "schemas",    "tables", "shares",
                                                   "share tables", "recipients", "grants"};

/// What happened to one partner.
struct PartnerOutcome {
  std::string partner;
  std::string share;
  int64_t line = 0;
  enum class Status { kCreated, kPresent, kFailed } status = Status::kPresent;
  std::string activation_url;
  std::string link_expiry;  // "expires in 72 hours (at ...)"
  bool unactivated_without_link = false;
  /// For a recipient that already existed with other properties or another IP access list than
  /// asked (onboarding never changes an existing recipient): the command that applies them.
  std::string settings_left;
  CallError error;
  std::string step;  // the step that failed
};

/// The `lakeshare admin recipients update` command that gives the recipient `existing` (a GET
/// reply) the properties and IP access list `spec` asks for, or "" when it has them already.
/// Properties it holds beyond those asked are kept (update merges); the IP list is compared as a
/// set.
std::string RecipientSettingsLeft(const Json& existing, const PartnerSpec& spec);

/// What exists on the server before a run, read with list calls (so that onboarding does not
/// probe each name with a GET that answers 404 and fills the audit log). Names lower-cased;
/// schemas as "catalog.schema", tables as full names.
struct ExistingObjects {
  bool loaded = false;  // false: unknown, probe each object
  std::set<std::string> catalogs, schemas, tables, shares, recipients;

  /// Read what `specs` need: the catalogs, the schemas and tables of the catalogs and schemas
  /// they name, the shares and the recipients.
  static CallResult<ExistingObjects> Load(Api& api, const std::vector<PartnerSpec>& specs);
  /// Whether `name` is known to be absent from `set` (false when nothing was loaded).
  bool Absent(const std::set<std::string>& set, const std::string& name) const;
};

class Onboarder {
 public:
  /// `options` and `existing` must outlive the Onboarder.
  Onboarder(const OnboardOptions& options, const ExistingObjects& existing);

  /// Onboard one partner through `api`.
  PartnerOutcome Run(Api& api, const PartnerSpec& spec);

  /// Tables added --with-history whose changes are not served (no change data feed).
  std::vector<std::string> TablesWithoutChanges() LS_EXCLUDES(mu_);

  int64_t created(int k) const { return created_[k].load(); }
  int64_t present(int k) const { return present_[k].load(); }

 private:
  /// One object several partners may need, ensured once by whichever worker holds `mu` first.
  struct Entry {
    Mutex mu;
    bool done LS_GUARDED_BY(mu) = false;
    std::set<std::string> objects LS_GUARDED_BY(mu);  // shares: the names of their objects
    std::set<std::string> counted LS_GUARDED_BY(mu);  // shares: objects already counted
  };

  /// The entry of `key`, made on first use; it lives as long as the Onboarder.
  Entry& Get(const std::string& key) LS_EXCLUDES(mu_);
  void Count(Kind k, bool created) { (created ? created_ : present_)[k].fetch_add(1); }

  /// GET `path` (unless `absent`); when absent, POST `body` to `create_path`. Counts the object.
  CallResult<void> Ensure(Api& api, Kind kind, bool absent, const std::string& key,
                          const std::string& path, const std::string& create_path, const Json& body,
                          const std::function<CallResult<void>()>& before_create = {});
  CallResult<void> EnsureTable(Api& api, const TableItem& t);
  CallResult<void> EnsureShare(Api& api, const PartnerSpec& spec);
  /// Read the names of the objects of the share at `path` into `share`.
  CallResult<void> LoadShareObjects(Api& api, const std::string& path, Entry& share)
      LS_REQUIRES(share.mu);
  /// The recipient exists afterwards; returns whether it was created now.
  CallResult<bool> EnsureRecipient(Api& api, const PartnerSpec& spec, PartnerOutcome* out,
                                   bool* changed);
  /// Grant SELECT on the share; returns whether the grant was new.
  CallResult<bool> EnsureGrant(Api& api, const PartnerSpec& spec, bool recipient_is_new);

  /// Remember the tables of `added` that `share` (an updateShare reply) says have no changes
  /// served.
  void NoteTablesWithoutChanges(const Json& share, const std::vector<std::string>& added)
      LS_EXCLUDES(mu_);

  const OnboardOptions& options_;
  const ExistingObjects& existing_;
  Mutex mu_;
  std::map<std::string, Entry> entries_ LS_GUARDED_BY(mu_);  // nodes never move nor go
  std::vector<std::string> notes_ LS_GUARDED_BY(mu_);
  std::atomic<int64_t> created_[kKinds];
  std::atomic<int64_t> present_[kKinds];
};

}  // namespace lakeshare::admin::cli
