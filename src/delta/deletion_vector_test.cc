#include "delta/deletion_vector.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "common/result_testing.h"
#include "common/strings.h"
#include "delta/delta_test_util.h"
#include "delta/snapshot.h"
#include "storage/local_object_store.h"
#include "storage/memory_object_store.h"

namespace lakeshare::delta {
namespace {

std::string Uuid16(uint8_t fill) { return std::string(16, static_cast<char>(fill)); }

// Delta protocol, *Deletion Vector Descriptor Schema*, "JSON Example 3 — Inline": "The row
// indexes encoded in this DV are: 3, 4, 7, 11, 18, 29."
TEST(DeletionVectorTest, ReadsTheProtocolsInlineExample) {
  DeletionVectorDescriptor d;
  d.storage_type = 'i';
  d.path_or_inline_dv = "wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L";
  d.size_in_bytes = 40;
  d.cardinality = 6;
  storage::MemoryObjectStore store;
  auto dv = LoadDeletionVector(store, d);
  ASSERT_TRUE(dv) << dv.error().message;
  EXPECT_EQ(dv->Rows(), (std::vector<uint64_t>{3, 4, 7, 11, 18, 29}));
  EXPECT_TRUE(dv->Contains(18));
  EXPECT_FALSE(dv->Contains(19));
  // ForEachRange merges adjacent rows and clips to the range.
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  dv->ForEachRange(4, 19, [&](uint64_t a, uint64_t b) { ranges.emplace_back(a, b); });
  EXPECT_EQ(ranges,
            (std::vector<std::pair<uint64_t, uint64_t>>{{4, 4}, {7, 7}, {11, 11}, {18, 18}}));
  std::vector<uint8_t> keep(10, 1);
  dv->ClearDeleted(2, &keep);  // rows 2..11
  EXPECT_EQ(keep, (std::vector<uint8_t>{1, 0, 0, 1, 1, 0, 1, 1, 1, 0}));
}

TEST(DeletionVectorTest, RoundTripsArrayRunAndBitmapContainersAcrossBuckets) {
  std::vector<uint64_t> rows = {0, 5, 65535, 65536};  // array containers in two 16-bit keys
  for (uint64_t r = 200000; r < 210000; ++r) rows.push_back(r);  // runs
  std::mt19937_64 gen(7);
  for (int i = 0; i < 9000; ++i) rows.push_back(5 * 65536 + gen() % 65536);  // a bitmap
  rows.push_back((uint64_t{1} << 32) + 17);  // a second 32-bit bucket
  rows.push_back((uint64_t{3} << 40) + 1);
  DeletionVector built = DeletionVector::FromRows(rows);
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  EXPECT_EQ(built.cardinality(), rows.size());
  const std::string bytes = built.Serialize();
  auto parsed = DeletionVector::Parse(bytes);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->Rows(), rows);
  EXPECT_EQ(parsed->Serialize(), bytes);
  for (uint64_t r : {uint64_t{0}, uint64_t{6}, uint64_t{205000}, (uint64_t{1} << 32) + 17,
                     (uint64_t{1} << 32) + 18}) {
    EXPECT_EQ(parsed->Contains(r), std::binary_search(rows.begin(), rows.end(), r)) << r;
  }
  // A run container keeps ten thousand rows in a few bytes.
  EXPECT_LT(bytes.size(), 20000u);
}

TEST(DeletionVectorTest, AnEmptyVectorRoundTrips) {
  auto parsed = DeletionVector::Parse(DeletionVector::FromRows({}).Serialize());
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->empty());
}

