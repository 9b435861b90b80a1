// GET .../tables/{table}/changes (PROTOCOL.md, "Read Change Data Feed from a Table"), and the
// change-feed stream it shares with /query's startingVersion: commits read one at a time from
// the log (delta::ChangeFeedReader), their file actions filtered by the share and pulled by the
// server as NDJSON a part at a time, in pages resumable at any action when maxFiles is given.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "delta/change_feed.h"
#include "http/error_response.h"
#include "sharing/endpoints_internal.h"
#include "sharing/file_emitter_internal.h"
#include "sharing/file_filters_internal.h"
#include "sharing/file_rewrites_internal.h"
#include "sharing/page_tokens.h"
#include "sharing/query_request.h"
#include "sharing/response_stream_internal.h"
#include "sharing/served_view_internal.h"
#include "sharing/table_response_internal.h"

namespace lakeshare::sharing {

namespace {

// The body of a change-feed response: the head lines, then the changes of each commit of the
// range, then (when asked for) an endStreamAction, pulled a part at a time (Next, on a handler
// thread, one call at a time). Kept between calls: the change feed reader, the commit being
// emitted and the next of its actions, the emitter, the share's filters and the line buffer, so
// a client that stops reading holds one commit's actions, not a thread.
class ChangeStream {
 public:
  struct Params {
    std::shared_ptr<const storage::ObjectStore> store;
    UrlScope scope;
    ChangeRange range;
    ChangeResponse response;
    FilterSpec filters;
    bool cdf_shared = false;
    int64_t now = 0;
    std::shared_ptr<http::AuditNotes> audit;  // its result is filled when the stream ends
    bool partition_restricted = false;
    RecipientView view;  // the recipient's columns (historical metaData lines)
    delta::Metadata latest_metadata;  // what the view's names mean (ServedView)
    std::string table_name;
    std::shared_ptr<const StreamSlots::Slot> slot;  // given back when the stream is done
    // Where the commit a page is cut in is kept for the page that resumes there: the table's
    // commit timeline, and the table id it is kept under (delta::ChangeFeedOptions::memo).
    std::shared_ptr<delta::CommitTimeline> memo;
    std::string table_id;
  };

  // `latest` only builds the filters (they copy what they need): a stalled stream must not pin a
  // whole snapshot (every file) once the cache has let it go.
  ChangeStream(const ServiceCore& core, Params params, const delta::Snapshot& latest)
      : core_(core),
        p_(std::move(params)),
        sink_(part_),
        emitter_(core_.url_signer, *p_.store, p_.scope, p_.response.format, p_.response.id_scheme,
                 sink_, p_.response.rewrites.get()),
        filters_(p_.filters, latest.metadata(), latest.features()) {
    sink_.buffer() += p_.response.head;  // keeps the reserved capacity
  }

  // A client gone before the end still has what it was served counted and audited (the server
  // drops a pulled body's source before it records the exchange).
  ~ChangeStream() {
    if (started_ && !finished_) NoteEnd(/*early=*/true);
  }

  /// The next part of the body into `out` (at least kFlushBytes but for the last): true while
  /// more follow (http::ChunkSource).
  Result<bool> Next(std::string& out);

 private:
  Status Produce(bool& done);
  Result<bool> BeginCommit();
  Status EmitActions();
  Status AppendMetadata(const delta::Metadata& metadata, int64_t version);
  bool Shared(const delta::FileAction& a);
  bool PageFull(int64_t version, int64_t index);
  void NoteEnd(bool early);
  void NoteResult(const ServedCounters& served, bool early) const;

