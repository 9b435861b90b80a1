#include "delta/table_features.h"

#include <gtest/gtest.h>

#include "common/result_testing.h"
#include "delta/delta_test_util.h"

namespace lakeshare::delta {
namespace {

using namespace testing;  // the table builders of delta/delta_test_util.h

Protocol V3(const std::vector<std::string>& reader_features) {
  return MakeProtocol(3, 7, reader_features, reader_features);
}

Metadata WithConfig(StringMap configuration) {
  Metadata m;
  m.configuration = std::move(configuration);
  return m;
}

ParquetServing Serving(const Protocol& p, const Metadata& m, bool has_dvs = false) {
  return CheckParquetServing(ComputeTableFeatures(p, m), has_dvs);
}

// Feature by feature: the need each known reader feature has in the parquet response format.
TEST(TableFeaturesTest, LogOnlyFeaturesNeedNothingFromAParquetReader) {
  for (const char* f : {"v2Checkpoint", "vacuumProtocolCheck"}) {
    EXPECT_EQ(ParquetNeedOf(f), ParquetNeed::kNothing) << f;
    EXPECT_TRUE(Serving(V3({f}), Metadata()).as_is()) << f;
  }
}

TEST(TableFeaturesTest, DataTypeFeaturesAreServedAsTheyAre) {
  for (const char* f : {"timestampNtz", "typeWidening", "typeWidening-preview", "variantType",
                        "variantType-preview", "variantShredding-preview", "geospatial"}) {
    EXPECT_EQ(ParquetNeedOf(f), ParquetNeed::kDataType) << f;
    EXPECT_TRUE(Serving(V3({f}), Metadata()).as_is()) << f;
  }
}

TEST(TableFeaturesTest, WriterOnlyFeaturesListedAsReaderFeaturesNeedNothing) {
  for (const char* f : {"appendOnly", "invariants", "checkConstraints", "generatedColumns",
                        "allowColumnDefaults", "changeDataFeed", "identityColumns", "rowTracking",
                        "domainMetadata", "icebergCompatV1", "icebergCompatV2", "clustering",
                        "inCommitTimestamp"}) {
    EXPECT_EQ(ParquetNeedOf(f), ParquetNeed::kNothing) << f;
    EXPECT_TRUE(IsSupportedReaderFeature(f)) << f;
  }
}

TEST(TableFeaturesTest, ColumnMappingNeedsARewriteOnlyWhenItsModeIsActive) {
  EXPECT_EQ(ParquetNeedOf("columnMapping"), ParquetNeed::kRewrite);
  // Supported but mode none (or absent): the files carry the display names.
  EXPECT_TRUE(Serving(V3({"columnMapping"}), Metadata()).as_is());
  EXPECT_TRUE(
      Serving(V3({"columnMapping"}), WithConfig({{"delta.columnMapping.mode", "none"}})).as_is());
  for (const char* mode : {"name", "id", "NAME"}) {
    auto s = Serving(V3({"columnMapping"}), WithConfig({{"delta.columnMapping.mode", mode}}));
    EXPECT_FALSE(s.as_is()) << mode;
    EXPECT_EQ(s.rewrite, std::vector<std::string>{"columnMapping"});
  }
  // Reader version 2 implies column mapping (*Reader Version Requirements*).
  Protocol v2;
  v2.min_reader_version = 2;
  v2.min_writer_version = 5;
  EXPECT_FALSE(Serving(v2, WithConfig({{"delta.columnMapping.mode", "name"}})).as_is());
  EXPECT_TRUE(Serving(v2, Metadata()).as_is());
  // The property is not honoured without the feature (*Column Mapping*).
  Protocol v1;
  EXPECT_TRUE(Serving(v1, WithConfig({{"delta.columnMapping.mode", "name"}})).as_is());
}

TEST(TableFeaturesTest, DeletionVectorsNeedARewriteOnlyWhenAFileCarriesOne) {
  EXPECT_EQ(ParquetNeedOf("deletionVectors"), ParquetNeed::kRewrite);
  // The property alone changes nothing in the files: no file has a DV yet.
  auto enabled = WithConfig({{"delta.enableDeletionVectors", "true"}});
  EXPECT_TRUE(Serving(V3({"deletionVectors"}), enabled, false).as_is());
  auto s = Serving(V3({"deletionVectors"}), Metadata(), true);
  EXPECT_FALSE(s.as_is());
  EXPECT_EQ(s.rewrite, std::vector<std::string>{"deletionVectors"});
}

TEST(TableFeaturesTest, UnknownFeaturesAndReaderVersionsAreNeverServedInParquet) {
  EXPECT_EQ(ParquetNeedOf("someFutureFeature"), ParquetNeed::kUnknown);
  EXPECT_EQ(ParquetNeedOf("catalogManaged"), ParquetNeed::kUnknown);
  auto s = Serving(V3({"v2Checkpoint", "someFutureFeature"}), Metadata());
  EXPECT_FALSE(s.as_is());
  EXPECT_EQ(s.unknown, std::vector<std::string>{"someFutureFeature"});
  Protocol v4;
  v4.min_reader_version = 4;
  EXPECT_FALSE(Serving(v4, Metadata()).as_is());
  // Names are exact, as in the log.
  EXPECT_EQ(ParquetNeedOf("V2CHECKPOINT"), ParquetNeed::kUnknown);
}

TEST(TableFeaturesTest, SeveralFeaturesCombine) {
  auto s = Serving(V3({"timestampNtz", "v2Checkpoint", "deletionVectors", "columnMapping"}),
                   WithConfig({{"delta.columnMapping.mode", "id"}}), true);
  EXPECT_EQ(s.rewrite, (std::vector<std::string>{"deletionVectors", "columnMapping"}));
  EXPECT_TRUE(s.unknown.empty());
}

TEST(TableFeaturesTest, HasDeletionVectorsLooksAtTheActiveFiles) {
  TestTable t;
  t.Commit(0, {ProtocolLine(3, 7, std::vector<std::string>{"deletionVectors"},
                            std::vector<std::string>{"deletionVectors"}),
               MetadataLine(SchemaString({{"a", "long"}})), AddLine("a.parquet"),
               AddLine("b.parquet")});
  auto s0 = t.Load();
  ASSERT_TRUE(s0) << s0.error().message;
  EXPECT_FALSE(HasDeletionVectors((*s0)->files()));
  EXPECT_FALSE((*s0)->HasDeletionVectors());
  EXPECT_FALSE((*s0)->HasDeletionVectors());  // the remembered answer
  t.Commit(1, {testing::RemoveLine("b.parquet"),
               AddLine("b.parquet", {}, 100, "", Dv("ab^-aqEH.-t@S}K{vb[*k^", 2))});
  auto s1 = t.Load();
  ASSERT_TRUE(s1) << s1.error().message;
  EXPECT_TRUE(HasDeletionVectors((*s1)->files()));
  EXPECT_TRUE((*s1)->HasDeletionVectors());
  EXPECT_TRUE((*s1)->HasDeletionVectors());
}

// A feature list that is present but no array of names (a string, an object, a number inside)
// used to be read as absent, or without its odd elements: the reader-feature check was skipped
// and a table with features the server does not support was served. It is corrupt now; an
// absent or null list still loads.
TEST(TableFeaturesTest, AMistypedFeatureListIsCorruptNotSkipped) {
  const std::string metadata = MetadataLine(SchemaString({{"a", "long"}}));
  for (const char* features :
       {R"("readerFeatures":"catalogManaged","writerFeatures":["catalogManaged"])",
        R"("readerFeatures":["deletionVectors",{"name":"catalogManaged"}],"writerFeatures":[])",
        R"("readerFeatures":[],"writerFeatures":{"a":1})", R"("readerFeatures":[7])"}) {
    TestTable t;
    t.Commit(0, {std::string(R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,)") +
                     features + "}}",
                 metadata});
    EXPECT_TRUE(FailsWith(t.Load(), ErrorCode::kCorrupt, "is not an array of feature names"))
        << features;
  }
  for (const char* features : {R"("readerFeatures":null,"writerFeatures":null)", ""}) {
    TestTable t;
    t.Commit(0, {std::string(R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2)") +
                     (*features != 0 ? std::string(",") + features : std::string()) + "}}",
                 metadata});
    auto loaded = t.Load();
    EXPECT_TRUE(loaded) << features << ": " << loaded.error().ToString();
  }
}

}  // namespace
}  // namespace lakeshare::delta
