#include "materialize/engine.h"

#include <gtest/gtest.h>

#include "delta/delta_test_util.h"
#include "materialize/materialize_test_util.h"

namespace lakeshare::materialize {
namespace {

using parquet::PhysicalType;

// The tables' columns (WriteFile's).
const std::string kSchema = delta::testing::SchemaString({{"id", "long"}, {"country", "string"}});

class EngineTest : public testing::MemoryTableTest {
 protected:
  // Rows first..first+n-1 of (id long, country string "DE").
  delta::FileAction WriteFile(const std::string& path, int first, int n) {
    std::vector<std::string> rows;
    for (int i = first; i < first + n; ++i) {
      rows.push_back(fmt::format(R"({{"id":{},"country":"DE"}})", i));
    }
    return WriteDataFile(
        path,
        {parquet::Primitive("id", PhysicalType::kInt64),
         parquet::Primitive("country", PhysicalType::kByteArray, parquet::StringType())},
        rows);
  }

  // Commit `version`: `file` replaced by itself with a deletion vector of `rows`.
  void DeleteRows(delta::Version version, const delta::FileAction& file, std::vector<uint64_t> rows,
                  const std::string& prefix) {
    delta::FileAction with_dv = file;
    auto dv =
        writer_->WriteDeletionVector(delta::DeletionVector::FromRows(std::move(rows)), prefix);
    EXPECT_TRUE(dv) << dv.error().message;
    if (dv) with_dv.deletion_vector = *dv;
    delta::FileAction removed = file;
    removed.type = delta::FileActionType::kRemove;
    EXPECT_TRUE(
        writer_->Commit(version, {delta::FileActionLine(removed), delta::FileActionLine(with_dv)}));
  }
};

TEST_F(EngineTest, RewritesOnlyFilesWithDeletionVectorsAndOnlyOnce) {
  const std::vector<std::string> dv = {"deletionVectors"};
  auto a = WriteFile("a.parquet", 0, 10);
  auto b = WriteFile("b.parquet", 10, 10);
  auto c = WriteFile("c.parquet", 20, 10);
  ASSERT_TRUE(writer_->Commit(
      0, {delta::testing::ProtocolLine(3, 7, dv, dv),
          delta::testing::MetadataLine(kSchema, {}, {}, "table-1"), delta::FileActionLine(a),
          delta::FileActionLine(b), delta::FileActionLine(c)}));
  DeleteRows(1, a, {0, 1, 2}, "zz");

  auto s1 = Load();
  ASSERT_TRUE(s1) << s1.error().message;
  MaterializeOptions options;
  options.cache = cache_;
  int64_t progress_calls = 0;
  options.progress = [&](int64_t, int64_t, const std::string&) { ++progress_calls; };
  auto first = MaterializeSnapshot(**s1, options);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->rewritten, 1);
  EXPECT_EQ(first->rows_read, 10);
  EXPECT_EQ(first->rows_written, 7);
  EXPECT_EQ(progress_calls, 1);
  int rewritten = 0;
  for (const auto& f : first->files) {
    if (f.source_path == "a.parquet") {
      EXPECT_TRUE(f.rewritten);
      EXPECT_TRUE(cache_->Stat(f.cache_path));
      EXPECT_NE(f.stats_json.find("\"numRecords\":7"), std::string::npos) << f.stats_json;
      ++rewritten;
    } else {
      EXPECT_FALSE(f.rewritten) << f.source_path;  // served as they are
    }
  }
  EXPECT_EQ(rewritten, 1);

  // Incremental: the same snapshot again rewrites nothing; a new DV on c rewrites only c.
  auto again = MaterializeSnapshot(**s1, options);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->rewritten, 0);
  EXPECT_EQ(again->reused, 1);
  DeleteRows(2, c, {9}, "yy");
  auto s2 = Load();
  ASSERT_TRUE(s2);
  auto third = MaterializeSnapshot(**s2, options);
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_EQ(third->rewritten, 1);
  EXPECT_EQ(third->reused, 1);
  EXPECT_EQ(third->rows_written, 9);
}

TEST_F(EngineTest, RecipientsOfTheSameResolvedFilterShareRewrittenFiles) {
  auto a = WriteFile("a.parquet", 0, 10);  // every row has country DE
  ASSERT_TRUE(writer_->Commit(
      0, {delta::testing::ProtocolLine(), delta::testing::MetadataLine(kSchema, {}, {}, "sales"),
          delta::FileActionLine(a)}));
  auto s = Load();
  ASSERT_TRUE(s);
  const char* filter =
      R"({"op":"equal","children":[{"op":"column","name":"country","valueType":"string"},)"
      R"({"op":"recipientProperty","name":"country","valueType":"string"}]})";
  auto de1 = RowFilter::Resolve(filter, {{"country", "DE"}, {"name", "acme"}});
  auto de2 = RowFilter::Resolve(filter, {{"country", "DE"}, {"name", "globex"}});
  auto fr = RowFilter::Resolve(filter, {{"country", "FR"}});
  ASSERT_TRUE(de1 && de2 && fr);
  MaterializeOptions options;
  options.cache = cache_;
  options.columns = {"id"};
  options.row_filter = &*de1;
  auto first = MaterializeSnapshot(**s, options);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->rewritten, 1);
  EXPECT_EQ(first->rows_written, 10);
  options.row_filter = &*de2;
  auto second = MaterializeSnapshot(**s, options);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->reused, 1);  // same resolved filter: the same cached file
  EXPECT_EQ(second->files[0].cache_path, first->files[0].cache_path);
  options.row_filter = &*fr;
  auto third = MaterializeSnapshot(**s, options);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->rewritten, 1);
  EXPECT_EQ(third->rows_written, 0);
  EXPECT_NE(third->files[0].cache_path, first->files[0].cache_path);
}

TEST_F(EngineTest, CacheKeysSeparateFilesVectorsAndTransforms) {
  const auto k = CachePath("t", "a.parquet", "u1", "x");
  EXPECT_EQ(k.size(), 2 + 1 + 64 + 8u);
  EXPECT_NE(k, CachePath("t", "a.parquet", "u2", "x"));
  EXPECT_NE(k, CachePath("t", "a.parquet", "u1", "y"));
  EXPECT_NE(k, CachePath("t2", "a.parquet", "u1", "x"));
  // Length prefixes: moving a character between parts changes the key.
  EXPECT_NE(CachePath("ab", "c", "", ""), CachePath("a", "bc", "", ""));
}

TEST_F(EngineTest, AMissingCacheIsRefused) {
  ASSERT_TRUE(writer_->Commit(
      0, {delta::testing::ProtocolLine(),
          delta::testing::MetadataLine(R"({"type":"struct","fields":[]})", {}, {}, "t")}));
  auto s = Load();
  ASSERT_TRUE(s);
  EXPECT_EQ(MaterializeSnapshot(**s, MaterializeOptions()).error().code,
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace lakeshare::materialize
