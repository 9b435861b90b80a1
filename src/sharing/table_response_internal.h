// The parts of a table-data response (/metadata, /query, /changes) that do not depend on the
// endpoint: the response format chosen from the client's capabilities and the table's features,
// the response headers, and the head lines (protocol, then metaData). Pure functions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/snapshot.h"
#include "delta/table_features.h"
#include "http/response.h"
#include "sharing/capabilities.h"
#include "sharing/ndjson_lines.h"
#include "sharing/service_core_internal.h"

namespace lakeshare::sharing {

/// The format to answer in (PROTOCOL.md, "responseFormat"); kUnsupported when the client cannot
/// read the table in any format it accepts. `has_dvs`: a file that may be served carries a
/// deletion vector; `can_rewrite`: the server materializes files (deletion vectors applied,
/// column mapping resolved) for parquet-format clients.
Result<ResponseFormat> ChooseFormat(const Capabilities& caps, const TableInfo& table,
                                    const delta::TableFeatures& features, bool has_dvs,
                                    bool can_rewrite);

/// Delta-Table-Version, the chosen format echoed in delta-sharing-capabilities (with
/// includeendstreamaction when the stream ends with one) and the fileidhash echo.
void SetDataHeaders(http::Response& r, int64_t version, ResponseFormat format, bool end_stream,
                    const std::optional<ResponseFormat>& fileidhash);

/// A pulled NDJSON response whose body `stream->Next(out)` gives a part at a time (an
/// http::ChunkSource), with the data headers (SetDataHeaders). The stream is shared with the
/// http layer until the body is done.
template <typename Stream>
http::Response NdjsonPulledResponse(std::shared_ptr<Stream> stream, int64_t version,
                                    ResponseFormat format, bool end_stream,
                                    const std::optional<ResponseFormat>& fileidhash) {
  http::Response r = http::Response::Pulled(
      http::kNdjsonContentType,
      [stream = std::move(stream)](std::string& out) { return stream->Next(out); });
  SetDataHeaders(r, version, format, end_stream, fileidhash);
  return r;
}

/// The extra members of the metaData line of snapshot `s`; `with_size`: size and numFiles,
/// never for a partition-restricted table.
MetadataExtras Extras(const TableContext& ctx, const delta::Snapshot& s,
                      std::optional<int64_t> version, bool with_size);

/// The protocol line then the metaData line, in `format`; `protocol_version` is the version
/// member of a delta-format protocol line (historical protocols).
void AppendHead(std::string& out, ResponseFormat format, const delta::Protocol& protocol,
                const delta::Metadata& metadata, const MetadataExtras& extras,
                std::optional<int64_t> protocol_version = std::nullopt);

}  // namespace lakeshare::sharing
