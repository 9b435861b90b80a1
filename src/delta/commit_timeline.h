// CommitTimeline: the commits of one table that timestamp time travel searches (history.h), kept
// between requests so that a `timestamp=` query lists only the commits written since the last
// one instead of the whole `_delta_log`. Commits are immutable once written, so what a listing
// found stays true; what can change is the start of the log (log cleanup deletes the oldest
// commits and checkpoints) and its end (new commits). Each use therefore checks the file the
// timeline starts at (commit 0, or the earliest checkpoint, and the first commit) with one Stat
// and rebuilds from a full listing when it is gone or changed, and lists from the last known
// version when the caller's latest version is past it. In-commit timestamps read from commit
// files are remembered per version too, and so are the few commits a change feed was cut inside
// (delta/change_feed.h: the next page resumes there without reading the commit again).
// Memory: one timeline keeps at most `max_commits` commits (a longer log is listed on each use,
// as without a timeline) and `max_parsed_commits` parsed commits of `max_parsed_bytes` together
// (least recently used dropped first); the timelines of one CommitTimelineBudget hold at most
// `max_total_bytes` together, past which the least recently used are dropped (and rebuilt when
// used again), and their parsed commits `max_total_parsed_bytes` together, apart (past it the
// least recently used parsed commits of any timeline are dropped, never a timeline). A
// SnapshotCache owns a budget and gives each table one timeline, which the snapshots refreshed
// from one another share (Snapshot::timeline()).
// Thread-safe; the store must outlive each call, not the timeline.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "common/costed_lru.h"
#include "common/mutex.h"
#include "common/result.h"
#include "delta/log_segment.h"
#include "storage/object_store.h"

namespace lakeshare::delta {

struct CommitTimelineLimits {
  /// Commits one timeline keeps; a longer log is listed on each use.
  size_t max_commits = 100'000;
  /// Bytes all timelines of one budget keep together (least recently used dropped first).
  size_t max_total_bytes = size_t{64} << 20;
  /// Parsed commits one timeline keeps for change feeds resumed inside them, and their bytes
  /// together (a larger commit is not kept).
  size_t max_parsed_commits = 4;
  size_t max_parsed_bytes = size_t{16} << 20;
  /// Bytes the parsed commits of all timelines of one budget keep together, not counted in
  /// max_total_bytes: a few large commits must not push other tables' timelines out.
  size_t max_total_parsed_bytes = size_t{32} << 20;
};

/// The commits a timeline found, immutable once published (readers share it without a lock).
struct TimelineCommits {
  /// Commits that can be time-travelled to (from commit 0, else from the earliest checkpoint),
  /// ascending; may go past the caller's latest version.
  std::vector<CommitRef> commits;
  /// Their file modification times made strictly increasing (history.h), saturating at INT64_MAX.
  std::vector<int64_t> file_ms;
  /// The files whose unchanged presence shows that no cleanup touched the start of the log.
  std::vector<storage::ObjectInfo> anchors;
  /// Every commit at or before this version was listed.
  Version listed_through = -1;

  /// Approximate heap bytes held (counts every path: O(commits)).
  size_t MemoryUsage() const;
};

/// A commit's time from its file (history.h): its modification time, made strictly increasing
/// after the previous commit's (`previous`; nullopt for the first): one millisecond later when
/// it is not after it, saturating at INT64_MAX (the provider sets file times).
int64_t IncreasingFileTime(std::optional<int64_t> previous, int64_t file_ms);

class CommitTimelineBudget;
struct ParsedCommit;  // delta/change_feed.h

class CommitTimeline : public std::enable_shared_from_this<CommitTimeline> {
 public:
  /// A timeline bounded by `limits.max_commits` only.
  static std::shared_ptr<CommitTimeline> Make(CommitTimelineLimits limits = {});
  ~CommitTimeline();

  /// The commits of the table at `store`, listed at least through `latest` (through the end of
  /// the log when `latest` is past it: a later use lists from there again).
  Result<std::shared_ptr<const TimelineCommits>> Commits(const storage::ObjectStore& store,
                                                         Version latest);
  /// The inCommitTimestamp of `commit`'s commitInfo (nullopt: it has none), read once.
  Result<std::optional<int64_t>> InCommitTimestamp(const storage::ObjectStore& store,
                                                   const CommitRef& commit);
  /// Keep `commit` (of `version`, about `bytes` heap bytes), a change feed was cut inside it
  /// (delta/change_feed.h); it replaces one kept for the version. Forgotten with the timestamps
  /// (the log was rebuilt) and when the budget drops this timeline.
  void RememberCommit(Version version, std::shared_ptr<const ParsedCommit> commit, size_t bytes)
      LS_EXCLUDES(mu_);
  /// Run `hook` in RememberCommit between keeping the commit and counting it in the budget (the
  /// window another thread may replace or drop it in); tests only, set before any use.
  void SetRememberHookForTest(std::function<void()> hook) { remember_hook_ = std::move(hook); }
  /// The commit kept for `version` (now the most recently used), or null.
  std::shared_ptr<const ParsedCommit> RememberedCommit(Version version) LS_EXCLUDES(mu_);
  /// Approximate heap bytes held now.
  size_t MemoryUsage() const;