// Every prefix of a valid vector is refused, as are lies about counts and order.
TEST(DeletionVectorTest, RefusesTruncatedAndLyingBytes) {
  const std::string good = DeletionVector::FromRows({1, 2, 3, 70000, 70001, 1u << 20}).Serialize();
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DeletionVector::Parse(good.substr(0, n))) << n;
  }
  EXPECT_FALSE(DeletionVector::Parse(good + "x"));  // trailing bytes
  std::string magic = good;
  magic[0] ^= 1;
  EXPECT_FALSE(DeletionVector::Parse(magic));
  std::string buckets = good;
  buckets[11] = '\x7f';  // 2^63-ish buckets: refused before any allocation
  EXPECT_FALSE(DeletionVector::Parse(buckets));
  std::string msb = DeletionVector::FromRows({uint64_t{0x80000000} << 32}).Serialize();
  EXPECT_FALSE(DeletionVector::Parse(msb));  // "every key ... has a 0 as its most significant bit"
  // A run claiming to leave its container.
  std::string run = DeletionVector::FromRows({10, 11, 12, 13, 14, 15, 16}).Serialize();
  auto ok = DeletionVector::Parse(run);
  ASSERT_TRUE(ok);
  run[run.size() - 1] = '\xff';
  run[run.size() - 2] = '\xff';  // length - 1 = 65535 from start 10
  EXPECT_FALSE(DeletionVector::Parse(run));
}

TEST(DeletionVectorTest, ArrayValuesAndKeysMustAscend) {
  std::string bytes = DeletionVector::FromRows({1, 9}).Serialize();
  // The two array values are the last four bytes: swap them.
  std::swap(bytes[bytes.size() - 4], bytes[bytes.size() - 2]);
  EXPECT_TRUE(FailsWith(DeletionVector::Parse(bytes), ErrorCode::kCorrupt));
}

class DeletionVectorFileTest : public ::testing::Test {
 protected:
  DeletionVectorDescriptor OnDisk(const std::string& bitmap, int64_t cardinality,
                                  const std::string& prefix = "ab") {
    std::string file;
    AppendDeletionVectorToFile("ignored-first-dv", &file);
    const int32_t offset = AppendDeletionVectorToFile(bitmap, &file);
    DeletionVectorDescriptor d;
    d.storage_type = 'u';
    d.path_or_inline_dv = prefix + EncodeZ85(Uuid16(0x42));
    d.offset = offset;
    d.size_in_bytes = static_cast<int32_t>(bitmap.size());
    d.cardinality = cardinality;
    auto path = d.RelativePath();
    EXPECT_TRUE(path) << path.error().message;
    file_path_ = *path;
    EXPECT_TRUE(store_.Put(file_path_, file));
    return d;
  }
  storage::MemoryObjectStore store_;
  std::string file_path_;
};

TEST_F(DeletionVectorFileTest, ReadsARelativeDvWithARandomPrefixAtItsOffset) {
  const std::string bitmap = DeletionVector::FromRows({2, 4, 8}).Serialize();
  auto d = OnDisk(bitmap, 3);
  EXPECT_EQ(file_path_, "ab/deletion_vector_42424242-4242-4242-4242-424242424242.bin");
  auto dv = LoadDeletionVector(store_, d);
  ASSERT_TRUE(dv) << dv.error().message;
  EXPECT_EQ(dv->Rows(), (std::vector<uint64_t>{2, 4, 8}));
  // Without a prefix the file sits at the table root.
  auto d2 = OnDisk(bitmap, 3, "");
  EXPECT_EQ(file_path_, "deletion_vector_42424242-4242-4242-4242-424242424242.bin");
  EXPECT_TRUE(LoadDeletionVector(store_, d2));
}

