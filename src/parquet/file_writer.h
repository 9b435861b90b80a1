// FileWriter: writes one Parquet file column chunk by column chunk. The caller describes the
// schema (WriterSchema, from a small field tree or copied from a file being read), then for each
// row group hands every leaf column over as a ColumnData (the struct FileReader::ReadColumn
// returns, so a file can be copied column by column) and ends the row group; Close() writes the
// footer. Pages are PLAIN or dictionary (RLE_DICTIONARY) encoded with RLE levels, data page v1 or
// v2, compressed with any codec of compression.h, and carry min/max/null_count statistics, as do
// the column chunks. Bytes go to a WritableSink: a local file that appears under its name only
// when Close() succeeds, or a string in memory.
// Thread-safety: a FileWriter and a sink are used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "parquet/column_reader.h"
#include "parquet/schema.h"
#include "parquet/types.h"

namespace lakeshare::parquet {

/// "lakeshare version <x.y.z>": the created_by format the Parquet spec asks for
/// ("<Application> version <App Version>"), which parquet-mr and Arrow parse.
std::string DefaultCreatedBy();

// ---------------------------------------------------------------------------------------------
// Sinks

/// Where a writer's bytes go: append-only, then Close() to publish. Destroying a sink that was
/// not closed discards what was written (a local file never appears half-written).
class WritableSink {
 public:
  virtual ~WritableSink() = default;
  /// Append bytes at the end.
  virtual Status Append(std::string_view bytes) = 0;
  /// Bytes appended so far.
  virtual int64_t position() const = 0;
  /// Flush and publish. Append after Close is an error.
  virtual Status Close() = 0;
};

/// Write to `path`: bytes go to a temporary file beside it ("<path>.tmp-<random>"), which is
/// renamed over `path` by Close(); without Close() the temporary file is removed.
Result<std::unique_ptr<WritableSink>> OpenLocalFileSink(const std::string& path);

/// Write to standard output (for `... > OUT`); Close() flushes.
std::unique_ptr<WritableSink> MakeStdoutSink();

/// Collect the bytes in memory (tests, small uploads). `out` must outlive the sink; it is
/// cleared first.
class StringSink : public WritableSink {
 public:
  explicit StringSink(std::string* out) : out_(out) { out_->clear(); }
  Status Append(std::string_view bytes) override;
  int64_t position() const override { return static_cast<int64_t>(out_->size()); }
  Status Close() override;

 private:
  std::string* out_;
  bool closed_ = false;
};

// ---------------------------------------------------------------------------------------------
// Schema

/// One node of the field tree that describes a schema to write. Build with Primitive(), Struct(),
/// List() and Map().
struct WriterField {
  enum class Kind : uint8_t { kPrimitive, kStruct, kList, kMap };
  Kind kind = Kind::kPrimitive;
  std::string name;
  Repetition repetition = Repetition::kOptional;
  PhysicalType physical = PhysicalType::kInt32;  // kPrimitive
  LogicalType logical;                           // kPrimitive
  int32_t type_length = 0;                       // FIXED_LEN_BYTE_ARRAY
  int32_t field_id = -1;                         // written when >= 0
  // kStruct: the fields; kList: {element}; kMap: {key, value}.
  std::vector<WriterField> children;
};

/// A leaf. `type_length` is required for FIXED_LEN_BYTE_ARRAY.
WriterField Primitive(std::string name, PhysicalType physical, LogicalType logical = {},
                      Repetition repetition = Repetition::kOptional, int32_t type_length = 0);
/// A group of fields (at least one).
WriterField Struct(std::string name, std::vector<WriterField> children,
                   Repetition repetition = Repetition::kOptional);
/// A list, written in the standard 3-level form (LogicalTypes.md, "Lists"):
///   <repetition> group <name> (LIST) { repeated group list { <element> element; } }
/// The element's own name is replaced by "element"; it must be required or optional.
WriterField List(std::string name, WriterField element,
                 Repetition repetition = Repetition::kOptional);
/// A map, written in the standard form (LogicalTypes.md, "Maps"):
///   <repetition> group <name> (MAP) { repeated group key_value { required <key> key;
///                                                                <value> value; } }
/// The key is made required ("the key field ... must always be required"); names are replaced
/// by "key" and "value".
WriterField Map(std::string name, WriterField key, WriterField value,
                Repetition repetition = Repetition::kOptional);

/// Logical-type shorthands for Primitive().
LogicalType StringType();
LogicalType IntType(int bit_width, bool is_signed = true);
LogicalType DecimalType(int precision, int scale);
LogicalType DateType();
LogicalType TimeType(TimeUnit unit, bool adjusted_to_utc = true);
LogicalType TimestampType(TimeUnit unit, bool adjusted_to_utc = true);
LogicalType UuidType();
LogicalType JsonType();
LogicalType LogicalOf(LogicalKind kind);

/// The schema of a file to write: validated, with definition/repetition levels resolved exactly
/// as a reader will see them (schema() is what FileReader::schema() of the result returns).
class WriterSchema {
 public:
  /// Validate a field tree: names present, logical types legal on their physical types, groups
  /// not empty, FIXED_LEN_BYTE_ARRAY lengths set. kInvalidArgument names the offending field.
  static Result<WriterSchema> Make(const std::vector<WriterField>& fields,
                                   std::string root_name = "schema");
  /// Copy the schema of a file being read, node for node (legacy list/map shapes, field ids and
  /// annotations kept), so a copy reads back exactly like the original.
  static Result<WriterSchema> FromSchema(const Schema& schema);
  /// Copy only the top-level fields `top_fields` (node indexes, in that order, with their
  /// subtrees), renaming node i to names[i] where that is not empty (column projection and
  /// renaming for rewritten files; the leaves keep their levels).
  static Result<WriterSchema> FromSchema(const Schema& schema, const std::vector<int>& top_fields,
                                         const std::vector<std::string>& names);

