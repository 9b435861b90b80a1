#include <fmt/format.h>

#include <string>
#include <vector>

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
// features; `has_dvs`: a file that may be served carries a deletion vector.
// readerFeatures: the reference server refuses column mapping and deletion vector tables unless
// the client lists the feature; we do the same.
Result<ResponseFormat> ChooseFormat(const Capabilities& caps, const TableInfo& table,
                                    const delta::TableFeatures& features, bool has_dvs) {
  const bool advanced = features.min_reader_version > 1 || features.column_mapping_mode != "none" ||
                        features.deletion_vectors_enabled;
  ResponseFormat format;
  if (caps.formats.size() == 1) {
    format = caps.formats[0];
  } else {
    format = (!advanced && caps.Accepts(ResponseFormat::kParquet)) ? ResponseFormat::kParquet
                                                                   : ResponseFormat::kDelta;
  }
  const delta::ParquetServing serving = delta::CheckParquetServing(features, has_dvs);
  if (format == ResponseFormat::kParquet && !serving.as_is()) {
    std::vector<std::string> what = serving.rewrite;
    what.insert(what.end(), serving.unknown.begin(), serving.unknown.end());
    return Unsupported(
        "Table '{}' needs {} and cannot be served in the parquet response format; request "
        "'responseformat=delta' in the delta-sharing-capabilities header",
        table.name, fmt::join(what, ", "));
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
  // Sizes of the whole table would reveal partitions hidden by a partition filter.
  if (with_size && !ctx.table.partition_restricted()) {
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
