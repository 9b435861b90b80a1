#include "delta/commit_timeline.h"

#include <algorithm>
#include <atomic>
#include <climits>

#include "delta/action_reader_internal.h"

namespace lakeshare::delta {

namespace {

// Append `from`'s commits after `out`'s, their file times made strictly increasing.
void AppendCommits(const std::vector<CommitRef>& from, Version after, TimelineCommits& out) {
  for (const auto& c : from) {
    if (c.version <= after) {
      continue;
    }
    out.file_ms.push_back(IncreasingFileTime(
        out.file_ms.empty() ? std::nullopt : std::optional<int64_t>(out.file_ms.back()),
        c.file.last_modified_ms));
    out.commits.push_back(c);
  }
}

// The whole log, listed from the start. Only versions that can be reconstructed count: from
// commit 0, or from the earliest checkpoint. `*anchored` is false when neither exists (nothing
// then shows that a later listing would start at the same commit: such a timeline is not kept).
Result<std::shared_ptr<const TimelineCommits>> ListAll(const storage::ObjectStore& store,
                                                       bool* anchored) {
  LS_ASSIGN_OR_RETURN(LogListing listing, ListLog(store));
  auto out = std::make_shared<TimelineCommits>();
  const bool has_zero = !listing.commits.empty() && listing.commits.front().version == 0;
  Version earliest = 0;
  if (has_zero) {
    out->anchors.push_back(listing.commits.front().file);
  } else if (!listing.checkpoints.empty()) {
    earliest = listing.checkpoints.front().version;
    out->anchors.push_back(listing.checkpoints.front().files.front());
  }
  *anchored = !out->anchors.empty();
  AppendCommits(listing.commits, earliest - 1, *out);
  if (*anchored && !out->commits.empty() &&
      out->commits.front().file.path != out->anchors.front().path) {
    out->anchors.push_back(out->commits.front().file);
  }
  // Through the last commit found, not through the caller's latest version: one past the log (a
  // table recreated with fewer commits) must not make later uses skip the commits written up to
  // it.
  out->listed_through = listing.commits.empty() ? Version{-1} : listing.commits.back().version;
  return out;
}

// `known` and the commits written after it.
Result<std::shared_ptr<const TimelineCommits>> Extend(const storage::ObjectStore& store,
                                                      const TimelineCommits& known) {
  LS_ASSIGN_OR_RETURN(LogListing listing, ListLog(store, known.listed_through + 1));
  auto out = std::make_shared<TimelineCommits>(known);
  AppendCommits(listing.commits, known.listed_through, *out);
  out->listed_through = std::max(
      known.listed_through, listing.commits.empty() ? Version{-1} : listing.commits.back().version);
  return out;
}

// False when an anchor or the last listed commit is gone or was replaced (log cleanup, a table
// recreated in place: its first commit may look the same, to the size and the second, but a log
// written again with fewer commits loses the last one), or cannot be checked now (the full
// listing then reports the store's error as before).
bool StillAnchored(const storage::ObjectStore& store, const TimelineCommits& known) {
  for (const auto& anchor : known.anchors) {
    if (!FileUnchanged(store, anchor)) {
      return false;
    }
  }
  if (known.commits.empty()) {
    return true;
  }
  const storage::ObjectInfo& last = known.commits.back().file;
  const bool is_anchor = std::any_of(known.anchors.begin(), known.anchors.end(),
                                     [&](const auto& a) { return a.path == last.path; });
  return is_anchor || FileUnchanged(store, last);
}

// True when `commit` (its version, name, size and time) is one of `known`'s.
bool Holds(const TimelineCommits& known, const CommitRef& commit) {
  auto it = std::lower_bound(
      known.commits.begin(), known.commits.end(), commit.version,
      [](const CommitRef& c, Version v) { return c.version < v; });
  return it != known.commits.end() && it->version == commit.version &&
         it->file.path == commit.file.path && it->file.size == commit.file.size &&
         it->file.last_modified_ms == commit.file.last_modified_ms;
}

}  // namespace

int64_t IncreasingFileTime(std::optional<int64_t> previous, int64_t file_ms) {
  if (!previous || file_ms > *previous) {
    return file_ms;
  }
  return *previous == INT64_MAX ? *previous : *previous + 1;
}

size_t TimelineCommits::MemoryUsage() const {
  size_t bytes = sizeof(*this) + commits.capacity() * sizeof(CommitRef) +
                 file_ms.capacity() * sizeof(int64_t) +
                 anchors.capacity() * sizeof(storage::ObjectInfo);
  for (const auto& c : commits) {
    bytes += c.file.path.capacity();
  }
  for (const auto& a : anchors) {
    bytes += a.path.capacity();
  }
  return bytes;
}

std::shared_ptr<CommitTimeline> CommitTimeline::Make(CommitTimelineLimits limits) {
  return std::shared_ptr<CommitTimeline>(new CommitTimeline(limits, nullptr));
}

CommitTimeline::CommitTimeline(CommitTimelineLimits limits,
                               std::shared_ptr<CommitTimelineBudget> budget)
    : limits_(limits), budget_(std::move(budget)) {}

CommitTimeline::~CommitTimeline() {
  if (budget_) {
    budget_->Forget(this);
    std::list<Parsed> dropped;
    {
      MutexLock lock(mu_);
      dropped.swap(parsed_);
    }
    ForgetParsed(dropped);
  }
}

Result<std::shared_ptr<const TimelineCommits>> CommitTimeline::Commits(
    const storage::ObjectStore& store, Version latest) {
  std::shared_ptr<const TimelineCommits> known;
  {
    MutexLock lock(mu_);
    known = commits_;
  }
  // The I/O runs without the lock: two requests may list at once, and either result is right.
  if (known && StillAnchored(store, *known)) {
    if (known->listed_through >= latest) {
      Charge();
      return known;
    }
    LS_ASSIGN_OR_RETURN(auto extended, Extend(store, *known));
    Install(extended, /*forget_timestamps=*/false);
    return extended;
  }
  bool anchored = false;
  LS_ASSIGN_OR_RETURN(auto all, ListAll(store, &anchored));
  Install(anchored ? all : nullptr, /*forget_timestamps=*/true);
  return all;
}

Result<std::optional<int64_t>> CommitTimeline::InCommitTimestamp(const storage::ObjectStore& store,
                                                                 const CommitRef& commit) {
  {
    MutexLock lock(mu_);
    auto it = in_commit_ms_.find(commit.version);
    if (it != in_commit_ms_.end()) {
      return it->second;
    }
  }
  LS_ASSIGN_OR_RETURN(std::optional<int64_t> ms, ReadInCommitTimestamp(store, commit.file.path));
  {
    MutexLock lock(mu_);
    // Kept only beside the commits it belongs to (a timeline over the bound keeps neither; one
    // rebuilt while this read ran may hold another file under this version).
    if (commits_ && Holds(*commits_, commit)) {
      in_commit_ms_[commit.version] = ms;
    }
  }
  Charge();
  return ms;
}

void CommitTimeline::RememberCommit(Version version, std::shared_ptr<const ParsedCommit> commit,
                                    size_t bytes) {
  if (bytes > limits_.max_parsed_bytes || limits_.max_parsed_commits == 0 ||
      (budget_ && ParsedCost(bytes) > limits_.max_total_parsed_bytes)) {
    return;
  }
  static std::atomic<uint64_t> next_id{1};
  const uint64_t id = next_id.fetch_add(1, std::memory_order_relaxed);
  std::list<Parsed> dropped;  // freed after the lock (a commit may hold many actions)
  {
    MutexLock lock(mu_);
    auto same = std::find_if(parsed_.begin(), parsed_.end(),
                             [&](const Parsed& p) { return p.version == version; });
    if (same != parsed_.end()) {
      parsed_bytes_ -= same->bytes;
      dropped.splice(dropped.end(), parsed_, same);
    }
    parsed_.push_front(Parsed{version, std::move(commit), bytes, id});
    parsed_bytes_ += bytes;
    while (parsed_.size() > limits_.max_parsed_commits ||
           parsed_bytes_ > limits_.max_parsed_bytes) {
      parsed_bytes_ -= parsed_.back().bytes;
      dropped.splice(dropped.end(), parsed_, std::prev(parsed_.end()));
    }
  }
  // Counted apart from the timelines' bytes. Not Charge(): a timeline used only through parsed
  // commits keeps its place in the timelines' LRU (a page resumed from a kept commit does not use
  // the timeline's commits).
  ForgetParsed(dropped);
  if (!budget_) {
    return;
  }
  if (remember_hook_) remember_hook_();
  budget_->ChargeParsed(this, id, ParsedCost(bytes));
  // Another thread may have replaced or dropped the commit since the lock: its ForgetParsed then
  // found nothing to forget, so the count is taken back here (forgetting twice is harmless).
  bool held = false;
  {
    MutexLock lock(mu_);
    held = std::any_of(parsed_.begin(), parsed_.end(), [&](const Parsed& p) { return p.id == id; });
  }
  if (!held) {
    budget_->ForgetParsed({id});
  }
}

void CommitTimeline::DropParsed(uint64_t id) {
  std::list<Parsed> dropped;  // freed after the lock
  MutexLock lock(mu_);
  auto it =
      std::find_if(parsed_.begin(), parsed_.end(), [&](const Parsed& p) { return p.id == id; });
  if (it != parsed_.end()) {
    parsed_bytes_ -= it->bytes;
    dropped.splice(dropped.end(), parsed_, it);
  }
}

void CommitTimeline::ForgetParsed(const std::list<Parsed>& dropped) const {
  if (!budget_ || dropped.empty()) {
    return;
  }
  std::vector<uint64_t> ids;
  for (const Parsed& p : dropped) {
    ids.push_back(p.id);
  }
  budget_->ForgetParsed(ids);
}

size_t CommitTimeline::ParsedCost(size_t bytes) {
  return bytes + sizeof(Parsed) + 2 * sizeof(void*);  // the entry and its list node
}

std::shared_ptr<const ParsedCommit> CommitTimeline::RememberedCommit(Version version) {
  std::shared_ptr<const ParsedCommit> commit;
  uint64_t id = 0;
  {
    MutexLock lock(mu_);
    auto it = std::find_if(parsed_.begin(), parsed_.end(),
                           [&](const Parsed& p) { return p.version == version; });
    if (it == parsed_.end()) {
      return nullptr;
    }
    parsed_.splice(parsed_.begin(), parsed_, it);
    commit = it->commit;
    id = it->id;
  }
  if (budget_) {
    budget_->TouchParsed(id);
  }
  return commit;
}

void CommitTimeline::Install(std::shared_ptr<const TimelineCommits> commits,
                             bool forget_timestamps) {
  if (commits && commits->commits.size() > limits_.max_commits) {
    commits = nullptr;
  }
  const size_t bytes = commits ? commits->MemoryUsage() : 0;  // before the lock: O(commits)
  std::list<Parsed> dropped;
  {
    MutexLock lock(mu_);
    if (forget_timestamps || !commits) {
      in_commit_ms_.clear();
      dropped.swap(parsed_);
      parsed_bytes_ = 0;
    }
    commits_ = std::move(commits);
    commits_bytes_ = bytes;
  }
  ForgetParsed(dropped);
  Charge();
}

void CommitTimeline::Drop() {
  std::list<Parsed> dropped;
  {
    MutexLock lock(mu_);
    commits_ = nullptr;
    commits_bytes_ = 0;
    in_commit_ms_.clear();
    dropped.swap(parsed_);
    parsed_bytes_ = 0;
  }
  ForgetParsed(dropped);
}

void CommitTimeline::Charge() {
  if (!budget_) {
    return;
  }
  size_t bytes = 0;
  {
    MutexLock lock(mu_);
    bytes = TimelineBytesLocked();
  }
  if (bytes == 0) {
    budget_->Forget(this);
  } else {
    budget_->Charge(this, bytes);
  }
}

size_t CommitTimeline::MemoryUsage() const {
  MutexLock lock(mu_);
  return MemoryUsageLocked();
}

size_t CommitTimeline::TimelineBytesLocked() const {
  // A map node holds the key, the value and three pointers and a colour.
  constexpr size_t kNodeBytes =
      4 * sizeof(void*) + sizeof(Version) + sizeof(std::optional<int64_t>);
  if (!commits_) {
    return 0;
  }
  return commits_bytes_ + in_commit_ms_.size() * kNodeBytes;
}

size_t CommitTimeline::MemoryUsageLocked() const {
  return TimelineBytesLocked() + parsed_bytes_ + parsed_.size() * ParsedCost(0);
}

std::shared_ptr<CommitTimeline> CommitTimelineBudget::NewTimeline(
    const std::shared_ptr<CommitTimelineBudget>& budget) {
  return std::shared_ptr<CommitTimeline>(new CommitTimeline(budget->limits_, budget));
}

size_t CommitTimelineBudget::bytes() const {
  MutexLock lock(mu_);
  return lru_.total() + parsed_lru_.total();
}

int64_t CommitTimelineBudget::evictions() const {
  MutexLock lock(mu_);
  return evictions_;
}

int64_t CommitTimelineBudget::parsed_evictions() const {
  MutexLock lock(mu_);
  return parsed_evictions_;
}

void CommitTimelineBudget::Charge(CommitTimeline* timeline, size_t bytes) {
  std::vector<std::shared_ptr<CommitTimeline>> victims;
  {
    MutexLock lock(mu_);
    lru_.Put(timeline, timeline->weak_from_this(), bytes);
    evictions_ +=
        lru_.EvictOver(limits_.max_total_bytes, timeline,
                       [&victims](const CommitTimeline*, std::weak_ptr<CommitTimeline>& t) {
                         if (auto alive = t.lock()) {
                           victims.push_back(std::move(alive));
                         }
                       });
  }
  // Dropped outside the budget's lock: no thread holds a timeline's lock and the budget's at once.
  // A victim that grows again meanwhile is counted again by its own Charge (at worst counted while
  // empty until its next use: the bound errs on the safe side).
  for (auto& victim : victims) {
    victim->Drop();
  }
}

void CommitTimelineBudget::Forget(CommitTimeline* timeline) {
  MutexLock lock(mu_);
  lru_.Erase(timeline);
}

void CommitTimelineBudget::ChargeParsed(CommitTimeline* timeline, uint64_t id, size_t cost) {
  std::vector<std::pair<std::shared_ptr<CommitTimeline>, uint64_t>> victims;
  {
    MutexLock lock(mu_);
    parsed_lru_.Put(id, timeline->weak_from_this(), cost);
    parsed_evictions_ +=
        parsed_lru_.EvictOver(limits_.max_total_parsed_bytes, id,
                              [&victims](uint64_t victim_id, std::weak_ptr<CommitTimeline>& owner) {
                                if (auto alive = owner.lock()) {
                                  victims.emplace_back(std::move(alive), victim_id);
                                }
                              });
  }
  // As in Charge: dropped outside the budget's lock.
  for (auto& [owner, victim_id] : victims) {
    owner->DropParsed(victim_id);
  }
}

void CommitTimelineBudget::TouchParsed(uint64_t id) {
  MutexLock lock(mu_);
  parsed_lru_.Touch(id);
}

void CommitTimelineBudget::ForgetParsed(const std::vector<uint64_t>& ids) {
  MutexLock lock(mu_);
  for (uint64_t id : ids) {
    parsed_lru_.Erase(id);
  }
}

}  // namespace lakeshare::delta
