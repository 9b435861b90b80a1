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
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "admin/cli/client.h"
#include "admin/cli/partners_csv.h"

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
  bool unactivated_without_link = false;
  CallError error;
  std::string step;  // the step that failed
};

class Onboarder {
 public:
  /// `options` must outlive the Onboarder.
  explicit Onboarder(const OnboardOptions& options);

  /// Onboard one partner through `api`.
  PartnerOutcome Run(Api& api, const PartnerSpec& spec);

  int64_t created(int k) const { return created_[k].load(); }
  int64_t present(int k) const { return present_[k].load(); }

 private:
  struct Entry {
    std::mutex mu;
    bool done = false;
    std::set<std::string> objects;  // shares: the names of their objects
    std::set<std::string> counted;  // shares: objects already counted
  };

  std::shared_ptr<Entry> Get(const std::string& key);
  void Count(Kind k, bool created) { (created ? created_ : present_)[k].fetch_add(1); }

  /// GET `path`; when absent, POST `body` to `create_path`. Counts the object.
  CallResult<void> Ensure(Api& api, Kind kind, const std::string& key, const std::string& path,
                          const std::string& create_path, const Json& body,
                          const std::function<CallResult<void>()>& before_create = {});
  CallResult<void> EnsureTable(Api& api, const TableItem& t);
  CallResult<void> EnsureShare(Api& api, const PartnerSpec& spec);
  /// The recipient exists afterwards; returns whether it was created now.
  CallResult<bool> EnsureRecipient(Api& api, const PartnerSpec& spec, PartnerOutcome* out,
                                   bool* changed);
  /// Grant SELECT on the share; returns whether the grant was new.
  CallResult<bool> EnsureGrant(Api& api, const PartnerSpec& spec, bool recipient_is_new);

  const OnboardOptions& options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  std::atomic<int64_t> created_[kKinds];
  std::atomic<int64_t> present_[kKinds];
};

}  // namespace lakeshare::admin::cli