  const ServiceCore& core_;
  const Params p_;
  PartWriter part_;  // before sink_, which writes to it
  LineSink sink_;
  FileEmitter emitter_;
  Filters filters_;
  std::map<delta::StringMap, std::unique_ptr<delta::PartitionValues>> interned_;
  EndStreamAction end_;
  std::optional<delta::ChangeFeedReader> reader_;       // opened on the first call
  std::shared_ptr<const delta::CommitChanges> commit_;  // the commit being emitted
  size_t next_action_ = 0;                              // the next of its actions
  bool cut_ = false;                                    // the page is full
  bool started_ = false;
  bool finished_ = false;  // counted and audited
};

Result<bool> ChangeStream::Next(std::string& out) {
  started_ = true;
  part_.Begin(out);
  bool done = false;
  Status status = Produce(done);
  if (status && !done) return true;
  NoteEnd(cut_ || !status);
  if (status && !p_.response.end_stream && cut_) {
    return MakeError(ErrorCode::kInternal, "page cut without an endStreamAction");
  }
  if (!status && status.error().code == ErrorCode::kNotFound) {
    // "Changes from version X are no longer available" is about the request, not a missing
    // resource.
    status = MakeError(ErrorCode::kInvalidArgument, status.error().message);
  }
  end_.min_url_expiration_ms = emitter_.min_expiration_ms();
  LS_RETURN_IF_ERROR(FinishStream(sink_, status, p_.response.end_stream, end_));
  return false;
}

// Commits from the feed, each emitted from where the last call stopped, until a part is ready;
// `done` once the feed ended or the page is full.
Status ChangeStream::Produce(bool& done) {
  if (!reader_) {
    const ChangeRange& r = p_.range;
    delta::ChangeFeedOptions options;
    options.start = r.resume_version >= 0 ? r.resume_version : r.start;
    options.end = r.end;
    options.require_cdf_enabled = r.cdf;
    // A streaming query (startingVersion) reads the data actions of every commit, also of
    // commits that carry cdc files; the change feed reads those cdc files instead.
    options.data_actions_only = !r.cdf;
    options.memo = p_.memo;
    options.table_id = p_.table_id;
    LS_ASSIGN_OR_RETURN(delta::ChangeFeedReader reader,
                        delta::ChangeFeedReader::Open(p_.store, options));
    reader_.emplace(std::move(reader));
  }
  while (!part_.ready()) {
    if (!commit_) {
      LS_ASSIGN_OR_RETURN(commit_, reader_->NextShared());
      if (!commit_) {
        done = true;
        return OkStatus();
      }
      LS_ASSIGN_OR_RETURN(const bool fits, BeginCommit());
      cut_ = !fits;
    }
    if (!cut_) LS_RETURN_IF_ERROR(EmitActions());
    if (cut_) {
      reader_->RememberLast();  // the next page starts in this commit
      done = true;
      return OkStatus();
    }
  }
  return OkStatus();
}

// The commit's historical protocol and metaData lines, and where its actions start (inside it
// when a page resumes there); false when the page is full before the commit.
Result<bool> ChangeStream::BeginCommit() {
  const delta::CommitChanges& c = *commit_;
  const ChangeRange& r = p_.range;
  const int64_t first = c.version == r.resume_version ? r.resume_index : 0;
  next_action_ = static_cast<size_t>(first);
  if (first != 0) return true;
  const bool metadata_line = c.metadata && r.historical_metadata && c.version > r.start;
  const bool protocol_line = c.protocol && r.historical_protocol &&
                             p_.response.format == ResponseFormat::kDelta && c.version > r.start;
  if ((metadata_line || protocol_line || !c.actions.empty()) && PageFull(c.version, 0)) {
    return false;
  }
  if (protocol_line) AppendDeltaProtocol(sink_.buffer(), *c.protocol, c.version);
  if (metadata_line) LS_RETURN_IF_ERROR(AppendMetadata(*c.metadata, c.version));
  return true;
}

// The commit's actions the share lets the recipient see, from next_action_ until a part is
// ready or the page is full; the commit is dropped once all are emitted.
Status ChangeStream::EmitActions() {
  const delta::CommitChanges& c = *commit_;
  for (; next_action_ < c.actions.size(); ++next_action_) {
    if (part_.ready()) return OkStatus();
    const delta::FileAction& a = c.actions[next_action_];
    if (!Shared(a)) continue;
    if (PageFull(c.version, static_cast<int64_t>(next_action_))) {
      cut_ = true;
      return OkStatus();
    }
    LS_RETURN_IF_ERROR(emitter_.EmitChange(a, c.version, c.timestamp_ms));
  }
  commit_.reset();
  return sink_.MaybeFlush();
}

Status ChangeStream::AppendMetadata(const delta::Metadata& metadata, int64_t version) {
  MetadataExtras extras;
  extras.version = version;
  extras.cdf_enabled = p_.cdf_shared && metadata.ConfigBool("delta.enableChangeDataFeed");
  if (p_.response.format == ResponseFormat::kParquet) {
    LS_ASSIGN_OR_RETURN(RecipientView view,
                        ServedView(p_.view, p_.table_name, p_.latest_metadata, metadata, version));
    AppendParquetMetadata(sink_.buffer(), RewrittenMetadata(metadata, view), extras);
  } else {
    AppendDeltaMetadata(sink_.buffer(), metadata, extras);
  }
  return OkStatus();
}

// The same decision as /query's (Filters::Shared: serves_none, the Unity Catalog rule, the
// share's partition filter). delta::FileFilter decides a partition-only predicate once per
// partitionValues object (it expects the snapshot's interned maps): with a share filter, the
// change actions' maps are interned the same way, one live object per distinct map for the whole
// stream; without one, nothing is kept.
bool ChangeStream::Shared(const delta::FileAction& a) {
  if (!filters_.share) return filters_.SharedByRule(a.partition_values);
  std::unique_ptr<delta::PartitionValues>& pv = interned_[a.partition_values];
  if (!pv) {
    pv = std::make_unique<delta::PartitionValues>(delta::PartitionValues{a.partition_values});
  }
  delta::AddFile f;
  f.path_data = a.path.data();
  f.path_size = static_cast<uint32_t>(a.path.size());
  f.partition_values = pv.get();
  return filters_.Shared(f);
}

// True when the page is full before the action at (version, index): the next page token
// resumes there.
bool ChangeStream::PageFull(int64_t version, int64_t index) {
  const ChangeRange& r = p_.range;
  if (!r.max_files || emitter_.counters().files() < *r.max_files) return false;
  PageToken t;
  t.kind = r.token_kind;
  t.binding = r.binding;
  t.version = version;
  t.index = index;
  t.end_version = r.end;
  t.expires_ms = p_.now + core_.options.page_token_ttl_ms;
  end_.next_page_token = EncodePageToken(core_.signer, t);
  return true;
}

void ChangeStream::NoteEnd(bool early) {
  finished_ = true;
  NoteResult(emitter_.counters(), early);
  core_.CountServed(p_.response.format, emitter_.counters().files());
}

void ChangeStream::NoteResult(const ServedCounters& served, bool early) const {
  if (!p_.audit) return;
  auto& res = p_.audit->result;
  res["tableVersion"] = std::to_string(p_.range.end);
  res["numAddFiles"] = std::to_string(served.add_files);
  res["scannedAddFileSize"] = std::to_string(served.add_bytes);
  res["numRemoveFiles"] = std::to_string(served.remove_files);
  res["scannedRemoveFileSize"] = std::to_string(served.remove_bytes);
  res["numAddCDCFiles"] = std::to_string(served.cdc_files);
  res["scannedAddCDCFileSize"] = std::to_string(served.cdc_bytes);
  res["deltaSharingPartitionFilteringAccessed"] = p_.partition_restricted ? "true" : "false";
  res["earlyTermination"] = early ? "true" : "false";
}

// The commit range of a /changes request, checked against the table.
Result<ChangeRange> ResolveRange(const TableContext& ctx, const delta::Snapshot& latest,
                                 const ChangesRequest& c) {
  ChangeRange range;
  if (c.starting_version) {
    range.start = *c.starting_version;
  } else {
    // "startingTimestamp ... will be converted to a version created greater or equal to this
    // timestamp".
    LS_ASSIGN_OR_RETURN(range.start,
                        ServiceCore::VersionAt(ctx, latest, *c.starting_timestamp_ms,
                                               delta::TimestampBound::kEarliestAtOrAfter));
  }
  if (c.ending_version) {
    range.end = *c.ending_version;
  } else if (c.ending_timestamp_ms) {
    // "endingTimestamp ... will be converted to a version created earlier than or at the
    // timestamp".
    auto v = delta::VersionAtTimestamp(latest, *c.ending_timestamp_ms,
                                       delta::TimestampBound::kLatestAtOrBefore);
    if (!v) {
      Error e = v.error();
      if (e.code == ErrorCode::kNotFound) e.code = ErrorCode::kInvalidArgument;
      return tl::unexpected<Error>(std::move(e));
    }
    range.end = *v;
  } else {
    range.end = latest.version();
  }
  if (range.start < ctx.table.start_version) {
    return InvalidArgument(
        "The starting version {} is before the first version shared for table '{}' ({})",
        range.start, ctx.table.name, ctx.table.start_version);
  }
  if (range.start > latest.version()) {
    return InvalidArgument("The starting version {} is after the latest version of table '{}' ({})",
                           range.start, ctx.table.name, latest.version());
  }
  if (range.end > latest.version()) {
    return InvalidArgument("The ending version {} is after the latest version of table '{}' ({})",
                           range.end, ctx.table.name, latest.version());
  }
  if (range.end < range.start) {
    return InvalidArgument("The ending version {} is before the starting version {}", range.end,
                           range.start);
  }
  return range;
}

// The format and headers of a change-feed response to `t`; `paged`: maxFiles was given.
Result<ChangeResponse> ChangeResponseFor(const ServiceCore& core, const TableRequest& t,
                                         const delta::Snapshot& latest, bool paged) {
  ChangeResponse response;
  LS_ASSIGN_OR_RETURN(response.format,
                      ChooseFormat(t.caps, t.ctx.table, latest.features(),
                                   latest.features().HasReaderFeature("deletionVectors"),
                                   core.options.materializer != nullptr));
  LS_ASSIGN_OR_RETURN(RecipientView view,
                      ServedView(t.ctx.table.view, t.ctx.table.name, latest.metadata(),
                                 latest.metadata(), latest.version()));
  LS_ASSIGN_OR_RETURN(response.rewrites,
                      FileRewrites::For(core, t.ctx, view, latest, response.format));
  response.id_scheme = t.fileidhash.value_or(response.format);
  response.fileidhash = t.fileidhash;
  response.end_stream = t.caps.include_end_stream_action || paged;
  return response;
}

}  // namespace

Result<ChangeResponse> PageChanges(const ServiceCore& core, const TableRequest& t,
                                   const delta::Snapshot& latest, std::string_view token_kind,
                                   std::string_view canonical,
                                   const std::optional<int64_t>& max_files,
                                   const std::optional<std::string>& page_token,
                                   ChangeRange& range) {
  range.token_kind = std::string(token_kind);
  range.binding = ServiceCore::Binding(t.ctx, canonical);
  if (max_files) {
    range.max_files = std::min<int64_t>(*max_files, core.options.query_page_size_limit);
  }
  if (page_token) {
    if (!max_files) return InvalidArgument("'pageToken' requires 'maxFiles'");
    LS_ASSIGN_OR_RETURN(PageToken token, DecodePageToken(core.signer, *page_token, range.token_kind,
                                                         range.binding, core.NowMs()));
    range.resume_version = token.version;
    range.resume_index = token.index;
    if (token.end_version >= 0) range.end = token.end_version;
  }
  return ChangeResponseFor(core, t, latest, max_files.has_value());
}

Result<http::Response> StreamChanges(const ServiceCore& core, http::Request& request,
                                     const TableContext& ctx, SnapshotPtr latest, ChangeRange range,
                                     ChangeResponse response) {
  ChangeStream::Params p;
  if (auto refused = ServiceCore::TakeStreamSlot(
          core.change_streams, request, ctx,
          "change data feed or streaming query responses", p.slot)) {
    return std::move(*refused);
  }
  LS_ASSIGN_OR_RETURN(p.filters, BuildFilters(core.options, ctx, *latest, *latest, nullptr));
  p.store = ctx.store;
  p.scope = core.Scope(request, ctx);
  p.range = std::move(range);
  p.response = std::move(response);
  p.cdf_shared = ctx.table.cdf_shared;
  p.now = core.NowMs();
  p.audit = request.audit();
  if (p.response.rewrites) p.response.rewrites->NoteAudit(*p.audit);
  p.partition_restricted = ctx.table.partition_restricted();
  p.view = ctx.table.view;
  p.latest_metadata = latest->metadata();
  p.table_name = ctx.table.name;
  p.memo = latest->timeline();
  p.table_id = latest->metadata().id;
  const int64_t start = p.range.start;
  const ResponseFormat format = p.response.format;
  const bool end_stream = p.response.end_stream;
  const std::optional<ResponseFormat> fileidhash = p.response.fileidhash;
  return NdjsonPulledResponse(std::make_shared<ChangeStream>(core, std::move(p), *latest), start,
                              format, end_stream, fileidhash);
}

Result<http::Response> QueryTableChanges(const ServiceCore& core, http::Request& request) {
  LS_ASSIGN_OR_RETURN(TableRequest t, core.ResolveTableRequest(request));
  const TableContext& ctx = t.ctx;
  LS_ASSIGN_OR_RETURN(ChangesRequest c, ParseChangesRequest(request));
  request.audit()->served_action = "deltaSharingQueriedTableChanges";
  if (!ctx.table.cdf_shared) {
    return Unsupported("The change data feed of table '{}' is not shared", ctx.table.name);
  }
  LS_ASSIGN_OR_RETURN(SnapshotPtr latest, core.Latest(ctx));
  LS_ASSIGN_OR_RETURN(ChangeRange range, ResolveRange(ctx, *latest, c));
  range.cdf = true;
  range.historical_metadata = c.include_historical_metadata;
  range.historical_protocol = c.include_historical_protocol;
  LS_ASSIGN_OR_RETURN(
      ChangeResponse response,
      PageChanges(core, t, *latest, "changes", c.Canonical(), c.max_files, c.page_token, range));
  // The head metaData: for the start version when historical metadata is asked for, else for
  // the latest version; it always carries its version (the Python client's delta path needs it).
  SnapshotPtr head = latest;
  if (c.include_historical_metadata) {
    LS_ASSIGN_OR_RETURN(head, core.AtVersion(ctx, latest, range.start));
  }
  LS_ASSIGN_OR_RETURN(RecipientView view,
                      ServedView(ctx.table.view, ctx.table.name, latest->metadata(),
                                 head->metadata(), head->version()));
  AppendHead(response.head, response.format, head->protocol(),
             RewrittenMetadata(head->metadata(), view), Extras(ctx, *head, head->version(), false),
             range.historical_protocol ? std::optional<int64_t>(head->version()) : std::nullopt);
  return StreamChanges(core, request, ctx, std::move(latest), std::move(range),
                       std::move(response));
}

}  // namespace lakeshare::sharing
