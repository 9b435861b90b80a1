// Table version and metadata (PROTOCOL.md, "Query Table Version", "Query Table Metadata"):
// answered from the snapshot cache, in the format the client's capabilities allow.
#include <optional>
#include <string>

#include "delta/table_features.h"
#include "sharing/endpoints_internal.h"
#include "sharing/file_rewrites_internal.h"
#include "sharing/query_request.h"
#include "sharing/served_view_internal.h"
#include "sharing/table_response_internal.h"

namespace lakeshare::sharing {

Result<http::Response> TableVersion(const ServiceCore& core, http::Request& request) {
  LS_ASSIGN_OR_RETURN(TableContext ctx, core.ResolveTable(request));
  LS_ASSIGN_OR_RETURN(std::optional<int64_t> ts, ParseVersionParams(request));
  LS_ASSIGN_OR_RETURN(SnapshotPtr latest, core.Latest(ctx));
  int64_t version = latest->version();
  if (ts) {
    LS_RETURN_IF_ERROR(ServiceCore::RequireHistory(ctx, "'startingTimestamp'"));
    // PROTOCOL.md, "Query Table Version": startingTimestamp gives "the earliest version of the
    // table whose commit timestamp is greater than or equal to" it.
    LS_ASSIGN_OR_RETURN(version, ServiceCore::VersionAt(ctx, *latest, *ts,
                                                        delta::TimestampBound::kEarliestAtOrAfter));
  }
  http::Response r(200);
  r.SetHeader(kTableVersionHeader, std::to_string(version));
  return r;
}

Result<http::Response> TableMetadata(const ServiceCore& core, http::Request& request) {
  LS_ASSIGN_OR_RETURN(TableRequest t, core.ResolveTableRequest(request));
  const TableContext& ctx = t.ctx;
  LS_ASSIGN_OR_RETURN(VersionSelector sel, ParseMetadataParams(request));
  LS_ASSIGN_OR_RETURN(SnapshotPtr latest, core.Latest(ctx));
  SnapshotPtr s = latest;
  std::optional<int64_t> version_field;
  if (sel.version || sel.timestamp_ms) {
    LS_RETURN_IF_ERROR(ServiceCore::RequireHistory(ctx, sel.version ? "'version'" : "'timestamp'"));
    int64_t v = 0;
    if (sel.version) {
      v = *sel.version;
    } else {
      LS_ASSIGN_OR_RETURN(v, ServiceCore::VersionAt(ctx, *latest, *sel.timestamp_ms,
                                                    delta::TimestampBound::kLatestAtOrBefore));
    }
    LS_ASSIGN_OR_RETURN(s, core.AtVersion(ctx, latest, v));
    version_field = s->version();
  }
  const bool has_dvs = s->HasDeletionVectors();
  LS_ASSIGN_OR_RETURN(ResponseFormat format, ChooseFormat(t.caps, ctx.table, s->features(), has_dvs,
                                                          core.options.materializer != nullptr));
  // Rewritten files (file_rewrites_internal.h) are described as what the client will read.
  const bool rewritten = Restricts(ctx.table.view) ||
                         (format == ResponseFormat::kParquet &&
                          !delta::CheckParquetServing(s->features(), has_dvs).rewrite.empty());
  // The view /query applies at this version: the two agree on every version.
  LS_ASSIGN_OR_RETURN(
      RecipientView view,
      ServedView(ctx.table.view, ctx.table.name, latest->metadata(), s->metadata(), s->version()));
  std::string body;
  AppendHead(body, format, s->protocol(), RewrittenMetadata(s->metadata(), view),
             Extras(ctx, *s, version_field, /*with_size=*/!rewritten));
  http::Response r = http::Response::Text(std::move(body), 200, http::kNdjsonContentType);
  SetDataHeaders(r, s->version(), format, false, t.fileidhash);
  return r;
}

}  // namespace lakeshare::sharing
