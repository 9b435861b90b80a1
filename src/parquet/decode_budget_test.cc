// The decode budget: its arithmetic, and the claimed counts and chunk decodes it refuses.
#include "parquet/decode_budget.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>

#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "parquet/thrift_internal.h"

namespace lakeshare::parquet {
namespace {

TEST(DecodeBudgetTest, TakesWhatFitsAndRefusesWhatDoesNotWithoutTakingIt) {
  DecodeBudget budget(100);
  EXPECT_TRUE(budget.Take(10, 8));  // 80 taken, 20 left
  EXPECT_FALSE(budget.Take(3, 8));  // 24 do not fit, nothing taken
  EXPECT_TRUE(budget.Take(10, 2));  // exactly the 20 left
  EXPECT_FALSE(budget.Take(1, 1));
  EXPECT_TRUE(budget.Take(0, 16));
  EXPECT_TRUE(budget.Take(1u << 30, 0));
  EXPECT_EQ(budget.limit(), 100);
}

TEST(DecodeBudgetTest, ProductsPastTheLimitDoNotWrap) {
  DecodeBudget budget(std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(budget.Take(uint64_t{1} << 62, 16));  // 2^66 would wrap to 0
  EXPECT_TRUE(budget.Take(uint64_t{1} << 59, 8));
}

TEST(DecodeBudgetTest, LimitsGrowWithTheFileAndSaturate) {
  EXPECT_EQ(DecodeLimits::ForFileSize(0).max_chunk_bytes, DecodeLimits::kFloorBytes);
  EXPECT_EQ(DecodeLimits::ForFileSize(-5).max_chunk_bytes, DecodeLimits::kFloorBytes);
  EXPECT_EQ(DecodeLimits::ForFileSize(1000).max_chunk_bytes,
            DecodeLimits::kFloorBytes + 1000 * DecodeLimits::kBytesPerFileByte);
  EXPECT_EQ(DecodeLimits::ForFileSize(std::numeric_limits<int64_t>::max()).max_chunk_bytes,
            std::numeric_limits<int64_t>::max());
  const ClaimBounds claims = DecodeLimits{1234}.Claims(99);
  EXPECT_EQ(claims.file_size, 99);
  EXPECT_EQ(claims.max_rows, 1234);
  EXPECT_EQ(claims.max_values_per_column, 1234);
}

// `row_groups` row groups of `rows` rows each of one optional INT64 column, all null or all set;
// uncompressed, so that the pages are read in place and only levels and values take memory.
std::string Int64File(int row_groups, int rows, bool nulls) {
  auto schema = WriterSchema::Make({Primitive("x", PhysicalType::kInt64)});
  EXPECT_TRUE(schema) << schema.error().message;
  std::string bytes;
  WriterOptions options;
  options.compression = Compression::kUncompressed;
  options.dictionary = false;
  auto w = FileWriter::Open(std::make_unique<StringSink>(&bytes), std::move(*schema), options);
  EXPECT_TRUE(w) << w.error().message;
  ColumnData column;
  column.leaf = 0;
  column.type = PhysicalType::kInt64;
  column.max_def = 1;
  column.num_entries = rows;
  column.def_levels.assign(static_cast<size_t>(rows), nulls ? 0 : 1);
  if (!nulls) column.i64.assign(static_cast<size_t>(rows), 7);
  for (int rg = 0; rg < row_groups; ++rg) EXPECT_TRUE((*w)->WriteRowGroup({column}));
  EXPECT_TRUE((*w)->Close());
  return bytes;
}

std::unique_ptr<FileReader> OpenWith(const std::string& bytes, int64_t max_chunk_bytes) {
  auto opened = FileReader::Open(
      std::shared_ptr<storage::RandomAccessFile>(storage::MakeBufferFile(bytes, "budget.parquet")),
      DecodeLimits{max_chunk_bytes});
  EXPECT_TRUE(opened) << opened.error().message;
  return opened ? std::move(*opened) : nullptr;
}

TEST(DecodeBudgetTest, RowsClaimedByAllRowGroupsCountTogether) {
  // 10 row groups of 1,000 null rows: each alone within 5,000, together 10,000.
  const std::string bytes = Int64File(10, 1000, /*nulls=*/true);
  auto reader = OpenWith(bytes, 5000);
  ASSERT_TRUE(reader);
  auto column = reader->ReadColumn(0, 0);
  ASSERT_FALSE(column);
  EXPECT_EQ(column.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(column.error().message.find("row group 5 claims 1000 rows (6000 in all), more than a "
                                        "file of " +
                                        std::to_string(bytes.size()) + " bytes holds"),
            std::string::npos)
      << column.error().message;
  EXPECT_NE(column.error().message.find("'budget.parquet'"), std::string::npos);
  EXPECT_EQ(reader->num_rows(), 10000);  // the footer is still shown
  EXPECT_TRUE(OpenWith(bytes, 10000)->ReadColumn(9, 0));
}

TEST(DecodeBudgetTest, AChunkWhoseDecodeTakesMoreThanTheLimitIsCorrupt) {
  // 1,000 set INT64 values: 2,000 bytes of definition levels and 8,000 of values.
  const std::string bytes = Int64File(1, 1000, /*nulls=*/false);
  auto column = OpenWith(bytes, 9000)->ReadColumn(0, 0);
  ASSERT_FALSE(column);
  EXPECT_EQ(column.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(column.error().message.find(
                "decoding the column chunk takes more than 9000 bytes, the limit for this file"),
            std::string::npos)
      << column.error().message;
  auto read = OpenWith(bytes, 10000)->ReadColumn(0, 0);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->i64.size(), 1000u);
}

// Each column adds a chunk's limit for a few footer bytes, and a caller such as the materializer
// holds every column of a row group at once: 8 all-null columns of 30,000,000 rows each fit a
// chunk's limit and took 800 MB from a 400 KB file. The chunks of one reader count together.
TEST(DecodeBudgetTest, TheChunksOfOneFileCountTogether) {
  constexpr int kColumns = 8;
  std::vector<WriterField> fields;
  for (int i = 0; i < kColumns; ++i) {
    fields.push_back(Primitive("c" + std::to_string(i), PhysicalType::kInt64));
  }
  auto schema = WriterSchema::Make(std::move(fields));
  ASSERT_TRUE(schema) << schema.error().message;
  std::string bytes;
  WriterOptions options;
  options.compression = Compression::kUncompressed;
  auto w = FileWriter::Open(std::make_unique<StringSink>(&bytes), std::move(*schema), options);
  ASSERT_TRUE(w) << w.error().message;
  std::vector<ColumnData> columns(kColumns);
  for (int i = 0; i < kColumns; ++i) {
    columns[i].leaf = i;
    columns[i].type = PhysicalType::kInt64;
    columns[i].max_def = 1;
    columns[i].num_entries = 1000;
    columns[i].def_levels.assign(1000, 0);  // 2,000 bytes of levels each
  }
  ASSERT_TRUE((*w)->WriteRowGroup(columns));
  ASSERT_TRUE((*w)->Close());
  auto open = [&](DecodeLimits limits) {
    auto opened = FileReader::Open(std::shared_ptr<storage::RandomAccessFile>(
                                       storage::MakeBufferFile(bytes, "columns.parquet")),
                                   limits);
    EXPECT_TRUE(opened) << opened.error().message;
    return std::move(*opened);
  };
  // Each chunk fits 10,000 bytes; the file's 8 chunks take 16,000 bytes together.
  auto whole = open(DecodeLimits{10000, 16000});
  for (int i = 0; i < kColumns; ++i) {
    auto column = whole->ReadColumn(0, i);
    ASSERT_TRUE(column) << i << ": " << column.error().message;
  }
  auto cut = open(DecodeLimits{10000, 7000});
  int read = 0;
  Status failed = OkStatus();
  for (int i = 0; i < kColumns && failed; ++i) {
    auto column = cut->ReadColumn(0, i);
    if (column) {
      ++read;
    } else {
      failed = tl::unexpected<Error>(column.error());
    }
  }
  EXPECT_EQ(read, 3);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(failed.error().message.find("takes more than 7000 bytes together, the limit for this "
                                        "file"),
            std::string::npos)
      << failed.error().message;
  EXPECT_EQ(DecodeLimits::ForFileSize(1000).max_file_bytes,
            DecodeLimits::kFileFloorBytes + 1000 * DecodeLimits::kBytesPerFileByte);
}

TEST(DecodeBudgetTest, DecompressedPagesCountToo) {
  auto schema =
      WriterSchema::Make({Primitive("x", PhysicalType::kInt64, {}, Repetition::kRequired)});
  ASSERT_TRUE(schema);
  std::string bytes;
  WriterOptions options;
  options.compression = Compression::kZstd;
  options.dictionary = false;
  auto w = FileWriter::Open(std::make_unique<StringSink>(&bytes), std::move(*schema), options);
  ASSERT_TRUE(w);
  ColumnData column;
  column.type = PhysicalType::kInt64;
  column.num_entries = 1000;
  column.i64.assign(1000, 7);
  ASSERT_TRUE((*w)->WriteRowGroup({column}));
  ASSERT_TRUE((*w)->Close());
  // 8,000 bytes of values, and the 8,000-byte page they were decoded from.
  EXPECT_FALSE(OpenWith(bytes, 15999)->ReadColumn(0, 0));
  EXPECT_TRUE(OpenWith(bytes, 16000)->ReadColumn(0, 0));
}

// `bytes` with its footer decoded, changed by `edit` and encoded again.
std::string WithFooter(const std::string& bytes,
                       const std::function<void(format::FileMetaData&)>& edit) {
  uint32_t len;
  std::memcpy(&len, bytes.data() + bytes.size() - 8, 4);
  const size_t start = bytes.size() - 8 - len;
  format::FileMetaData md;
  EXPECT_TRUE(DeserializeThrift(reinterpret_cast<const uint8_t*>(bytes.data() + start), &len, &md,
                                "footer"));
  edit(md);
  std::string footer;
  EXPECT_TRUE(SerializeThrift(md, &footer));
  std::string out = bytes.substr(0, start) + footer;
  const uint32_t new_len = static_cast<uint32_t>(footer.size());
  out.append(reinterpret_cast<const char*>(&new_len), 4);
  return out + "PAR1";
}

TEST(DecodeBudgetTest, ClaimsNearTheLargestInt64DoNotWrapTheTotals) {
  // Added to the rows or values before them, a claim of 2^63 - 1 wrapped the total to a negative
  // number, which passed the check (and a checkpoint's too): the claims of every later row group
  // were then unchecked.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const std::string bytes = Int64File(2, 10, /*nulls=*/true);
  const std::string rows =
      WithFooter(bytes, [](format::FileMetaData& md) { md.row_groups[1].num_rows = kMax; });
  auto column = OpenWith(rows, 1000)->ReadColumn(0, 0);
  ASSERT_FALSE(column);
  EXPECT_NE(column.error().message.find("row group 1 claims 9223372036854775807 rows"),
            std::string::npos)
      << column.error().message;
  const std::string values = WithFooter(bytes, [](format::FileMetaData& md) {
    md.row_groups[1].columns[0].meta_data.num_values = kMax;
  });
  column = OpenWith(values, 1000)->ReadColumn(0, 0);
  ASSERT_FALSE(column);
  EXPECT_NE(column.error().message.find("row group 1 claims 9223372036854775807 values"),
            std::string::npos)
      << column.error().message;
}

}  // namespace
}  // namespace lakeshare::parquet
