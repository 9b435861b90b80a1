// POST .../tables/{table}/query (PROTOCOL.md, "Read Data from a Table"): the files of a snapshot
// (the latest, or one chosen by version, timestamp, page token or refresh token), filtered by the
// share and pruned by the client's hints, streamed as NDJSON while they are produced, in pages
// when maxFiles is given. With startingVersion the response is the change-feed stream of the
// data actions instead (StreamChanges).
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "delta/table_features.h"
#include "http/error_response.h"
#include "sharing/endpoints_internal.h"
#include "sharing/file_emitter_internal.h"
#include "sharing/file_filters_internal.h"
#include "sharing/file_rewrites_internal.h"
#include "sharing/page_tokens.h"
#include "sharing/protocol_audit_internal.h"
#include "sharing/query_request.h"
#include "sharing/response_stream_internal.h"
#include "sharing/served_view_internal.h"
#include "sharing/table_response_internal.h"

namespace lakeshare::sharing {

namespace {

// The body of a snapshot /query response: the head lines, then the files, then (when asked for)
// an endStreamAction, pulled a part at a time (Next, on a handler thread, one call at a time):
// the emitter, the filters, the limit counter, the line buffer and the place in the snapshot's
// files are kept between calls.
class QueryStream {
 public:
  struct Params {
    SnapshotPtr snapshot;
    std::shared_ptr<const storage::ObjectStore> store;
    UrlScope scope;
    ResponseFormat format = ResponseFormat::kParquet;
    ResponseFormat id_scheme = ResponseFormat::kParquet;
    bool time_travel = false;  // lines carry the snapshot's version and timestamp
    bool end_stream = false;
    FilterSpec filters;
    std::optional<int64_t> max_files;  // pages of at most this many files
    std::string after;                 // the page token's resume key
    std::string binding;               // what the next page token is bound to
    std::string refresh_token;
    std::string head;
    int64_t now = 0;
    std::shared_ptr<http::AuditNotes> audit;  // its result is filled when the stream ends
    bool partition_restricted = false;
    std::shared_ptr<const FileRewrites> rewrites;  // null: every file as it is
    std::shared_ptr<const StreamSlots::Slot> slot;  // given back when the stream is done
  };

  QueryStream(const ServiceCore& core, Params params)
      : core_(core),
        p_(std::move(params)),
        sink_(part_),
        emitter_(core_.url_signer, *p_.store, p_.scope, p_.format, p_.id_scheme, sink_,
                 p_.rewrites.get()),
        filters_(p_.filters, p_.snapshot->metadata(), p_.snapshot->features()),
        limit_{p_.filters.limit} {
    if (p_.time_travel) stamp_ = {p_.snapshot->version(), p_.snapshot->timestamp_ms()};
    sink_.buffer() += p_.head;  // keeps the reserved capacity
    // A response of every file checks the containment of all paths once per snapshot (what
    // checking each file would cost once, then nothing); a narrower one checks its own files.
    const bool every_file = !filters_.rule && !filters_.share && !filters_.serves_none &&
                            !filters_.hints && !limit_.limit;
    plain_paths_ = every_file && p_.snapshot->FilePathsArePlain();
  }

  // A client gone before the end still has what it was served counted and audited (the server
  // drops a pulled body's source before it records the exchange).
  ~QueryStream() {
    if (started_ && !finished_) NoteEnd(/*early=*/true);
  }

  /// The next part of the body into `out` (at least kFlushBytes but for the last): true while
  /// more follow (http::ChunkSource).
  Result<bool> Next(std::string& out) {
    started_ = true;
    part_.Begin(out);
    bool files_done = false;
    Status status = p_.max_files ? NextOfPage(files_done) : NextOfAll(files_done);
    if (status && !files_done) return true;
    NoteEnd(!status || limit_.Reached() || !end_.next_page_token.empty());
    end_.refresh_token = p_.refresh_token;
    end_.min_url_expiration_ms = emitter_.min_expiration_ms();
    LS_RETURN_IF_ERROR(FinishStream(sink_, status, p_.end_stream, end_));
    return false;
  }

