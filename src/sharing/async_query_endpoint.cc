// Asynchronous queries (PROTOCOL.md, "asyncQuery" and "Get Query Info"). A snapshot /query sent
// with `asyncquery=true` whose files are all ready within the server's wait is answered at once,
// as the protocol allows; when files are still being rewritten, the answer is one line
//   {"queryStatus":{"queryId":"...","status":"pending"}}
// with asyncquery=true echoed, and the client polls POST .../queries/{queryId}: pending while
// the materializer works, `failed` with what to do when the rewrite failed, the /query body
// (the same stream, maxFiles and pageToken honoured) once every file is ready.
// The id is the query (query_ids.h): no state here, any replica answers any poll.
#include <string>
#include <utility>

#include "common/strings.h"
#include "sharing/digests.h"
#include "sharing/endpoints_internal.h"
#include "sharing/protocol_audit_internal.h"
#include "sharing/query_ids.h"
#include "sharing/table_response_internal.h"

namespace lakeshare::sharing {

namespace {

constexpr std::string_view kIdPurpose = "async-query";

}  // namespace

std::string SubmittedQueryId(const ServiceCore& core, const TableContext& ctx,
                             const SnapshotQuery& sq) {
  const QueryRequest& q = sq.q;
  AsyncQueryId id;
  id.binding = ServiceCore::Binding(ctx, kIdPurpose);
  id.version = sq.snapshot->version();
  id.time_travel = sq.time_travel;
  id.format = sq.format;
  id.fileidhash = sq.fileidhash;
  id.include_refresh_token = q.include_refresh_token || q.refresh_token.has_value();
  // The full parameters and the key decide the id; the hints travel in it when they fit.
  std::string all = q.Canonical();
  all.push_back('\0');
  all += q.idempotency_key.value_or("");
  all.push_back('\0');
  all += ResponseFormatName(sq.format);
  id.digest = ShortDigest(all);
  size_t hint_chars = q.json_predicate_hints ? q.json_predicate_hints->size() : 0;
  for (const std::string& h : q.predicate_hints) hint_chars += h.size() + 8;
  if (hint_chars <= kMaxQueryIdHintChars) {
    id.predicate_hints = q.predicate_hints;
    id.json_predicate_hints = q.json_predicate_hints;
    id.limit_hint = q.limit_hint;
  }
  id.expires_ms = QueryIdExpiry(core.NowMs(), core.options.query_id_window_ms);
  return EncodeQueryId(core.signer, id);
}

http::Response QueryStatusResponse(http::Request& request, const SnapshotQuery& sq,
                                   std::string_view status, std::string_view message) {
  std::string line = "{\"queryStatus\":{\"queryId\":";
  AppendJsonString(line, sq.query_id);
  line += ",\"status\":";
  AppendJsonString(line, status);
  if (!message.empty()) {
    line += ",\"errorMessage\":";
    AppendJsonString(line, message);
  }
  line += "}}\n";
  http::Response r = http::Response::Text(std::move(line), 200, http::kNdjsonContentType);
  // The Spark client reads Delta-Table-Version from every answer, a pending one too.
  SetDataHeaders(r, sq.snapshot->version(), sq.format, /*end_stream=*/false, sq.fileidhash);
  r.SetHeader(kCapabilitiesHeader,
              "responseformat=" + std::string(ResponseFormatName(sq.format)) + ";asyncquery=true");
  auto& audit = *request.audit();
  audit.served_action.clear();  // nothing served yet
  audit.result["queryStatus"] = std::string(status);
  audit.result["queryId"] = ShortDigest(sq.query_id);
  audit.result["tableVersion"] = std::to_string(sq.snapshot->version());
  return r;
}

Result<http::Response> QueryInfo(const ServiceCore& core, http::Request& request) {
  const std::string& text = PathParam(request, "queryId");
  LS_ASSIGN_OR_RETURN(TableRequest t, core.ResolveTableRequest(request));
  const TableContext& ctx = t.ctx;
  LS_ASSIGN_OR_RETURN(QueryInfoRequest body, ParseQueryInfoRequest(request.body()));
  const int64_t now = core.NowMs();
  LS_ASSIGN_OR_RETURN(AsyncQueryId id, DecodeQueryId(core.signer, text,
                                                     ServiceCore::Binding(ctx, kIdPurpose), now));
  if (body.query_id && *body.query_id != text) {
    return InvalidArgument("The 'queryId' of the body differs from the one in the path; send the "
                           "queryId you were given in both");
  }
  if (id.time_travel) LS_RETURN_IF_ERROR(ServiceCore::RequireHistory(ctx, "'version'"));
  SnapshotQuery sq;
  sq.q.predicate_hints = std::move(id.predicate_hints);
  sq.q.json_predicate_hints = std::move(id.json_predicate_hints);
  sq.q.limit_hint = id.limit_hint;
  sq.q.max_files = body.max_files;
  sq.q.page_token = std::move(body.page_token);
  // Like /query: the refresh token comes with the first page only.
  sq.q.include_refresh_token = id.include_refresh_token && !sq.q.page_token;
  NoteQueryRequest(*request.audit(), sq.q);
  LS_ASSIGN_OR_RETURN(SnapshotPtr latest, core.Latest(ctx));
  if (sq.q.page_token) {
    LS_ASSIGN_OR_RETURN(
        PinnedSnapshot pin,
        PinSnapshot(core, ctx, sq.q, latest, ServiceCore::Binding(ctx, sq.q.Canonical()),
                    ServiceCore::Binding(ctx, "refresh"), now));
    if (pin.snapshot->version() != id.version) {
      return InvalidArgument("Invalid pageToken: it belongs to another query of this table; "
                             "continue with the pageToken of this query's last page");
    }
    sq.snapshot = std::move(pin.snapshot);
    sq.after = std::move(pin.after);
  } else {
    LS_ASSIGN_OR_RETURN(sq.snapshot, core.AtVersion(ctx, latest, id.version));
  }
  sq.latest = std::move(latest);
  sq.time_travel = id.time_travel;
  sq.format = id.format;
  sq.fileidhash = id.fileidhash;
  sq.pending = PendingMode::kPoll;
  sq.query_id = text;
  return AnswerSnapshotQuery(core, request, t, std::move(sq));
}

}  // namespace lakeshare::sharing
