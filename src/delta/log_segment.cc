#include "delta/log_segment.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error_context.h"
#include "common/json_bounds.h"

namespace lakeshare::delta {

namespace {

// `_last_checkpoint` is written by the table's provider, who may be an attacker: without bounds a
// file of 4 MB of '[' made the parser build 4 million nested arrays (300 MB of memory for one
// request, 75 times the file). Real ones hold the version, counts and at most the checkpoint's
// schema (`checkpointSchema`, nested like a table schema); a file beyond these is ignored like
// any unreadable hint (the log is listed from the start).
constexpr JsonLimits kLastCheckpointJsonLimits{
    .max_bytes = size_t{4} << 20, .max_depth = 3 * kMaxJsonDepth, .max_elements = 200'000};

// Preference among complete checkpoints of one version: single files first.
int KindRank(CheckpointKind k) {
  switch (k) {
    case CheckpointKind::kClassic:
      return 0;
    case CheckpointKind::kUuidParquet:
      return 1;
    case CheckpointKind::kUuidJson:
      return 2;
    case CheckpointKind::kMultiPart:
      return 3;
  }
  return 4;
}

}  // namespace

std::string_view CheckpointKindName(CheckpointKind kind) {
  switch (kind) {
    case CheckpointKind::kClassic:
      return "classic";
    case CheckpointKind::kMultiPart:
      return "multi-part";
    case CheckpointKind::kUuidJson:
      return "v2 (json)";
    case CheckpointKind::kUuidParquet:
      return "v2 (parquet)";
  }
  return "classic";
}

Version LogListing::latest() const {
  Version v = -1;
  if (!commits.empty()) {
    v = std::max(v, commits.back().version);
  }
  if (!checkpoints.empty()) {
    v = std::max(v, checkpoints.back().version);
  }
  return v;
}

std::optional<Version> ReadLastCheckpointVersion(const storage::ObjectStore& store) {
  // Opened first so that its size is known before anything is read (store.Read would read a
  // file of any size).
  auto file = store.OpenFile(kLastCheckpointPath);
  if (!file || (*file)->size() < 0 ||
      static_cast<uint64_t>((*file)->size()) > kLastCheckpointJsonLimits.max_bytes) {
    return std::nullopt;
  }
  auto bytes = (*file)->Read(0, (*file)->size());
  if (!bytes || !CheckJsonBounds(*bytes, kLastCheckpointJsonLimits, "_last_checkpoint")) {
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return std::nullopt;
  }
  auto it = j.find("version");
  if (it == j.end() || !it->is_number_integer()) {
    return std::nullopt;
  }
  int64_t v = it->get<int64_t>();
  if (v < 0) {
    return std::nullopt;
  }
  return v;
}

namespace {

// The log files among `listed` (at or after `start_version` when set), sorted by version.
LogListing ParseListing(std::vector<storage::ObjectInfo>& listed,
                        std::optional<Version> start_version, bool listed_from_start) {
  LogListing out;
  out.listed_from_start = listed_from_start;
  // Checkpoint files grouped by version, then by naming scheme.
  struct MultiPart {
    std::map<int32_t, storage::ObjectInfo> parts;
  };
  std::map<Version, std::vector<CheckpointRef>> singles;
  std::map<Version, std::map<int32_t, MultiPart>> multi;
  for (auto& info : listed) {
    std::string_view name(info.path);
    if (name.substr(0, kLogDir.size()) != kLogDir) {
      continue;
    }
    name.remove_prefix(kLogDir.size());
    if (name.find('/') != std::string_view::npos) {
      continue;  // _sidecars/, _commits/, ...
    }
    auto parsed = ParseLogFileName(name);
    if (!parsed) {
      continue;
    }
    if (start_version && parsed->version < *start_version &&
        parsed->kind != LogFileKind::kCompaction) {
      continue;
    }
    switch (parsed->kind) {
      case LogFileKind::kCommit:
        out.commits.push_back(CommitRef{parsed->version, parsed->version, std::move(info)});
        break;
      case LogFileKind::kCompaction:
        out.compactions.push_back(CommitRef{parsed->version, parsed->end_version, std::move(info)});
        break;
      case LogFileKind::kClassicCheckpoint:
        singles[parsed->version].push_back(
            CheckpointRef{parsed->version, CheckpointKind::kClassic, {std::move(info)}});
        break;
      case LogFileKind::kUuidCheckpoint:
        singles[parsed->version].push_back(CheckpointRef{
            parsed->version,
            parsed->is_json ? CheckpointKind::kUuidJson : CheckpointKind::kUuidParquet,
            {std::move(info)}});
        break;
      case LogFileKind::kMultiPartCheckpoint:
        multi[parsed->version][parsed->num_parts].parts[parsed->part] = std::move(info);
        break;
      case LogFileKind::kChecksum:
        break;
    }
  }
  auto by_version = [](const CommitRef& a, const CommitRef& b) {
    return a.version != b.version ? a.version < b.version : a.end_version < b.end_version;
  };
  std::sort(out.commits.begin(), out.commits.end(), by_version);
  std::sort(out.compactions.begin(), out.compactions.end(), by_version);
  // Complete multi-part checkpoints join the single-file ones.
  for (auto& [version, by_count] : multi) {
    for (auto& [count, mp] : by_count) {
      if (static_cast<int32_t>(mp.parts.size()) != count) {
        continue;  // missing parts: ignore
      }
      CheckpointRef ref{version, CheckpointKind::kMultiPart, {}};
      for (auto& [part, info] : mp.parts) {
        ref.files.push_back(std::move(info));
      }
      singles[version].push_back(std::move(ref));
    }
  }
  for (auto& [version, refs] : singles) {
    std::stable_sort(refs.begin(), refs.end(), [](const CheckpointRef& a, const CheckpointRef& b) {
      return KindRank(a.kind) < KindRank(b.kind);
    });
    for (auto& r : refs) {
      out.checkpoints.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace

Result<LogListing> ListLog(const storage::ObjectStore& store,
                           std::optional<Version> start_version) {
  std::string start_after;
  if (start_version && *start_version > 0) {
    // Every name of version S-1 starts with its 20 digits and a '.', which sorts before '/'.
    start_after = fmt::format("{}{}/", kLogDir, VersionPrefix(*start_version - 1));
  }
  auto listed = store.List(kLogDir, start_after);
  if (!listed) {
    return tl::unexpected(WithContext(listed.error(), "Failed to list _delta_log"));
  }
  return ParseListing(*listed, start_version, start_after.empty());
}

bool FileUnchanged(const storage::ObjectStore& store, const storage::ObjectInfo& file) {
  auto now = store.Stat(file.path);
  return now && now->size == file.size && now->last_modified_ms == file.last_modified_ms;
}

Result<std::optional<LogSegment>> BuildNearbyLogSegment(const storage::ObjectStore& store,
                                                        Version version) {
  const std::string digits = VersionPrefix(version);
  // The names of the hundred versions around `version` share all but their last two digits
  // (one page of an S3 listing with a checksum file beside each commit), the thousand all but
  // three; checkpoints are written every 10 or 100 commits, so one of these holds one.
  for (size_t block_digits : {size_t{2}, size_t{3}}) {
    const std::string prefix = fmt::format(
        "{}{}", kLogDir, std::string_view(digits).substr(0, digits.size() - block_digits));
    auto listed = store.List(prefix);
    if (!listed) {
      return tl::unexpected(WithContext(listed.error(), "Failed to list _delta_log"));
    }
    const bool from_start = prefix.find_first_not_of('0', kLogDir.size()) == std::string::npos;
    LogListing listing = ParseListing(*listed, std::nullopt, from_start);
    auto segment = SelectSegment(listing, version);
    if (segment) {
      return std::optional<LogSegment>(std::move(*segment));
    }
  }
  return std::optional<LogSegment>();
}

Result<LogSegment> SelectSegment(const LogListing& listing, std::optional<Version> version,
                                 bool use_compactions) {
  const Version latest = listing.latest();
  if (latest < 0) {
    return NotFound("No Delta table found: _delta_log has no commit or checkpoint files");
  }
  if (version && *version < 0) {
    return InvalidArgument("Invalid table version {}", *version);
  }
  const Version target = version.value_or(latest);
  if (target > latest) {
    return NotFound("Table version {} does not exist: the latest version is {}", target, latest);
  }
  LogSegment seg;
  seg.version = target;
  // Newest complete checkpoint not after the target; the others are fallbacks.
  for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
    if (it->version > target) {
      continue;
    }
    if (!seg.checkpoint) {
      seg.checkpoint = *it;
    } else {
      seg.older_checkpoints.push_back(*it);
    }
  }
  Version next = seg.checkpoint ? seg.checkpoint->version + 1 : 0;
  if (!seg.checkpoint) {
    bool has_zero = !listing.commits.empty() && listing.commits.front().version == 0;
    if (!has_zero) {
      if (!listing.checkpoints.empty() && listing.checkpoints.front().version > target) {
        return NotFound(
            "Table version {} is no longer available: the earliest version that can be read is "
            "{}",
            target, listing.checkpoints.front().version);
      }
      if (listing.listed_from_start) {
        return CorruptError(
            "Delta log is incomplete: no checkpoint at or before version {} and no first commit "
            "00000000000000000000.json",
            target);
      }
      return CorruptError("Delta log listing found no checkpoint at or before version {}", target);
    }
  }
  // Walk the commits (and compactions) from the checkpoint to the target.
  auto commit_it = std::lower_bound(listing.commits.begin(), listing.commits.end(), next,
                                    [](const CommitRef& c, Version v) { return c.version < v; });
  while (next <= target) {
    if (use_compactions) {
      // The longest compaction that starts here and ends within the target.
      const CommitRef* best = nullptr;
      for (const auto& c : listing.compactions) {
        if (c.version == next && c.end_version <= target &&
            (best == nullptr || c.end_version > best->end_version)) {
          best = &c;
        }
      }
      if (best != nullptr) {
        seg.replay.push_back(*best);
        next = best->end_version + 1;
        while (commit_it != listing.commits.end() && commit_it->version < next) {
          ++commit_it;
        }
        continue;
      }
    }
    if (commit_it == listing.commits.end() || commit_it->version != next) {
      return CorruptError(
          "Delta log is missing commit {} (_delta_log/{}.json), needed to read table version {}",
          next, VersionPrefix(next), target);
    }
    seg.replay.push_back(*commit_it);
    ++commit_it;
    ++next;
  }
  // The commit file of the target itself (for its timestamp), even when a compaction covered it.
  auto last = std::lower_bound(listing.commits.begin(), listing.commits.end(), target,
                               [](const CommitRef& c, Version v) { return c.version < v; });
  if (last != listing.commits.end() && last->version == target) {
    seg.last_commit = last->file;
  }
  return seg;
}

Result<LogSegment> BuildLogSegment(const storage::ObjectStore& store,
                                   std::optional<Version> version, bool use_compactions) {
  std::optional<Version> hint = ReadLastCheckpointVersion(store);
  if (hint && (!version || *version >= *hint)) {
    auto listing = ListLog(store, *hint);
    if (listing) {
      auto seg = SelectSegment(*listing, version, use_compactions);
      // A hint pointing at a missing or incomplete checkpoint: fall back to a full listing.
      if (seg && seg->checkpoint) {
        return seg;
      }
    }
  }
  LS_ASSIGN_OR_RETURN(LogListing listing, ListLog(store));
  return SelectSegment(listing, version, use_compactions);
}

}  // namespace lakeshare::delta