  const Schema& schema() const { return schema_; }
  int num_leaves() const { return schema_.num_leaves(); }

 private:
  // The tree of the footer's elements; a list that is no tree is kInvalidArgument.
  static Result<WriterSchema> FromElements(const std::vector<format::SchemaElement>& elements);

  Schema schema_;
};

// ---------------------------------------------------------------------------------------------
// Writer

struct WriterOptions {
  Compression compression = Compression::kSnappy;
  /// Dictionary-encode columns (not booleans). A chunk's dictionary is abandoned for PLAIN when
  /// its PLAIN size would pass `dictionary_page_size_limit` (pages written before keep it), or
  /// when after the first page it does not make the data smaller (parquet-mr's heuristic).
  bool dictionary = true;
  int64_t dictionary_page_size_limit = int64_t{1} << 20;
  /// Target uncompressed size of a data page; pages end at a row boundary once they pass it, or
  /// after `data_page_max_rows` rows.
  int64_t data_page_size = int64_t{1} << 20;
  int64_t data_page_max_rows = 20000;
  /// Rows per row group for row-wise producers (RowShredder users): a row group ends when it
  /// reaches `row_group_rows` rows or `row_group_bytes` of buffered data. FileWriter itself writes
  /// each row group as given.
  int64_t row_group_rows = int64_t{1} << 20;
  int64_t row_group_bytes = int64_t{128} << 20;
  /// 1: DATA_PAGE (levels and values compressed together); 2: DATA_PAGE_V2.
  int data_page_version = 1;
  /// Byte-array min/max longer than this are truncated (min to a prefix, max to a prefix rounded
  /// up; is_*_value_exact = false); 0 disables truncation.
  int64_t statistics_truncate_length = 64;
  bool write_statistics = true;
  std::string created_by = DefaultCreatedBy();
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
};

/// Parse "snappy", "zstd", "gzip", "lz4_raw", "none"/"uncompressed" (any case).
Result<Compression> ParseCompression(std::string_view name);

/// Rows in a column (entries with repetition level 0; all entries when not repeated).
int64_t CountRows(const ColumnData& column);

class FileWriter {
 public:
  /// Write the magic and prepare. The writer owns `sink`.
  static Result<std::unique_ptr<FileWriter>> Open(std::unique_ptr<WritableSink> sink,
                                                  WriterSchema schema, WriterOptions options);
  ~FileWriter();

  const Schema& schema() const { return schema_.schema(); }
  const WriterOptions& options() const { return options_; }

  /// Encode and write one leaf column of the current row group. Each leaf is written once per
  /// row group, in any order; every leaf must hold the same number of rows. `data` is only read
  /// during the call. Inconsistent data (wrong type, levels out of range, value count not
  /// matching the levels) is kInvalidArgument and leaves the writer unusable.
  Status WriteColumn(int leaf, const ColumnData& data);
  /// Finish the current row group; every leaf must have been written. A row group of 0 rows
  /// is allowed.
  Status EndRowGroup();
  /// Convenience: WriteColumn for columns[0..n) (leaf i = columns[i]), then EndRowGroup.
  Status WriteRowGroup(const std::vector<ColumnData>& columns);
  /// Write the footer and close the sink. A row group in progress must have been ended.
  Status Close();

  /// Row groups ended so far (all of them once closed).
  int num_row_groups() const { return num_row_groups_; }
  int64_t num_rows() const { return num_rows_; }
  int64_t bytes_written() const;

 private:
  struct Impl;
  FileWriter() = default;
  Status Fail(Error e);

  std::unique_ptr<WritableSink> sink_;
  WriterSchema schema_;
  WriterOptions options_;
  std::unique_ptr<Impl> impl_;
  int num_row_groups_ = 0;  // Close() hands the row group metadata to the footer
  int64_t num_rows_ = 0;
  bool closed_ = false;
  std::optional<Error> failed_;
};

}  // namespace lakeshare::parquet