TEST_F(DeletionVectorFileTest, ChecksSizeChecksumAndCardinality) {
  const std::string bitmap = DeletionVector::FromRows({2, 4, 8}).Serialize();
  auto d = OnDisk(bitmap, 3);
  auto wrong_card = d;
  wrong_card.cardinality = 4;
  EXPECT_EQ(LoadDeletionVector(store_, wrong_card).error().code, ErrorCode::kCorrupt);
  auto wrong_size = d;
  wrong_size.size_in_bytes -= 1;
  EXPECT_EQ(LoadDeletionVector(store_, wrong_size).error().code, ErrorCode::kCorrupt);
  auto huge = d;
  huge.size_in_bytes = INT32_MAX;
  EXPECT_EQ(LoadDeletionVector(store_, huge).error().code, ErrorCode::kCorrupt);
  auto negative = d;
  negative.offset = -5;
  EXPECT_FALSE(LoadDeletionVector(store_, negative));
  // Flip one bit of the bitmap in the file: the CRC no longer matches.
  std::string file = *store_.Read(file_path_);
  file[static_cast<size_t>(*d.offset) + 4 + 6] ^= 0x10;
  ASSERT_TRUE(store_.Put(file_path_, file));
  auto bad = LoadDeletionVector(store_, d);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("checksum"), std::string::npos) << bad.error().message;
  // A missing file is not found, not corrupt.
  ASSERT_TRUE(store_.Delete(file_path_));
  EXPECT_EQ(LoadDeletionVector(store_, d).error().code, ErrorCode::kNotFound);
}

TEST_F(DeletionVectorFileTest, InlineVectorsAreZ85OfTheirBytes) {
  const std::string bitmap = DeletionVector::FromRows({0, 1, 2, 100}).Serialize();
  DeletionVectorDescriptor d;
  d.storage_type = 'i';
  d.path_or_inline_dv = EncodeZ85(bitmap);
  d.size_in_bytes = static_cast<int32_t>(bitmap.size());
  d.cardinality = 4;
  auto dv = LoadDeletionVector(store_, d);
  ASSERT_TRUE(dv) << dv.error().message;
  EXPECT_EQ(dv->cardinality(), 4u);
  d.path_or_inline_dv = "not z85!";
  EXPECT_FALSE(LoadDeletionVector(store_, d));
  d.storage_type = 'x';
  EXPECT_FALSE(LoadDeletionVector(store_, d));
}

