#include <fmt/format.h>

#include <string>
#include <vector>

#include "sharing/file_rewrites_internal.h"
#include "sharing/table_response_internal.h"

namespace lakeshare::sharing {

// PROTOCOL.md, "responseFormat": "If there's only one responseFormat specified, the server must
// respect and return in the requested format. If there's a list ... The server may choose to
// respond in parquet format if the table does not have any advanced features. The server must
// respond in delta format if the table has advanced features which are not compatible with the
// parquet format." From a list, parquet is chosen for reader version 1 only, as the reference
// server does. A parquet-only client is served whenever the table's reader features need nothing
// from a Parquet reader (delta::CheckParquetServing: v2Checkpoint, timestampNtz, ...), with
// minReaderVersion 1 and no features, as the reference server answers clients without reader
// features; `has_dvs`: a file that may be served carries a deletion vector. Files with deletion
// vectors or column mapping are then served rewritten (file_rewrites_internal.h), which the
// reference server cannot do (it refuses such a client).
// readerFeatures: the reference server refuses column mapping and deletion vector tables unless
// the client lists the feature; we do the same.
Result<ResponseFormat> ChooseFormat(const Capabilities& caps, const TableInfo& table,
                                    const delta::TableFeatures& features, bool has_dvs,
                                    bool can_rewrite) {
  const bool advanced = features.min_reader_version > 1 || features.column_mapping_mode != "none" ||
                        features.deletion_vectors_enabled;
  const bool restricted = Restricts(table.view);
  ResponseFormat format;
  if (caps.formats.size() == 1) {
    format = caps.formats[0];
  } else {
    // A row filter, column list or masks is enforced in the parquet format only.
    format = ((!advanced || restricted) && caps.Accepts(ResponseFormat::kParquet))
                 ? ResponseFormat::kParquet
                 : ResponseFormat::kDelta;
  }
  if (format == ResponseFormat::kDelta && restricted) {
    return Unsupported(
        "Table '{}' is shared with a row filter, a column list or column masks, which this server "
        "enforces in the parquet response format only; request 'responseformat=parquet' (or "
        "'delta,parquet') in the delta-sharing-capabilities header",
        table.name);
  }
  const delta::ParquetServing serving = delta::CheckParquetServing(features, has_dvs);
  // Deletion vectors and column mapping are rewritten for parquet-format clients by the
  // materialization engine (file_rewrites_internal.h); features this server does not know never
  // are.
  if (format == ResponseFormat::kParquet && !serving.unknown.empty()) {
    return Unsupported(
        "Table '{}' needs {} and cannot be served in the parquet response format; request "
        "'responseformat=delta' in the delta-sharing-capabilities header",
        table.name, fmt::join(serving.unknown, ", "));
  }
  if (format == ResponseFormat::kParquet && !serving.rewrite.empty() && !can_rewrite) {
    return Unsupported(
        "Table '{}' needs {} and cannot be served in the parquet response format by this server "
        "(it has no materialization cache); request 'responseformat=delta' in the "
        "delta-sharing-capabilities header",
        table.name, fmt::join(serving.rewrite, ", "));
  }
  if (format == ResponseFormat::kDelta) {
    if (features.column_mapping_mode != "none" && !caps.HasReaderFeature("columnmapping")) {
      return Unsupported(
          "Table '{}' uses column mapping; add 'columnmapping' to readerfeatures in the "
          "delta-sharing-capabilities header",
          table.name);
    }
    if ((features.deletion_vectors_enabled || features.HasReaderFeature("deletionVectors")) &&
        !caps.HasReaderFeature("deletionvectors")) {
      return Unsupported(
          "Table '{}' uses deletion vectors; add 'deletionvectors' to readerfeatures in the "
          "delta-sharing-capabilities header",
          table.name);
    }
  }
  return format;
}

void SetDataHeaders(http::Response& r, int64_t version, ResponseFormat format, bool end_stream,
                    const std::optional<ResponseFormat>& fileidhash) {
  r.SetHeader(kTableVersionHeader, std::to_string(version));
  std::string caps = "responseformat=" + std::string(ResponseFormatName(format));
  if (end_stream) caps += ";includeendstreamaction=true";
  r.SetHeader(kCapabilitiesHeader, std::move(caps));
  if (fileidhash) r.SetHeader("fileidhash", std::string(ResponseFormatName(*fileidhash)));
}

MetadataExtras Extras(const TableContext& ctx, const delta::Snapshot& s,
                      std::optional<int64_t> version, bool with_size) {
  MetadataExtras e;
  e.version = version;
  // Sizes of the whole table would reveal partitions hidden by a partition filter, or rows and
  // columns hidden by the recipient's view.
  if (with_size && !ctx.table.partition_restricted() && !Restricts(ctx.table.view)) {
    e.size = s.files().total_bytes();
    e.num_files = static_cast<int64_t>(s.files().size());
  }
  e.cdf_enabled = ctx.table.cdf_shared && s.features().change_data_feed_enabled;
  return e;
}

void AppendHead(std::string& out, ResponseFormat format, const delta::Protocol& protocol,
                const delta::Metadata& metadata, const MetadataExtras& extras,
                std::optional<int64_t> protocol_version) {
  if (format == ResponseFormat::kParquet) {
    AppendParquetProtocol(out);
    AppendParquetMetadata(out, metadata, extras);
  } else {
    AppendDeltaProtocol(out, protocol, protocol_version);
    AppendDeltaMetadata(out, metadata, extras);
  }
}

}  // namespace lakeshare::sharing