 private:
  // Every file, in the snapshot's own order, until a part is ready (the list of the snapshot's
  // files, a pointer each, is taken on the first call: the place to resume from). Files are
  // handed to the emitter kMd5Lanes at a time (their parquet ids are hashed side by side).
  Status NextOfAll(bool& done) {
    if (!listed_) {
      listed_ = true;
      files_ = p_.snapshot->files().Files();
    }
    const delta::AddFile* batch[kMd5Lanes];
    size_t batched = 0;
    // A part is only ever ready after EmitSnapshotFiles, so no batch is left behind by a stop.
    while (next_file_ < files_.size() && !limit_.Reached() && !part_.ready()) {
      const delta::AddFile& f = *files_[next_file_++];
      if (!filters_.Shared(f)) continue;
      uint8_t outcome = filters_.Hinted(f);
      if (!(outcome & delta::kMayBeTrue) || Hidden(f)) continue;
      batch[batched++] = &f;
      limit_.Count(f, outcome);
      if (batched == kMd5Lanes) {
        LS_RETURN_IF_ERROR(
            emitter_.EmitSnapshotFiles(batch, std::exchange(batched, 0), stamp_, plain_paths_));
      }
    }
    if (batched > 0) {
      LS_RETURN_IF_ERROR(emitter_.EmitSnapshotFiles(batch, batched, stamp_, plain_paths_));
    }
    done = next_file_ == files_.size() || limit_.Reached();
    return OkStatus();
  }

  // A file that holds none of the recipient's rows (FileRewrites::Hides) is not announced, nor
  // counted against limitHint or a page; hidden_ counts it.
  bool Hidden(const delta::AddFile& f) {
    if (!p_.rewrites || !p_.rewrites->Hides(f)) return false;
    ++hidden_;
    return true;
  }

  // Pages need an order that does not depend on how the snapshot was built: by (path, deletion
  // vector), resumed after the key in the page token. The page is chosen on the first call
  // (with the next page token when files remain), then emitted until a part is ready.
  Status NextOfPage(bool& done) {
    if (!page_chosen_) ChoosePage();
    for (; page_pos_ < page_stop_ && !part_.ready(); ++page_pos_) {
      LS_RETURN_IF_ERROR(emitter_.EmitSnapshotFile(*selected_[page_pos_].first, stamp_));
    }
    done = page_pos_ == page_stop_;
    return OkStatus();
  }

  void ChoosePage() {
    page_chosen_ = true;
    p_.snapshot->files().ForEach([&](const delta::AddFile& f) {
      if (!filters_.Shared(f)) return true;
      uint8_t outcome = filters_.Hinted(f);
      if ((outcome & delta::kMayBeTrue) && !Hidden(f)) selected_.emplace_back(&f, outcome);
      return true;
    });
    // Every page of the snapshot counts the snapshot's hidden files.
    std::sort(selected_.begin(), selected_.end(),
              [](const auto& a, const auto& b) { return FileLess(a.first, b.first); });
    size_t taken = 0;
    for (; taken < selected_.size() && !limit_.Reached(); ++taken) {
      limit_.Count(*selected_[taken].first, selected_[taken].second);
    }
    selected_.resize(taken);
    if (!p_.after.empty()) {
      page_pos_ = static_cast<size_t>(std::upper_bound(selected_.begin(), selected_.end(), p_.after,
                                                       [](const std::string& key, const auto& e) {
                                                         return key < FileKey(*e.first);
                                                       }) -
                                      selected_.begin());
    }
    page_stop_ = std::min(selected_.size(), page_pos_ + static_cast<size_t>(*p_.max_files));
    if (page_stop_ < selected_.size()) {
      PageToken t;
      t.kind = "query";
      t.binding = p_.binding;
      t.version = p_.snapshot->version();
      t.after = FileKey(*selected_[page_stop_ - 1].first);
      t.expires_ms = p_.now + core_.options.page_token_ttl_ms;
      end_.next_page_token = EncodePageToken(core_.signer, t);
    }
    // Only the page is kept while the stream is open (a client may be slow to read it).
    selected_.erase(selected_.begin() + static_cast<std::ptrdiff_t>(page_stop_), selected_.end());
    selected_.erase(selected_.begin(), selected_.begin() + static_cast<std::ptrdiff_t>(page_pos_));
    selected_.shrink_to_fit();
    page_pos_ = 0;
    page_stop_ = selected_.size();
  }

  void NoteEnd(bool early) {
    finished_ = true;
    if (p_.rewrites) p_.rewrites->NoteNotAnnounced(hidden_);
    core_.CountServed(p_.format, emitter_.counters().files());
    NoteResult(emitter_.counters(), early);
  }

