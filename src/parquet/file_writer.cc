// FileWriter: the magic, one row group after another (column chunks in any order), the footer.
// The parts it is built from are listed in file_writer_internal.h.
#include "parquet/file_writer.h"

#include <algorithm>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "parquet/file_writer_internal.h"

#ifndef LAKESHARE_VERSION
#define LAKESHARE_VERSION "0.1.0"
#endif

namespace lakeshare::parquet {

std::string DefaultCreatedBy() { return "lakeshare version " LAKESHARE_VERSION; }

namespace {

constexpr char kMagic[] = "PAR1";

}  // namespace

Result<Compression> ParseCompression(std::string_view name) {
  const std::string n = ToLower(name);
  if (n == "snappy") {
    return Compression::kSnappy;
  }
  if (n == "zstd") {
    return Compression::kZstd;
  }
  if (n == "gzip") {
    return Compression::kGzip;
  }
  if (n == "lz4_raw" || n == "lz4raw") {
    return Compression::kLz4Raw;
  }
  if (n == "none" || n == "uncompressed") {
    return Compression::kUncompressed;
  }
  return InvalidArgument("unknown compression '{}' (snappy, zstd, gzip, lz4_raw or none)", name);
}

int64_t CountRows(const ColumnData& c) {
  if (c.rep_levels.empty()) {
    return c.num_entries;
  }
  return std::count(c.rep_levels.begin(), c.rep_levels.end(), int16_t{0});
}

// ---------------------------------------------------------------------------------------------
// FileWriter

struct FileWriter::Impl {
  std::vector<format::RowGroup> row_groups;
  std::vector<std::optional<format::ColumnChunk>> chunks;  // current row group, per leaf
  int64_t current_rows = -1;
  std::vector<std::vector<std::string>> paths;  // per leaf
  ChunkScratch scratch;
};

FileWriter::~FileWriter() = default;

Status FileWriter::Fail(Error e) {
  if (!failed_) {
    failed_ = e;
  }
  return tl::unexpected(std::move(e));
}

int64_t FileWriter::bytes_written() const { return sink_->position(); }

Result<std::unique_ptr<FileWriter>> FileWriter::Open(std::unique_ptr<WritableSink> sink,
                                                     WriterSchema schema, WriterOptions options) {
  if (options.data_page_version != 1 && options.data_page_version != 2) {
    return InvalidArgument("data page version must be 1 or 2, not {}", options.data_page_version);
  }
  switch (options.compression) {
    case Compression::kUncompressed:
    case Compression::kSnappy:
    case Compression::kGzip:
    case Compression::kZstd:
    case Compression::kLz4Raw:
      break;
    default:
      return Unsupported("writing {} compression is not supported",
                         CompressionName(options.compression));
  }
  if (schema.num_leaves() == 0) {
    return InvalidArgument("cannot write a schema without columns");
  }
  auto w = std::unique_ptr<FileWriter>(new FileWriter());
  w->sink_ = std::move(sink);
  w->schema_ = std::move(schema);
  w->options_ = std::move(options);
  w->impl_ = std::make_unique<Impl>();
  const Schema& s = w->schema_.schema();
  w->impl_->chunks.resize(static_cast<size_t>(s.num_leaves()));
  for (int leaf = 0; leaf < s.num_leaves(); ++leaf) {
    std::vector<std::string> parts;
    for (int i = s.leaf_node(leaf); i > 0; i = s.node(i).parent) {
      parts.push_back(s.node(i).name);
    }
    std::reverse(parts.begin(), parts.end());
    w->impl_->paths.push_back(std::move(parts));
  }
  LS_RETURN_IF_ERROR(w->sink_->Append(std::string_view(kMagic, 4)));
  return w;
}

Status FileWriter::WriteColumn(int leaf, const ColumnData& data) {
  if (failed_) {
    return tl::unexpected(*failed_);
  }
  if (closed_) {
    return Fail(Error{ErrorCode::kInternal, "WriteColumn after Close"});
  }
  const Schema& s = schema_.schema();
  if (leaf < 0 || leaf >= s.num_leaves()) {
    return Fail(
        Error{ErrorCode::kInvalidArgument,
              fmt::format("column {} does not exist (the schema has {})", leaf, s.num_leaves())});
  }
  auto& slot = impl_->chunks[static_cast<size_t>(leaf)];
  if (slot) {
    return Fail(Error{ErrorCode::kInvalidArgument,
                      fmt::format("column '{}' was already written in this row group",
                                  s.Path(s.leaf_node(leaf)))});
  }
  if (auto st = ValidateColumn(s, leaf, data); !st) {
    return Fail(st.error());
  }
  const int64_t rows = CountRows(data);
  if (impl_->current_rows >= 0 && rows != impl_->current_rows) {
    return Fail(Error{ErrorCode::kInvalidArgument,
                      fmt::format("column '{}' has {} rows, other columns of the row group have {}",
                                  s.Path(s.leaf_node(leaf)), rows, impl_->current_rows)});
  }
  impl_->current_rows = rows;
  if (rows == 0) {
    slot = format::ColumnChunk();  // nothing to write: an empty row group is dropped
    return OkStatus();
  }
  try {
    auto cc =
        WriteColumnChunk(*sink_, s, leaf, impl_->paths[static_cast<size_t>(leaf)], data, options_,
                         &impl_->scratch);
    if (!cc) {
      return Fail(cc.error());
    }
    slot = std::move(*cc);
  } catch (const std::bad_alloc&) {
    return Fail(Error{ErrorCode::kResourceExhausted,
                      fmt::format("out of memory writing column '{}'", s.Path(s.leaf_node(leaf)))});
  }
  return OkStatus();
}

Status FileWriter::EndRowGroup() {
  if (failed_) {
    return tl::unexpected(*failed_);
  }
  if (closed_) {
    return Fail(Error{ErrorCode::kInternal, "EndRowGroup after Close"});
  }
  const Schema& s = schema_.schema();
  for (int leaf = 0; leaf < s.num_leaves(); ++leaf) {
    if (!impl_->chunks[static_cast<size_t>(leaf)]) {
      return Fail(Error{ErrorCode::kInvalidArgument,
                        fmt::format("row group ended before column '{}' was written",
                                    s.Path(s.leaf_node(leaf)))});
    }
  }
  const int64_t rows = impl_->current_rows;
  if (rows > 0) {
    format::RowGroup rg;
    int64_t total_byte_size = 0;
    int64_t total_compressed = 0;
    std::vector<format::ColumnChunk> columns;
    columns.reserve(impl_->chunks.size());
    for (auto& cc : impl_->chunks) {
      total_byte_size += cc->meta_data.total_uncompressed_size;
      total_compressed += cc->meta_data.total_compressed_size;
      columns.push_back(std::move(*cc));
    }
    // Columns may have been written in any order: the row group starts at its first chunk.
    int64_t first = columns.front().file_offset;
    for (const auto& cc : columns) {
      first = std::min(first, cc.file_offset);
    }
    rg.__set_file_offset(first);
    rg.columns = std::move(columns);  // required field: no isset flag
    rg.__set_num_rows(rows);
    rg.__set_total_byte_size(total_byte_size);
    rg.__set_total_compressed_size(total_compressed);
    rg.__set_ordinal(static_cast<int16_t>(std::min<size_t>(impl_->row_groups.size(), 32767)));
    impl_->row_groups.push_back(std::move(rg));
    ++num_row_groups_;
    num_rows_ += rows;
  }
  for (auto& cc : impl_->chunks) {
    cc.reset();
  }
  impl_->current_rows = -1;
  return OkStatus();
}

Status FileWriter::WriteRowGroup(const std::vector<ColumnData>& columns) {
  if (static_cast<int>(columns.size()) != schema_.num_leaves()) {
    return Fail(Error{
        ErrorCode::kInvalidArgument,
        fmt::format("{} columns given, the schema has {}", columns.size(), schema_.num_leaves())});
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    LS_RETURN_IF_ERROR(WriteColumn(static_cast<int>(i), columns[i]));
  }
  return EndRowGroup();
}

Status FileWriter::Close() {
  if (failed_) {
    return tl::unexpected(*failed_);
  }
  if (closed_) {
    return OkStatus();
  }
  for (const auto& cc : impl_->chunks) {
    if (cc) {
      return Fail(Error{ErrorCode::kInvalidArgument, "Close with a row group in progress"});
    }
  }
  format::FileMetaData md;
  md.__set_version(2);
  md.__set_schema(ElementsOf(schema_.schema()));
  md.__set_num_rows(num_rows_);
  md.row_groups = std::move(impl_->row_groups);  // required field
  if (!options_.key_value_metadata.empty()) {
    std::vector<format::KeyValue> kvs;
    for (const auto& [k, v] : options_.key_value_metadata) {
      format::KeyValue kv;
      kv.__set_key(k);
      kv.__set_value(v);
      kvs.push_back(std::move(kv));
    }
    md.key_value_metadata = std::move(kvs);
    md.__isset.key_value_metadata = true;
  }
  md.__set_created_by(options_.created_by);
  std::vector<format::ColumnOrder> orders(static_cast<size_t>(schema_.num_leaves()));
  for (auto& o : orders) {
    o.__set_TYPE_ORDER(format::TypeDefinedOrder());
  }
  md.column_orders = std::move(orders);
  md.__isset.column_orders = true;
  std::string footer;
  if (auto st = SerializeThrift(md, &footer); !st) {
    return Fail(st.error());
  }
  AppendLe32(static_cast<uint32_t>(footer.size()), &footer);
  footer.append(kMagic, 4);
  if (auto st = sink_->Append(footer); !st) {
    return Fail(st.error());
  }
  if (auto st = sink_->Close(); !st) {
    return Fail(st.error());
  }
  closed_ = true;
  return OkStatus();
}

}  // namespace lakeshare::parquet
