// Change data feed between two versions (both inclusive). Delta protocol, *Reader Requirements
// for AddCDCFile*: "1. If there are cdc actions in this version, then read only those to get the
// row-level changes, and skip the remaining add and remove actions in this version. 2. Otherwise
// ... read and treat all the rows in the add and remove actions as inserted and deleted rows".
// Add/remove actions with dataChange=false (compaction, stats updates) carry no change and are
// left out. Every commit of the range must have change data feed enabled
// (delta.enableChangeDataFeed=true in the metadata in effect at that commit); otherwise the whole
// request is kUnsupported. Metadata and protocol changes inside the range are reported with their
// version. Functions are thread-safe; the callback runs on the calling thread. A
// ChangeFeedReader reads the same feed a commit per call (a stream that resumes where its client
// stopped reading); one reader is used by one thread at a time. A reader given the table's commit
// timeline as memo (ChangeFeedOptions::memo) can leave the commit a page was cut in there
// (RememberLast), and a reader opened at that version takes it from there instead of reading it
// and the state before it again: a commit of N files served a file per page is parsed once, not
// once per page.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/log_segment.h"
#include "storage/object_store.h"

namespace lakeshare::delta {

class CommitTimeline;  // delta/commit_timeline.h
class Snapshot;        // delta/snapshot.h

/// The changes of one commit.
struct CommitChanges {
  Version version = 0;
  /// The commit's time as history.h defines it (so VersionAtTimestamp and the feed agree): its
  /// in-commit timestamp, or its file modification time made strictly increasing over the log.
  int64_t timestamp_ms = 0;
  std::optional<Protocol> protocol;  // when this commit changed the protocol
  std::optional<Metadata> metadata;  // when this commit changed the metadata
  bool from_cdc_files = false;       // actions are the commit's cdc files
  std::vector<FileAction> actions;   // cdc files, or add/remove with dataChange=true
                                     // (always the latter with data_actions_only)
};

struct ChangeFeedOptions {
  Version start = 0;
  std::optional<Version> end;  // latest when unset
  /// Refuse ranges where change data feed was not enabled (the protocol's rule); tests and
  /// tools may turn this off to inspect raw changes.
  bool require_cdf_enabled = true;
  bool check_protocol = true;
  /// Return every commit's add/remove actions with dataChange=true even when the commit has cdc
  /// files (which are then left out): what a streaming read of the table (the sharing protocol's
  /// `startingVersion` query) consumes, as opposed to the change data feed.
  bool data_actions_only = false;
  /// Where readers of this table leave the commit a page was cut in (RememberLast) and take it
  /// from when they open at its version; null: none. The table's timeline (Snapshot::timeline())
  /// bounds what it keeps. `table_id`: the metaData id the caller's snapshot has; a commit kept
  /// under another id (a table recreated at the same location) or for another file is not used.
  /// With `end` set too (a version the caller's snapshot has: the timeline is listed through
  /// it), the range's commits and times come from the timeline and the state before the start
  /// from a listing of the versions around it: a page does not list the whole log.
  std::shared_ptr<CommitTimeline> memo = nullptr;
  std::string table_id = std::string();
};

/// A commit a reader read, kept in a memo (CommitTimeline::RememberCommit) for the readers that
/// open at its version: its changes and the state in effect after it. Immutable once kept.
struct ParsedCommit {
  storage::ObjectInfo file;  // the commit file it was read from
  bool data_actions_only = false;
  std::shared_ptr<const CommitChanges> changes;
  Protocol protocol;  // in effect after the commit
  Metadata metadata;
  std::optional<int64_t> in_commit_ms;  // the in-commit timestamp that applied to it
  size_t bytes = 0;                     // MemoryUsage(), counted once when kept

  /// Approximate heap bytes held (walks every action).
  size_t MemoryUsage() const;
};

/// The change feed of one range, a commit per Next. Open runs the checks of the range (and
/// loads the metadata in effect at its start: the snapshot before it and its first commit, that
/// commit as the memo kept it, or else the snapshot at the start); each Next reads one commit file
/// and checks that commit (protocol, change data feed enabled), so an error may come after commits
/// were read.
class ChangeFeedReader {
 public:
  /// Errors as ReadChangeFeed's, for those found before the first commit is read.
  static Result<ChangeFeedReader> Open(std::shared_ptr<const storage::ObjectStore> store,
                                       const ChangeFeedOptions& options);