  void NoteResult(const ServedCounters& served, bool early) const {
    if (!p_.audit) return;
    auto& r = p_.audit->result;
    r["tableVersion"] = std::to_string(p_.snapshot->version());
    r["activeAddFiles"] = std::to_string(p_.snapshot->files().size());
    r["numAddFiles"] = std::to_string(served.add_files);
    r["scannedAddFileSize"] = std::to_string(served.add_bytes);
    r["numRemoveFiles"] = "0";
    if (p_.filters.limit) r["limitHint"] = std::to_string(*p_.filters.limit);
    r["deltaSharingPartitionFilteringAccessed"] = p_.partition_restricted ? "true" : "false";
    r["earlyTermination"] = early ? "true" : "false";
  }

  const ServiceCore& core_;
  const Params p_;
  FileStamp stamp_;
  PartWriter part_;  // before sink_, which writes to it
  LineSink sink_;
  FileEmitter emitter_;
  Filters filters_;
  LimitCounter limit_;
  EndStreamAction end_;
  bool plain_paths_ = false;
  bool started_ = false;
  bool finished_ = false;  // counted and audited
  int64_t hidden_ = 0;
  // Every file: the snapshot's files, and the next one to look at.
  bool listed_ = false;
  std::vector<const delta::AddFile*> files_;
  size_t next_file_ = 0;
  // A page: its files in page order, chosen on the first call, and the next one to emit.
  bool page_chosen_ = false;
  std::vector<std::pair<const delta::AddFile*, uint8_t>> selected_;
  size_t page_pos_ = 0;
  size_t page_stop_ = 0;
};

}  // namespace

Result<PinnedSnapshot> PinSnapshot(const ServiceCore& core, const TableContext& ctx,
                                   const QueryRequest& q, const SnapshotPtr& latest,
                                   const std::string& binding, const std::string& refresh_binding,
                                   int64_t now) {
  PinnedSnapshot pin;
  pin.snapshot = latest;
  if (q.page_token) {
    LS_ASSIGN_OR_RETURN(PageToken t,
                        DecodePageToken(core.signer, *q.page_token, "query", binding, now));
    if (!q.max_files) return InvalidArgument("'pageToken' requires 'maxFiles'");
    LS_ASSIGN_OR_RETURN(pin.snapshot, core.AtVersion(ctx, latest, t.version));
    pin.after = std::move(t.after);
    pin.time_travel = q.version || q.timestamp_ms;
  } else if (q.refresh_token) {
    LS_ASSIGN_OR_RETURN(RefreshToken t,
                        DecodeRefreshToken(core.signer, *q.refresh_token, refresh_binding, now));
    LS_ASSIGN_OR_RETURN(pin.snapshot, core.AtVersion(ctx, latest, t.version));
  } else if (q.version) {
    LS_ASSIGN_OR_RETURN(pin.snapshot, core.AtVersion(ctx, latest, *q.version));
    pin.time_travel = true;
  } else if (q.timestamp_ms) {
    LS_ASSIGN_OR_RETURN(int64_t v,
                        ServiceCore::VersionAt(ctx, *latest, *q.timestamp_ms,
                                               delta::TimestampBound::kLatestAtOrBefore));
    LS_ASSIGN_OR_RETURN(pin.snapshot, core.AtVersion(ctx, latest, v));
    pin.time_travel = true;
  }
  return pin;
}

namespace {

// Rewrite, before the response starts, the files a /query of `s` will announce that need it: on
// both cores, and so that the stream never waits in the middle. The request waits at most the
// server's materialize_wait; the work goes on after it (a retry or a poll finds it cached).
// Never a partial listing: the caller answers with every file or none (BusyResponse, or a
// pending asynchronous query).
Result<materialize::PrepareOutcome> PrepareRewrites(const FileRewrites& rewrites,
                                                    const delta::Snapshot& s,
                                                    const FilterSpec& spec) {
  Filters filters(spec, s.metadata(), s.features());
  std::vector<materialize::FileRequest> requests;
  s.files().ForEach([&](const delta::AddFile& f) {
    const delta::DeletionVectorDescriptor* dv =
        f.deletion_vector ? &f.deletion_vector->descriptor : nullptr;
    if (filters.Shared(f) && (filters.Hinted(f) & delta::kMayBeTrue) && !rewrites.Hides(f) &&
        rewrites.Rewrites(f)) {
      requests.push_back(rewrites.Request(f.path(), dv, f.size, /*change_file=*/false,
                                          f.partition_values->values));
    }
    return true;
  });
  if (requests.empty()) return materialize::PrepareOutcome{};
  return rewrites.Prepare(std::move(requests));
}

// The answer to a client that did not ask for an asynchronous query while files are still being
// rewritten: a 503 with Retry-After and how many files are ready.
http::Response BusyResponse(const materialize::PrepareOutcome& outcome) {
  http::Response r = http::StatusErrorResponse(
      503, http::ProtocolErrorCodeFor(ErrorCode::kUnavailable),
      fmt::format("This table's files are being prepared for your client ({} of {} ready); "
                  "retry in a few seconds, or send 'asyncquery=true' in the "
                  "delta-sharing-capabilities header to get a queryId to poll",
                  outcome.files - outcome.pending, outcome.files));
  r.SetHeader("Retry-After", "5");
  return r;
}

// /query with startingVersion: the data actions of each commit from there on (add and remove
// files, historical metaData), through the change-feed stream.
Result<http::Response> QueryFromVersion(const ServiceCore& core, http::Request& request,
                                        const TableRequest& t, const QueryRequest& q) {
  const TableContext& ctx = t.ctx;
  LS_ASSIGN_OR_RETURN(SnapshotPtr latest, core.Latest(ctx));
  ChangeRange range;
  range.start = *q.starting_version;
  if (range.start < ctx.table.start_version) {
    return InvalidArgument(
        "'startingVersion' {} is before the first version shared for table '{}' ({})", range.start,
        ctx.table.name, ctx.table.start_version);
  }
  if (range.start > latest->version()) {
    return InvalidArgument("'startingVersion' {} is after the latest version of table '{}' ({})",
                           range.start, ctx.table.name, latest->version());
  }
  if (q.ending_version && *q.ending_version > latest->version()) {
    return InvalidArgument("'endingVersion' {} is after the latest version of table '{}' ({})",
                           *q.ending_version, ctx.table.name, latest->version());
  }
  range.end = q.ending_version.value_or(latest->version());
  range.cdf = false;
  range.historical_metadata = true;  // "including historical metadata if seen in the delta log"
  range.historical_protocol = q.include_historical_protocol;
  LS_ASSIGN_OR_RETURN(ChangeResponse response, PageChanges(core, t, *latest, "query", q.Canonical(),
                                                           q.max_files, q.page_token, range));
  // The head lines describe the table at the starting version.
  LS_ASSIGN_OR_RETURN(SnapshotPtr start, core.AtVersion(ctx, latest, range.start));
  LS_ASSIGN_OR_RETURN(RecipientView view,
                      ServedView(ctx.table.view, ctx.table.name, latest->metadata(),
                                 start->metadata(), start->version()));
  AppendHead(response.head, response.format, start->protocol(),
             RewrittenMetadata(start->metadata(), view),
             Extras(ctx, *start, range.start, /*with_size=*/false),
             range.historical_protocol ? std::optional<int64_t>(range.start) : std::nullopt);
  return StreamChanges(core, request, ctx, std::move(latest), std::move(range),
                       std::move(response));
}

}  // namespace

Result<http::Response> AnswerSnapshotQuery(const ServiceCore& core, http::Request& request,
                                           const TableRequest& t, SnapshotQuery sq) {
  const TableContext& ctx = t.ctx;
  const QueryRequest& q = sq.q;
  const delta::Snapshot& s = *sq.snapshot;
  QueryStream::Params p;
  p.now = core.NowMs();
  p.binding = ServiceCore::Binding(ctx, q.Canonical());
  p.format = sq.format;
  p.id_scheme = sq.fileidhash.value_or(p.format);
  LS_ASSIGN_OR_RETURN(p.filters, BuildFilters(core.options, ctx, *sq.latest, s, &q));
  LS_ASSIGN_OR_RETURN(
      RecipientView view,
      ServedView(ctx.table.view, ctx.table.name, sq.latest->metadata(), s.metadata(), s.version()));
  LS_ASSIGN_OR_RETURN(p.rewrites, FileRewrites::For(core, ctx, view, s, p.format));
  if (p.rewrites) {
    p.rewrites->NoteAudit(*request.audit());
    auto outcome = PrepareRewrites(*p.rewrites, s, p.filters);
    if (!outcome && sq.pending == PendingMode::kPoll &&
        outcome.error().code != ErrorCode::kUnavailable) {
      // The materialization failed (kUnavailable, a full cache, stays an HTTP 503 to retry).
      return QueryStatusResponse(
          request, sq, "failed",
          fmt::format("Preparing this table's files for your client failed: {}",
                      outcome.error().message));
    }
    if (!outcome) return tl::unexpected<Error>(outcome.error());
    if (outcome->pending > 0) {
      switch (sq.pending) {
        case PendingMode::kBusy:
          return BusyResponse(*outcome);
        case PendingMode::kSubmit:
          sq.query_id = SubmittedQueryId(core, ctx, sq);
          [[fallthrough]];
        case PendingMode::kPoll:
          return QueryStatusResponse(request, sq, "pending", "");
      }
    }
  }
  if (auto refused = ServiceCore::TakeStreamSlot(core.snapshot_streams, request, ctx,
                                                 "query responses", p.slot)) {
    return std::move(*refused);
  }
  request.audit()->served_action = "deltaSharingQueriedTable";
  p.end_stream = t.caps.include_end_stream_action || q.max_files.has_value() ||
                 q.include_refresh_token || q.refresh_token.has_value();
  if (q.include_refresh_token || q.refresh_token) {
    p.refresh_token = EncodeRefreshToken(
        core.signer, RefreshToken{ServiceCore::Binding(ctx, "refresh"), s.version(),
                                  p.now + core.options.refresh_token_ttl_ms});
  }
  if (q.max_files)
    p.max_files = std::min<int64_t>(*q.max_files, core.options.query_page_size_limit);
  AppendHead(p.head, p.format, s.protocol(), RewrittenMetadata(s.metadata(), view),
             Extras(ctx, s, sq.time_travel ? std::optional<int64_t>(s.version()) : std::nullopt,
                    /*with_size=*/p.rewrites == nullptr));
  p.time_travel = sq.time_travel;
  p.after = std::move(sq.after);
  p.snapshot = std::move(sq.snapshot);
  p.store = ctx.store;
  p.scope = core.Scope(request, ctx);
  p.audit = request.audit();
  p.partition_restricted = ctx.table.partition_restricted();
  const int64_t version = p.snapshot->version();
  const bool end_stream = p.end_stream;
  const ResponseFormat format = p.format;
  return NdjsonPulledResponse(std::make_shared<QueryStream>(core, std::move(p)), version, format,
                              end_stream, sq.fileidhash);
}

Result<http::Response> QueryTable(const ServiceCore& core, http::Request& request) {
  LS_ASSIGN_OR_RETURN(TableRequest t, core.ResolveTableRequest(request));
  const TableContext& ctx = t.ctx;
  LS_ASSIGN_OR_RETURN(QueryRequest q, ParseQueryRequest(request.body()));
  NoteQueryRequest(*request.audit(), q);
  if (q.version) LS_RETURN_IF_ERROR(ServiceCore::RequireHistory(ctx, "'version'"));
  if (q.timestamp_ms) LS_RETURN_IF_ERROR(ServiceCore::RequireHistory(ctx, "'timestamp'"));
  if (q.starting_version) {
    LS_RETURN_IF_ERROR(ServiceCore::RequireHistory(ctx, "'startingVersion'"));
    request.audit()->served_action = "deltaSharingQueriedTable";
    return QueryFromVersion(core, request, t, q);
  }
  LS_ASSIGN_OR_RETURN(SnapshotPtr latest, core.Latest(ctx));
  LS_ASSIGN_OR_RETURN(PinnedSnapshot pin,
                      PinSnapshot(core, ctx, q, latest, ServiceCore::Binding(ctx, q.Canonical()),
                                  ServiceCore::Binding(ctx, "refresh"), core.NowMs()));
  SnapshotQuery sq;
  LS_ASSIGN_OR_RETURN(sq.format, ChooseFormat(t.caps, ctx.table, pin.snapshot->features(),
                                              pin.snapshot->HasDeletionVectors(),
                                              core.options.materializer != nullptr));
  sq.fileidhash = t.fileidhash;
  sq.latest = std::move(latest);
  sq.snapshot = std::move(pin.snapshot);
  sq.time_travel = pin.time_travel;
  sq.after = std::move(pin.after);
  // Asynchronous only for the first request of a snapshot query: a follow-up page continues a
  // listing whose files were prepared for its first page.
  sq.pending = t.caps.async_query && !q.page_token ? PendingMode::kSubmit : PendingMode::kBusy;
  sq.q = std::move(q);
  return AnswerSnapshotQuery(core, request, t, std::move(sq));
}

}  // namespace lakeshare::sharing
