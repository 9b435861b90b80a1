#include "delta/change_feed.h"

#include <charconv>

#include "delta/action_reader_internal.h"
#include "delta/commit_timeline.h"
#include "delta/log_segment.h"
#include "delta/snapshot.h"
#include "delta/snapshot_internal.h"
#include "delta/table_features.h"
#include "delta/table_properties_internal.h"

namespace lakeshare::delta {

// The actions of one commit file, as parsed.
class ChangeFeedReader::CommitCollector : public ActionSink {
 public:
  bool wants_owned_file_actions() const override { return true; }
  Status OnProtocol(Protocol p) override {
    protocol = std::move(p);
    return OkStatus();
  }
  Status OnMetadata(Metadata m) override {
    metadata = std::move(m);
    return OkStatus();
  }
  Status OnCommitInfo(CommitInfo c) override {
    if (!commit_info) {
      commit_info = std::move(c);
    }
    return OkStatus();
  }
  Status OnFileAction(FileAction a) override {
    if (a.type == FileActionType::kCdc) {
      cdc.push_back(std::move(a));
    } else {
      data.push_back(std::move(a));
    }
    return OkStatus();
  }

  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::optional<CommitInfo> commit_info;
  std::vector<FileAction> cdc;
  std::vector<FileAction> data;
};

namespace {

// The commits [start, end] of the listing; every one must still be in the log.
Result<std::vector<const CommitRef*>> CommitRange(const LogListing& listing, Version start,
                                                  Version end) {
  std::vector<const CommitRef*> range;
  auto it = std::lower_bound(listing.commits.begin(), listing.commits.end(), start,
                             [](const CommitRef& c, Version v) { return c.version < v; });
  for (Version v = start; v <= end; ++v, ++it) {
    if (it == listing.commits.end() || it->version != v) {
      if (listing.commits.empty() || v < listing.commits.front().version) {
        return NotFound(
            "Changes from version {} are no longer available: the log's earliest commit is {}",
            start, listing.commits.empty() ? -1 : listing.commits.front().version);
      }
      return CorruptError("Delta log is missing commit {} (_delta_log/{}.json)", v,
                          VersionPrefix(v));
    }
    range.push_back(&*it);
  }
  return range;
}

// File times made strictly increasing the way history.cc does (IncreasingFileTime): from the
// earliest reconstructable commit (version 0, else the earliest checkpoint), each commit whose
// file time is not after its predecessor's counts as one millisecond later.
std::vector<int64_t> MonotonicCommitTimes(const LogListing& listing,
                                          const std::vector<const CommitRef*>& range, Version start,
                                          Version end) {
  std::vector<int64_t> monotonic_ms;
  monotonic_ms.reserve(range.size());
  Version earliest = 0;
  const bool has_zero = listing.commits.front().version == 0;
  if (!has_zero && !listing.checkpoints.empty()) earliest = listing.checkpoints.front().version;
  std::optional<int64_t> prev;
  for (const CommitRef& c : listing.commits) {
    if (c.version > end) break;
    if (c.version < earliest) continue;
    prev = IncreasingFileTime(prev, c.file.last_modified_ms);
    if (c.version >= start) monotonic_ms.push_back(*prev);
  }
  // Commits before the earliest checkpoint of a log without version 0 keep their file times.
  while (monotonic_ms.size() < range.size()) {
    monotonic_ms.insert(monotonic_ms.begin(),
                        range[range.size() - monotonic_ms.size() - 1]->file.last_modified_ms);
  }
  return monotonic_ms;
}

}  // namespace

Result<ChangeFeedReader> ChangeFeedReader::Open(std::shared_ptr<const storage::ObjectStore> store,
                                                const ChangeFeedOptions& options) {
  if (options.start < 0) {
    return InvalidArgument("Invalid starting version {}", options.start);
  }
  if (options.end && *options.end < 0) {
    return InvalidArgument("Invalid ending version {}", *options.end);
  }
  ChangeFeedReader reader;
  reader.store_ = std::move(store);
  reader.options_ = options;
  reader.start_ = options.start;
  // The whole log is listed only without a memo, or when the memo's timeline cannot answer (a
  // range it does not hold gets the listing's answer or error).
  std::optional<LogListing> listing;
  LS_ASSIGN_OR_RETURN(const bool from_timeline, reader.RangeFromTimeline());
  if (!from_timeline) {
    LS_ASSIGN_OR_RETURN(listing, ListLog(*reader.store_));
    LS_RETURN_IF_ERROR(reader.RangeFromListing(*listing));
  }
  if (reader.ResumeFromMemo(/*check_file=*/from_timeline)) {
    if (options.check_protocol) {
      LS_RETURN_IF_ERROR(CheckReadable(reader.protocol_));  // as the snapshot at start did
    }
    return reader;
  }
  if (!listing) {
    LS_ASSIGN_OR_RETURN(const bool loaded, reader.LoadStateNearby());
    if (loaded) {
      return reader;
    }
    LS_ASSIGN_OR_RETURN(listing, ListLog(*reader.store_));
  }
  LS_RETURN_IF_ERROR(reader.LoadStateBefore(*listing));
  return reader;
}

Status ChangeFeedReader::RangeFromListing(const LogListing& listing) {
  const Version latest = listing.latest();
  if (latest < 0) {
    return NotFound("No Delta table found: _delta_log has no commit files");
  }
  const Version end = options_.end.value_or(latest);
  if (start_ > end) {
    return InvalidArgument("The starting version {} is after the ending version {}", start_, end);
  }
  if (start_ > latest) {
    return InvalidArgument("The starting version {} is after the latest table version {}", start_,
                           latest);
  }
  if (end > latest) {
    return InvalidArgument("The ending version {} is after the latest table version {}", end,
                           latest);
  }
  LS_ASSIGN_OR_RETURN(std::vector<const CommitRef*> range, CommitRange(listing, start_, end));
  file_times_ = MonotonicCommitTimes(listing, range, start_, end);
  commits_.reserve(range.size());
  for (const CommitRef* c : range) commits_.push_back(*c);
  end_ = end;
  return OkStatus();
}

Result<bool> ChangeFeedReader::RangeFromTimeline() {
  if (!options_.memo || !options_.end || start_ > *options_.end) {
    return false;
  }
  const Version end = *options_.end;
  // Lists only what was written since the timeline's last use (and Stats its anchors).
  LS_ASSIGN_OR_RETURN(std::shared_ptr<const TimelineCommits> known,
                      options_.memo->Commits(*store_, end));
  const std::vector<CommitRef>& commits = known->commits;
  auto first = std::lower_bound(commits.begin(), commits.end(), start_,
                                [](const CommitRef& c, Version v) { return c.version < v; });
  const auto count = static_cast<size_t>(end - start_ + 1);
  const auto index = static_cast<size_t>(first - commits.begin());
  // Versions are unique and ascending: [start, end] is held whole when its last one is in place.
  if (first == commits.end() || first->version != start_ || commits.size() - index < count ||
      commits[index + count - 1].version != end) {
    return false;
  }
  commits_.assign(first, first + static_cast<std::ptrdiff_t>(count));
  file_times_.assign(known->file_ms.begin() + static_cast<std::ptrdiff_t>(index),
                     known->file_ms.begin() + static_cast<std::ptrdiff_t>(index + count));
  end_ = end;
  return true;
}

bool ChangeFeedReader::ResumeFromMemo(bool check_file) {
  if (!options_.memo || options_.table_id.empty()) {
    return false;
  }
  // A page resumed inside this commit: the commit and the state after it, when a reader of the
  // same table and file kept them.
  std::shared_ptr<const ParsedCommit> kept = options_.memo->RememberedCommit(start_);
  if (!kept || kept->file != commits_.front().file || kept->metadata.id != options_.table_id ||
      kept->data_actions_only != options_.data_actions_only) {
    return false;
  }
  if (check_file) {
    // The timeline vouches for the start and the end of the log, not for each file in between.
    if (!FileUnchanged(*store_, kept->file)) {
      return false;
    }
  }
  protocol_ = kept->protocol;
  metadata_ = kept->metadata;
  first_ = std::move(kept);
  return true;
}

Result<bool> ChangeFeedReader::LoadStateNearby() {
  if (start_ == 0) {
    LS_RETURN_IF_ERROR(ReadFirstCommit());
    return true;
  }
  LS_ASSIGN_OR_RETURN(std::optional<LogSegment> segment,
                      BuildNearbyLogSegment(*store_, start_ - 1));
  if (!segment) {
    return false;
  }
  SnapshotOptions snap_options;
  snap_options.load_files = false;
  snap_options.version = start_ - 1;
  snap_options.check_protocol = false;
  auto snapshot = Snapshot::LoadSegment(store_, std::move(*segment), snap_options);
  if (!snapshot) {
    return false;  // older checkpoints, or the snapshot at the start: LoadStateBefore's choice
  }
  LS_RETURN_IF_ERROR(ApplyStateBefore(**snapshot));
  return true;
}

Status ChangeFeedReader::ReadFirstCommit() {
  LS_ASSIGN_OR_RETURN(first_read_, ReadAndApply(commits_.front()));
  // What a snapshot of version 0 requires of it. Not what a snapshot computes after (its table
  // features, its in-commit timestamp's settings): a malformed
  // delta.inCommitTimestampEnablementVersion in commit 0 fails at the first Next, not at Open.
  return CheckStateComplete(first_read_->protocol, first_read_->metadata, 0,
                            options_.check_protocol);
}

Status ChangeFeedReader::ApplyStateBefore(const Snapshot& before) {
  protocol_ = before.protocol();
  metadata_ = before.metadata();
  LS_ASSIGN_OR_RETURN(first_read_, ReadAndApply(commits_.front()));
  if (options_.check_protocol) {
    LS_RETURN_IF_ERROR(CheckReadable(protocol_));
  }
  return OkStatus();
}

Status ChangeFeedReader::LoadStateBefore(const LogListing& listing) {
  if (start_ == 0) {
    return ReadFirstCommit();
  }
  SnapshotOptions snap_options;
  snap_options.load_files = false;
  // The snapshot before the first commit, when the listing can reconstruct it, and that commit
  // read here, once (the snapshot at the start would replay it, and the first Next read it
  // again); its protocol is checked as the snapshot at the start checked it.
  if (SelectSegment(listing, start_ - 1)) {
    snap_options.version = start_ - 1;
    snap_options.check_protocol = false;
    auto before = Snapshot::Load(store_, snap_options);
    if (before) {
      return ApplyStateBefore(**before);
    }
  }
  // Else (the version before is no longer in the log or does not load) the metadata
  // in effect at the start of the range; the first Next then reads the first commit again.
  snap_options.version = start_;
  snap_options.check_protocol = options_.check_protocol;
  LS_ASSIGN_OR_RETURN(auto snapshot, Snapshot::Load(store_, snap_options));
  protocol_ = snapshot->protocol();
  metadata_ = snapshot->metadata();
  return OkStatus();
}

Result<std::optional<CommitChanges>> ChangeFeedReader::Next() {
  LS_ASSIGN_OR_RETURN(std::shared_ptr<const CommitChanges> changes, NextShared());
  if (!changes) return std::optional<CommitChanges>();
  if (changes.use_count() == 1) {
    // Nobody else holds it (no memo): made by ReadCommit as a non-const object, so it may move.
    return std::optional<CommitChanges>(
        std::move(*std::const_pointer_cast<CommitChanges>(changes)));
  }
  return std::optional<CommitChanges>(*changes);
}

Result<std::shared_ptr<const CommitChanges>> ChangeFeedReader::NextShared() {
  if (error_) return tl::unexpected<Error>(*error_);
  if (next_ == commits_.size()) return std::shared_ptr<const CommitChanges>();
  auto changes = next_ == 0 && first_ ? ResumeFirst() : ReadCommit(next_);
  if (!changes) {
    error_ = changes.error();
    return tl::unexpected<Error>(std::move(changes.error()));
  }
  ++next_;
  if (options_.memo) last_ = *changes;
  return changes;
}

void ChangeFeedReader::RememberLast() {
  if (!options_.memo || !last_) return;
  if (first_ && last_ == first_->changes) {
    options_.memo->RememberCommit(last_->version, first_, first_->bytes);  // kept again
    return;
  }
  auto kept = std::make_shared<ParsedCommit>();
  kept->file = commits_[next_ - 1].file;
  kept->data_actions_only = options_.data_actions_only;
  kept->changes = last_;
  kept->protocol = protocol_;  // nothing was read after it
  kept->metadata = metadata_;
  kept->in_commit_ms = last_in_commit_ms_;
  kept->bytes = kept->MemoryUsage();
  const size_t bytes = kept->bytes;
  options_.memo->RememberCommit(last_->version, std::move(kept), bytes);
}

Result<std::shared_ptr<const CommitChanges>> ChangeFeedReader::ResumeFirst() {
  const CommitRef& c = commits_.front();
  LS_RETURN_IF_ERROR(CheckCommit(c, first_->changes->protocol.has_value()));
  last_in_commit_ms_ = first_->in_commit_ms;
  const int64_t timestamp_ms = first_->in_commit_ms.value_or(file_times_.front());
  if (timestamp_ms == first_->changes->timestamp_ms) return first_->changes;
  // The file times start elsewhere now (log cleanup): the commit's time changed with them.
  auto changes = std::make_shared<CommitChanges>(*first_->changes);
  changes->timestamp_ms = timestamp_ms;
  return std::shared_ptr<const CommitChanges>(std::move(changes));
}

Status ChangeFeedReader::CheckCommit(const CommitRef& c, bool check_protocol) {
  if (check_protocol && options_.check_protocol) {
    LS_RETURN_IF_ERROR(CheckReadable(protocol_));
  }
  if (options_.require_cdf_enabled && !metadata_.ConfigBool("delta.enableChangeDataFeed")) {
    return Unsupported(
        "Change data feed is not enabled for table version {} (delta.enableChangeDataFeed is "
        "not true), so changes between versions {} and {} cannot be read",
        c.version, start_, end_);
  }
  return OkStatus();
}

Result<std::optional<int64_t>> ChangeFeedReader::InCommitMs(
    const CommitRef& c, const std::optional<CommitInfo>& info) const {
  TableFeatures features = ComputeTableFeatures(protocol_, metadata_);
  if (!features.in_commit_timestamps_enabled || !info) return std::optional<int64_t>();
  LS_ASSIGN_OR_RETURN(std::optional<int64_t> from,
                      ConfigInt(metadata_, "delta.inCommitTimestampEnablementVersion"));
  if (c.version < from.value_or(0)) return std::optional<int64_t>();
  return info->InCommitTimestamp();
}

Result<std::shared_ptr<ChangeFeedReader::CommitCollector>> ChangeFeedReader::ReadAndApply(
    const CommitRef& c) {
  LS_ASSIGN_OR_RETURN(PaddedBuffer buffer, ReadPadded(*store_, c.file.path));
  auto collector = std::make_shared<CommitCollector>();
  LS_RETURN_IF_ERROR(ParseJsonActions(buffer, c.file.path, *collector));
  if (collector->protocol) {
    protocol_ = *collector->protocol;
  }
  if (collector->metadata) {
    metadata_ = *collector->metadata;
  }
  return collector;
}

Result<std::shared_ptr<const CommitChanges>> ChangeFeedReader::ReadCommit(size_t index) {
  const CommitRef& c = commits_[index];
  std::shared_ptr<CommitCollector> collector = std::move(first_read_);  // read by Open
  if (index != 0 || !collector) {
    LS_ASSIGN_OR_RETURN(collector, ReadAndApply(c));
  }
  LS_RETURN_IF_ERROR(CheckCommit(c, collector->protocol.has_value()));
  LS_ASSIGN_OR_RETURN(last_in_commit_ms_, InCommitMs(c, collector->commit_info));
  auto changes = std::make_shared<CommitChanges>();
  changes->version = c.version;
  changes->timestamp_ms = last_in_commit_ms_.value_or(file_times_[index]);
  changes->protocol = std::move(collector->protocol);
  changes->metadata = std::move(collector->metadata);
  if (!collector->cdc.empty() && !options_.data_actions_only) {
    changes->from_cdc_files = true;
    changes->actions = std::move(collector->cdc);
  } else {
    for (auto& a : collector->data) {
      if (a.data_change) {
        changes->actions.push_back(std::move(a));
      }
    }
  }
  return std::shared_ptr<const CommitChanges>(std::move(changes));
}

size_t ParsedCommit::MemoryUsage() const {
  size_t bytes = sizeof(*this) + sizeof(CommitChanges) + file.path.capacity() +
                 protocol.json.capacity() + 2 * metadata.json.capacity();
  if (changes->metadata) bytes += 2 * changes->metadata->json.capacity();
  if (changes->protocol) bytes += changes->protocol->json.capacity();
  bytes += changes->actions.capacity() * sizeof(FileAction);
  for (const FileAction& a : changes->actions) {
    bytes += a.path.capacity() + a.json.capacity() + (a.stats ? a.stats->capacity() : 0);
    bytes += a.partition_values.capacity() * sizeof(StringMap::value_type);
    for (const auto& [key, value] : a.partition_values) {
      bytes += key.capacity() + (value ? value->capacity() : 0);
    }
    if (a.deletion_vector) bytes += a.deletion_vector->path_or_inline_dv.capacity();
  }
  return bytes;
}

Status ReadChangeFeed(std::shared_ptr<const storage::ObjectStore> store,
                      const ChangeFeedOptions& options,
                      const std::function<Status(CommitChanges&&)>& fn) {
  LS_ASSIGN_OR_RETURN(ChangeFeedReader reader, ChangeFeedReader::Open(std::move(store), options));
  while (true) {
    LS_ASSIGN_OR_RETURN(std::optional<CommitChanges> changes, reader.Next());
    if (!changes) return OkStatus();
    LS_RETURN_IF_ERROR(fn(std::move(*changes)));
  }
}

Result<std::vector<CommitChanges>> ReadChangeFeed(std::shared_ptr<const storage::ObjectStore> store,
                                                  const ChangeFeedOptions& options) {
  std::vector<CommitChanges> out;
  LS_RETURN_IF_ERROR(ReadChangeFeed(std::move(store), options, [&](CommitChanges&& c) {
    out.push_back(std::move(c));
    return OkStatus();
  }));
  return out;
}

}  // namespace lakeshare::delta
