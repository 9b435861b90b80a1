#include "delta/change_feed.h"

#include <charconv>

#include "delta/action_reader_internal.h"
#include "delta/commit_timeline.h"
#include "delta/log_segment.h"
#include "delta/snapshot.h"
#include "delta/table_features.h"
#include "delta/table_properties_internal.h"

namespace lakeshare::delta {

namespace {

class CommitCollector : public ActionSink {
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
  const Version start = options.start;
  if (start < 0) {
    return InvalidArgument("Invalid starting version {}", start);
  }
  if (options.end && *options.end < 0) {
    return InvalidArgument("Invalid ending version {}", *options.end);
  }
  LS_ASSIGN_OR_RETURN(LogListing listing, ListLog(*store));
  const Version latest = listing.latest();
  if (latest < 0) {
    return NotFound("No Delta table found: _delta_log has no commit files");
  }
  const Version end = options.end.value_or(latest);
  if (start > end) {
    return InvalidArgument("The starting version {} is after the ending version {}", start, end);
  }
  if (start > latest) {
    return InvalidArgument("The starting version {} is after the latest table version {}", start,
                           latest);
  }
  if (end > latest) {
    return InvalidArgument("The ending version {} is after the latest table version {}", end,
                           latest);
  }
  LS_ASSIGN_OR_RETURN(std::vector<const CommitRef*> range, CommitRange(listing, start, end));
  ChangeFeedReader reader;
  reader.file_times_ = MonotonicCommitTimes(listing, range, start, end);
  reader.commits_.reserve(range.size());
  for (const CommitRef* c : range) reader.commits_.push_back(*c);
  // The metadata in effect at the start of the range.
  SnapshotOptions snap_options;
  snap_options.version = start;
  snap_options.load_files = false;
  snap_options.check_protocol = options.check_protocol;
  LS_ASSIGN_OR_RETURN(auto snapshot, Snapshot::Load(store, snap_options));
  reader.protocol_ = snapshot->protocol();
  reader.metadata_ = snapshot->metadata();
  reader.store_ = std::move(store);
  reader.options_ = options;
  reader.start_ = start;
  reader.end_ = end;
  return reader;
}

Result<std::optional<CommitChanges>> ChangeFeedReader::Next() {
  if (error_) return tl::unexpected<Error>(*error_);
  if (next_ == commits_.size()) return std::optional<CommitChanges>();
  Result<CommitChanges> changes = ReadCommit(next_);
  if (!changes) {
    error_ = changes.error();
    return tl::unexpected<Error>(std::move(changes.error()));
  }
  ++next_;
  return std::optional<CommitChanges>(std::move(*changes));
}

Result<CommitChanges> ChangeFeedReader::ReadCommit(size_t index) {
  const CommitRef& c = commits_[index];
  LS_ASSIGN_OR_RETURN(PaddedBuffer buffer, ReadPadded(*store_, c.file.path));
  CommitCollector collector;
  LS_RETURN_IF_ERROR(ParseJsonActions(buffer, c.file.path, collector));
  if (collector.protocol) {
    protocol_ = *collector.protocol;
    if (options_.check_protocol) {
      LS_RETURN_IF_ERROR(CheckReadable(protocol_));
    }
  }
  if (collector.metadata) {
    metadata_ = *collector.metadata;
  }
  if (options_.require_cdf_enabled && !metadata_.ConfigBool("delta.enableChangeDataFeed")) {
    return Unsupported(
        "Change data feed is not enabled for table version {} (delta.enableChangeDataFeed is "
        "not true), so changes between versions {} and {} cannot be read",
        c.version, start_, end_);
  }
  CommitChanges changes;
  changes.version = c.version;
  changes.timestamp_ms = file_times_[index];
  TableFeatures features = ComputeTableFeatures(protocol_, metadata_);
  if (features.in_commit_timestamps_enabled) {
    LS_ASSIGN_OR_RETURN(std::optional<int64_t> from,
                        ConfigInt(metadata_, "delta.inCommitTimestampEnablementVersion"));
    if (c.version >= from.value_or(0) && collector.commit_info) {
      LS_ASSIGN_OR_RETURN(std::optional<int64_t> ict, collector.commit_info->InCommitTimestamp());
      if (ict) {
        changes.timestamp_ms = *ict;
      }
    }
  }
  changes.protocol = std::move(collector.protocol);
  changes.metadata = std::move(collector.metadata);
  if (!collector.cdc.empty() && !options_.data_actions_only) {
    changes.from_cdc_files = true;
    changes.actions = std::move(collector.cdc);
  } else {
    for (auto& a : collector.data) {
      if (a.data_change) {
        changes.actions.push_back(std::move(a));
      }
    }
  }
  return changes;
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