// Delta protocol, *Deletion Vector Descriptor Schema*: storageType, pathOrInlineDv, sizeInBytes
// and cardinality are required, offset is optional. A required field that is absent or null used
// to read as a default in a JSON commit (sizeInBytes 0, storageType 'u'), and a checkpoint's add
// without storageType or pathOrInlineDv as a file without a deletion vector (its deleted rows
// served again).
class DeletionVectorDescriptorTest : public ::testing::Test {
 protected:
  static constexpr const char* kMembers[] = {
      R"("storageType":"u")", R"("pathOrInlineDv":"ab^-aqEH.-t@S}K{vb[*k^")", R"("offset":1)",
      R"("sizeInBytes":36)", R"("cardinality":2)"};
  static constexpr const char* kFields[] = {"storageType", "pathOrInlineDv", "offset",
                                            "sizeInBytes", "cardinality"};

  // The descriptor's members with member `field` left out, or null when `as_null`.
  static std::string Members(size_t field, bool as_null) {
    std::vector<std::string> members;
    for (size_t i = 0; i < std::size(kMembers); ++i) {
      if (i != field) {
        members.emplace_back(kMembers[i]);
      } else if (as_null) {
        members.push_back(fmt::format(R"("{}":null)", kFields[i]));
      }
    }
    return "{" + Join(members, ",") + "}";
  }
  static std::vector<std::string> Head() {
    const std::vector<std::string> features = {"deletionVectors"};
    return {testing::ProtocolLine(3, 7, features, features),
            testing::MetadataLine(testing::SchemaString({{"id", "long"}}))};
  }
  static std::string Add(const std::string& dv) {
    return R"({"add":{"path":"a","partitionValues":{},"size":100,"modificationTime":1,)"
           R"("dataChange":true,"deletionVector":)" +
           dv + "}}";
  }
  static Result<std::shared_ptr<const Snapshot>> LoadCommit(const std::string& line) {
    testing::TestTable t;
    std::vector<std::string> lines = Head();
    lines.push_back(line);
    t.Commit(0, lines);
    return t.Load();
  }
  static Result<std::shared_ptr<const Snapshot>> LoadCheckpoint(const std::string& line) {
    testing::TestTable t;
    std::vector<std::string> lines = Head();
    lines.push_back(line);
    t.WriteParquetCheckpoint("_delta_log/00000000000000000000.checkpoint.parquet", lines);
    return t.Load();
  }
};

TEST_F(DeletionVectorDescriptorTest, ARequiredFieldAbsentOrNullIsCorruptNamingIt) {
  for (size_t field = 0; field < std::size(kFields); ++field) {
    for (bool as_null : {false, true}) {
      const std::string dv = Members(field, as_null);
      const std::string remove = R"({"remove":{"path":"a","deletionTimestamp":5,)"
                                 R"("dataChange":true,"deletionVector":)" +
                                 dv + "}}";
      if (std::string_view(kFields[field]) == "offset") {
        for (const std::string& line : {Add(dv), remove}) {
          auto ok = LoadCommit(line);
          EXPECT_TRUE(ok) << line << ": " << ok.error().message;
        }
        auto ok = LoadCheckpoint(Add(dv));
        ASSERT_TRUE(ok) << dv << ": " << ok.error().message;
        EXPECT_EQ(testing::TestTable::Keys(**ok),
                  (std::vector<std::string>{"a#uab^-aqEH.-t@S}K{vb[*k^"}));
        continue;
      }
      const std::string json_error = fmt::format("deletionVector without {}", kFields[field]);
      EXPECT_TRUE(FailsWith(LoadCommit(Add(dv)), ErrorCode::kCorrupt, json_error)) << dv;
      EXPECT_TRUE(FailsWith(LoadCommit(remove), ErrorCode::kCorrupt, json_error)) << dv;
      EXPECT_TRUE(FailsWith(LoadCheckpoint(Add(dv)), ErrorCode::kCorrupt,
                            fmt::format("deletion vector of 'a' has no {}", kFields[field])))
          << dv;
    }
  }
}

TEST(DeletionVectorDescriptorFieldsTest, MissingFieldNamesTheFirstRequiredFieldNotFound) {
  using D = DeletionVectorDescriptor;
  EXPECT_EQ(D::MissingField({.storage_type = true,
                             .path_or_inline_dv = true,
                             .size_in_bytes = true,
                             .cardinality = true}),
            "");
  EXPECT_EQ(D::MissingField({}), "storageType");
  EXPECT_EQ(D::MissingField({.storage_type = true, .size_in_bytes = true, .cardinality = true}),
            "pathOrInlineDv");
  EXPECT_EQ(D::MissingField({.storage_type = true, .path_or_inline_dv = true}), "sizeInBytes");
  EXPECT_EQ(D::MissingField(
                {.storage_type = true, .path_or_inline_dv = true, .size_in_bytes = true}),
            "cardinality");
}

TEST_F(DeletionVectorDescriptorTest, AnAddWithoutADescriptorHasNone) {
  for (const std::string& line :
       {Add("null"), std::string(R"({"add":{"path":"a","size":1,"modificationTime":1,)"
                                 R"("dataChange":true}})")}) {
    auto json = LoadCommit(line);
    ASSERT_TRUE(json) << json.error().message;
    EXPECT_EQ(testing::TestTable::Keys(**json), (std::vector<std::string>{"a"}));
    auto checkpoint = LoadCheckpoint(line);
    ASSERT_TRUE(checkpoint) << checkpoint.error().message;
    EXPECT_EQ(testing::TestTable::Keys(**checkpoint), (std::vector<std::string>{"a"}));
  }
}

// A null deletionVector is no deletion vector; a present one with its required fields null is
// corrupt, also in a checkpoint row group where no add has a deletion vector, so that every
// deletion-vector leaf is null (the reader skips such chunks, but not the struct's presence).
TEST_F(DeletionVectorDescriptorTest, AStructWithEveryFieldNullIsCorruptWhereNoOtherAddHasOne) {
  const std::string every_field_null =
      R"({"storageType":null,"pathOrInlineDv":null,"offset":null,"sizeInBytes":null,)"
      R"("cardinality":null})";
  const std::string other_add = R"({"add":{"path":"b","partitionValues":{},"size":100,)"
                                R"("modificationTime":1,"dataChange":true}})";
  for (const std::string& dv : {std::string("{}"), every_field_null}) {
    EXPECT_TRUE(FailsWith(LoadCommit(Add(dv)), ErrorCode::kCorrupt,
                          "deletionVector without storageType"))
        << dv;
    testing::TestTable t;
    std::vector<std::string> lines = Head();
    lines.push_back(other_add);
    lines.push_back(Add(dv));
    t.WriteParquetCheckpoint("_delta_log/00000000000000000000.checkpoint.parquet", lines);
    EXPECT_TRUE(
        FailsWith(t.Load(), ErrorCode::kCorrupt, "deletion vector of 'a' has no storageType"))
        << dv;
  }
}

TEST(DeletionVectorPathTest, AbsolutePathsMustLieBeneathTheTable) {
  auto dir = std::filesystem::temp_directory_path() / "ls_dv_path_test";
  std::filesystem::create_directories(dir);
  auto store = storage::LocalObjectStore::Open(dir.string());
  ASSERT_TRUE(store) << store.error().message;
  const std::string bitmap = DeletionVector::FromRows({5}).Serialize();
  std::string file;
  DeletionVectorDescriptor d;
  d.storage_type = 'p';
  d.offset = AppendDeletionVectorToFile(bitmap, &file);
  d.size_in_bytes = static_cast<int32_t>(bitmap.size());
  d.cardinality = 1;
  ASSERT_TRUE((*store)->Put("sub/dv.bin", file));
  d.path_or_inline_dv = (*store)->uri() + "/sub/dv.bin";
  auto dv = LoadDeletionVector(**store, d);
  ASSERT_TRUE(dv) << dv.error().message;
  EXPECT_TRUE(dv->Contains(5));
  d.path_or_inline_dv = "file:///elsewhere/dv.bin";
  EXPECT_EQ(LoadDeletionVector(**store, d).error().code, ErrorCode::kUnsupported);
  d.path_or_inline_dv = (*store)->uri() + "/../other/dv.bin";
  EXPECT_FALSE(LoadDeletionVector(**store, d));
}

// The corpus's deletion-vector tables (written by Spark and delta-rs): every vector of every
// snapshot file loads, and holds as many rows as its descriptor says.
TEST(DeletionVectorCorpusTest, EveryVectorOfTheCorpusLoads) {
  const std::filesystem::path corpus = LAKESHARE_CORPUS_DIR;
  if (!std::filesystem::is_directory(corpus)) {
    GTEST_SKIP() << "shared Delta corpus not found at " << corpus;
  }
  int loaded = 0;
  for (const char* name :
       {"table-with-dv-small", "table_with_deletion_logs", "cdf-table-with-cdc-and-dvs"}) {
    auto store = storage::LocalObjectStore::Open((corpus / "delta-rs" / name).string());
    ASSERT_TRUE(store) << name;
    auto snapshot = Snapshot::Load(std::shared_ptr<storage::ObjectStore>(std::move(*store)));
    ASSERT_TRUE(snapshot) << name << ": " << snapshot.error().message;
    (*snapshot)->files().ForEach([&](const AddFile& f) {
      if (f.deletion_vector) {
        auto dv = LoadDeletionVector(*(*snapshot)->store(), f.deletion_vector->descriptor);
        EXPECT_TRUE(dv) << name << ": " << dv.error().message;
        loaded += dv.has_value();
      }
      return true;
    });
  }
  EXPECT_GT(loaded, 0);
}

}  // namespace
}  // namespace lakeshare::delta