 private:
  friend class CommitTimelineBudget;
  CommitTimeline(CommitTimelineLimits limits, std::shared_ptr<CommitTimelineBudget> budget);

  /// Keep `commits` (when within max_commits) and tell the budget the new size.
  void Install(std::shared_ptr<const TimelineCommits> commits, bool forget_timestamps)
      LS_EXCLUDES(mu_);
  /// Forget everything (the budget evicts this timeline).
  void Drop() LS_EXCLUDES(mu_);
  /// Forget the parsed commit the budget knows as `id` (its parsed commits are over their bound).
  void DropParsed(uint64_t id) LS_EXCLUDES(mu_);
  void Charge() LS_EXCLUDES(mu_);
  /// Bytes held apart from the parsed commits (what max_total_bytes bounds).
  size_t TimelineBytesLocked() const LS_REQUIRES(mu_);
  size_t MemoryUsageLocked() const LS_REQUIRES(mu_);
  /// What a parsed commit of `bytes` costs with its entry.
  static size_t ParsedCost(size_t bytes);

  const CommitTimelineLimits limits_;
  const std::shared_ptr<CommitTimelineBudget> budget_;  // null: no shared bound
  mutable Mutex mu_;
  std::shared_ptr<const TimelineCommits> commits_ LS_GUARDED_BY(mu_);
  size_t commits_bytes_ LS_GUARDED_BY(mu_) = 0;  // commits_->MemoryUsage(), counted once
  std::map<Version, std::optional<int64_t>> in_commit_ms_ LS_GUARDED_BY(mu_);
  struct Parsed {
    Version version;
    std::shared_ptr<const ParsedCommit> commit;
    size_t bytes;
    uint64_t id;  // the budget's name for it
  };
  std::list<Parsed> parsed_ LS_GUARDED_BY(mu_);  // most recently used first
  std::function<void()> remember_hook_;
  size_t parsed_bytes_ LS_GUARDED_BY(mu_) = 0;

  /// Tell the budget that the parsed commits `dropped` are gone.
  void ForgetParsed(const std::list<Parsed>& dropped) const;
};

/// The shared memory bound of the timelines it makes. Thread-safe; timelines keep it alive.
class CommitTimelineBudget {
 public:
  explicit CommitTimelineBudget(CommitTimelineLimits limits = {}) : limits_(limits) {}

  /// A new, empty timeline counted against `budget`.
  static std::shared_ptr<CommitTimeline> NewTimeline(
      const std::shared_ptr<CommitTimelineBudget>& budget);

  /// Bytes of the timelines and of their parsed commits.
  size_t bytes() const LS_EXCLUDES(mu_);
  /// Timelines dropped, and parsed commits dropped for the parsed commits' bound.
  int64_t evictions() const LS_EXCLUDES(mu_);
  int64_t parsed_evictions() const LS_EXCLUDES(mu_);

 private:
  friend class CommitTimeline;
  /// `timeline` now holds `bytes` and was just used; drops the least recently used others while
  /// the total is over the bound.
  void Charge(CommitTimeline* timeline, size_t bytes) LS_EXCLUDES(mu_);
  void Forget(CommitTimeline* timeline) LS_EXCLUDES(mu_);
  /// `timeline` keeps a parsed commit of `cost` bytes, named `id`; drops the least recently used
  /// others (of any timeline) while their total is over max_total_parsed_bytes.
  void ChargeParsed(CommitTimeline* timeline, uint64_t id, size_t cost) LS_EXCLUDES(mu_);
  /// The parsed commit `id` was just used / is gone.
  void TouchParsed(uint64_t id) LS_EXCLUDES(mu_);
  void ForgetParsed(const std::vector<uint64_t>& ids) LS_EXCLUDES(mu_);

  const CommitTimelineLimits limits_;
  mutable Mutex mu_;
  // The timelines by their bytes, and the parsed commits (by id) with the timeline that owns each.
  CostedLru<const CommitTimeline*, std::weak_ptr<CommitTimeline>> lru_ LS_GUARDED_BY(mu_);
  int64_t evictions_ LS_GUARDED_BY(mu_) = 0;
  CostedLru<uint64_t, std::weak_ptr<CommitTimeline>> parsed_lru_ LS_GUARDED_BY(mu_);
  int64_t parsed_evictions_ LS_GUARDED_BY(mu_) = 0;
};

}  // namespace lakeshare::delta