  /// The next commit's changes in version order, nullopt after the last one. An error ends the
  /// feed: every later call returns it again.
  Result<std::optional<CommitChanges>> Next();
  /// Next, shared with the memo (null after the last commit).
  Result<std::shared_ptr<const CommitChanges>> NextShared();
  /// Keep the commit the last Next returned in the memo, for a reader opened at its version (a
  /// page cut inside it or right before it); nothing without a memo or before the first Next.
  void RememberLast();

 private:
  class CommitCollector;
  ChangeFeedReader() = default;
  // The range's commits and their times from a listing of the whole log, with its checks.
  Status RangeFromListing(const LogListing& listing);
  // The same from the memo's timeline; false when it does not hold the whole range (the listing
  // then answers) or there is no memo or no end.
  Result<bool> RangeFromTimeline();
  // The first commit and the state after it, as a reader of this table and file kept them;
  // `check_file`: Stat the file first (the range's files came from the timeline, not a listing).
  bool ResumeFromMemo(bool check_file);
  // The protocol and metadata in effect at the start of the range from a listing of the versions
  // around it (BuildNearbyLogSegment); false when that cannot tell (LoadStateBefore then does).
  Result<bool> LoadStateNearby();
  // The state of `before` (the version before the start) and the first commit read over it.
  Status ApplyStateBefore(const Snapshot& before);
  // A feed from version 0: nothing is in effect before it; commit 0 is read once, here.
  Status ReadFirstCommit();
  // The protocol and metadata in effect at the start of the range (from `listing`'s snapshots).
  Status LoadStateBefore(const LogListing& listing);
  // Read and parse commit `c` and apply its protocol and metadata.
  Result<std::shared_ptr<CommitCollector>> ReadAndApply(const CommitRef& c);
  // The changes of commits_[index], after the checks of that commit.
  Result<std::shared_ptr<const CommitChanges>> ReadCommit(size_t index);
  // The first commit, from the memo: the checks of ReadCommit on the state it kept.
  Result<std::shared_ptr<const CommitChanges>> ResumeFirst();
  // ReadCommit's checks of commit `c` once protocol_ and metadata_ are in effect after it.
  Status CheckCommit(const CommitRef& c, bool check_protocol);
  // The in-commit timestamp that applies to commit `c` (nullopt: its file time does).
  Result<std::optional<int64_t>> InCommitMs(const CommitRef& c,
                                            const std::optional<CommitInfo>& info) const;

  std::shared_ptr<const storage::ObjectStore> store_;
  ChangeFeedOptions options_;
  Version start_ = 0;
  Version end_ = 0;
  std::vector<CommitRef> commits_;   // the range's commit files, in version order
  std::vector<int64_t> file_times_;  // their times made strictly increasing (history.h)
  Protocol protocol_;                // in effect before the next commit
  Metadata metadata_;
  size_t next_ = 0;                              // index of the next commit in commits_
  std::optional<Error> error_;                   // the error that ended the feed
  std::shared_ptr<CommitCollector> first_read_;  // commits_[0], read by Open
  std::shared_ptr<const ParsedCommit> first_;    // commits_[0], from the memo
  std::shared_ptr<const CommitChanges> last_;    // what the last Next returned (with a memo)
  std::optional<int64_t> last_in_commit_ms_;     // and its in-commit timestamp
};

/// Read the change feed, one commit at a time, in version order. Errors: kInvalidArgument for
/// start > end or negative versions; kNotFound when start or end is past the latest version or
/// start is no longer in the log; kUnsupported when CDF is not enabled for part of the range.
Status ReadChangeFeed(std::shared_ptr<const storage::ObjectStore> store,
                      const ChangeFeedOptions& options,
                      const std::function<Status(CommitChanges&&)>& fn);

/// Convenience: collect every commit's changes.
Result<std::vector<CommitChanges>> ReadChangeFeed(std::shared_ptr<const storage::ObjectStore> store,
                                                  const ChangeFeedOptions& options);

}  // namespace lakeshare::delta
