#include "materialize/stats_proof.h"

#include <gtest/gtest.h>

#include "materialize/row_filter.h"

namespace lakeshare::materialize {
namespace {

constexpr const char* kSchema =
    R"({"type":"struct","fields":[)"
    R"({"name":"id","type":"long","nullable":true,"metadata":{}},)"
    R"({"name":"country","type":"string","nullable":true,"metadata":{}},)"
    R"({"name":"amount","type":"double","nullable":true,"metadata":{}},)"
    R"({"name":"vip","type":"boolean","nullable":true,"metadata":{}},)"
    R"({"name":"region","type":"string","nullable":true,"metadata":{}}]})";

constexpr const char* kByCountry =
    R"({"op":"equal","children":[{"op":"column","name":"country","valueType":"string"},)"
    R"({"op":"recipientProperty","name":"country","valueType":"string"}]})";

// Statistics of a file of 5 records whose countries lie between `min` and `max`, `nulls` of them
// null (no nullCount when unset).
std::string CountryStats(const std::string& min, const std::string& max, std::optional<int> nulls) {
  std::string stats = fmt::format(R"({{"numRecords":5,"minValues":{{"country":"{}"}},)"
                                  R"("maxValues":{{"country":"{}"}})",
                                  min, max);
  if (nulls) stats += fmt::format(R"(,"nullCount":{{"country":{}}})", *nulls);
  return stats + "}";
}

class StatsProofTest : public ::testing::Test {
 protected:
  StatsProofTest() {
    metadata_.id = "t";
    metadata_.schema_string = kSchema;
    metadata_.partition_columns = {"region"};
  }

  std::unique_ptr<StatsProof> Proof(const std::string& filter,
                                    const std::map<std::string, std::string>& properties = {
                                        {"country", "DE"}},
                                    Transform transform = {}) {
    auto resolved = RowFilter::Resolve(filter, properties);
    EXPECT_TRUE(resolved) << resolved.error().message;
    transform.schema_string = kSchema;
    transform.row_filter = std::make_shared<const RowFilter>(std::move(*resolved));
    return StatsProof::For(transform, metadata_, features_);
  }

  static delta::FileAction File(std::optional<std::string> stats, std::string region = "eu") {
    delta::FileAction a;
    a.path = "part-0.parquet";
    a.size = 100;
    a.stats = std::move(stats);
    a.partition_values.emplace_back("region", std::move(region));
    return a;
  }

  // A file of the snapshot in partition region=eu; `stats` must outlive it.
  delta::AddFile SnapshotFile(const std::string& stats) const {
    delta::AddFile f;
    f.partition_values = &eu_;
    f.stats_data = stats.data();
    f.stats_size = static_cast<uint32_t>(stats.size());
    f.has_stats = true;
    return f;
  }

  delta::Metadata metadata_;
  delta::TableFeatures features_;
  const delta::PartitionValues eu_{{{"region", std::optional<std::string>("eu")}}};
};

TEST_F(StatsProofTest, AFileWhoseStatisticsProveTheFilterIsServedAsItIs) {
  auto proof = Proof(kByCountry);
  ASSERT_NE(proof, nullptr);
  EXPECT_TRUE(proof->Proves(File(CountryStats("DE", "DE", 0))));
  // Mixed countries: false is possible.
  EXPECT_FALSE(proof->Proves(File(CountryStats("DE", "FR", 0))));
  // No row of the recipient (pruned by nobody here: the rewrite finds no row): not as it is.
  EXPECT_FALSE(proof->Proves(File(CountryStats("FR", "FR", 0))));
}

TEST_F(StatsProofTest, NullsAndMissingStatisticsAreRewritten) {
  auto proof = Proof(kByCountry);
  ASSERT_NE(proof, nullptr);
  // A null country compares unknown: that row does not pass.
  EXPECT_FALSE(proof->Proves(File(CountryStats("DE", "DE", 2))));
  // No nullCount: nulls may be there.
  EXPECT_FALSE(proof->Proves(File(CountryStats("DE", "DE", std::nullopt))));
  // Partial statistics (another column only), none at all, malformed, empty.
  EXPECT_FALSE(proof->Proves(File(
      R"({"numRecords":5,"minValues":{"id":1},"maxValues":{"id":5},"nullCount":{"id":0}})")));
  EXPECT_FALSE(proof->Proves(File(std::nullopt)));
  EXPECT_FALSE(proof->Proves(File("{not json")));
  EXPECT_FALSE(proof->Proves(File("")));
  // A max cut at the prefix length proves nothing.
  const std::string long_value(40, 'D');
  auto long_proof = Proof(kByCountry, {{"country", long_value}});
  ASSERT_NE(long_proof, nullptr);
  EXPECT_FALSE(long_proof->Proves(File(CountryStats(long_value, long_value, 0))));
  // A deletion vector: the compatibility transform rewrites the file anyway.
  delta::FileAction with_dv = File(CountryStats("DE", "DE", 0));
  with_dv.deletion_vector = delta::DeletionVectorDescriptor{};
  EXPECT_FALSE(proof->Proves(with_dv));
}

TEST_F(StatsProofTest, APredicateThatHandlesNullsMayProveFilesWithNulls) {
  // country = DE OR country IS NULL over a file whose every country is null: each row passes.
  auto proof = Proof(
      R"({"op":"or","children":[)" + std::string(kByCountry) +
      R"(,{"op":"isNull","children":[{"op":"column","name":"country","valueType":"string"}]}]})");
  ASSERT_NE(proof, nullptr);
  EXPECT_TRUE(proof->Proves(File(R"({"numRecords":5,"nullCount":{"country":5}})")));
  // Some nulls and some DE: each row passes, but the bounds are per leaf (a null row is not
  // known to be the one isNull accepts), so the proof does not hold: rewritten (conservative).
  EXPECT_FALSE(proof->Proves(File(CountryStats("DE", "DE", 2))));
  // NOT(country = FR) is unknown on a null country.
  auto not_fr = Proof(R"({"op":"not","children":[{"op":"equal","children":[)"
                      R"({"op":"column","name":"country","valueType":"string"},)"
                      R"({"op":"literal","value":"FR","valueType":"string"}]}]})");
  ASSERT_NE(not_fr, nullptr);
  EXPECT_TRUE(not_fr->Proves(File(CountryStats("DE", "DE", 0))));
  EXPECT_FALSE(not_fr->Proves(File(CountryStats("DE", "DE", 1))));
  // A range that may hold FR proves nothing.
  EXPECT_FALSE(not_fr->Proves(File(CountryStats("DE", "NL", 0))));
}

TEST_F(StatsProofTest, RangesAndPartitionValues) {
  auto proof = Proof(R"({"op":"and","children":[)"
                     R"({"op":"greaterThanOrEqual","children":[{"op":"column","name":"id","valueType":"long"},)"
                     R"({"op":"literal","value":"10","valueType":"long"}]},)"
                     R"({"op":"equal","children":[{"op":"column","name":"region","valueType":"string"},)"
                     R"({"op":"literal","value":"eu","valueType":"string"}]}]})");
  ASSERT_NE(proof, nullptr);
  const std::string ten_to_twenty =
      R"({"numRecords":5,"minValues":{"id":10},"maxValues":{"id":20},"nullCount":{"id":0}})";
  EXPECT_TRUE(proof->Proves(File(ten_to_twenty, "eu")));
  EXPECT_FALSE(proof->Proves(File(ten_to_twenty, "us")));
  EXPECT_FALSE(proof->Proves(File(
      R"({"numRecords":5,"minValues":{"id":9},"maxValues":{"id":20},"nullCount":{"id":0}})", "eu")));
  // The snapshot's AddFile path answers alike.
  delta::AddFile f = SnapshotFile(ten_to_twenty);
  EXPECT_TRUE(proof->Proves(f));
  delta::StoredDeletionVector dv;
  f.deletion_vector = &dv;
  EXPECT_FALSE(proof->Proves(f));
}

const std::string kOnlyDE = CountryStats("DE", "DE", 0);
const std::string kOnlyFR = CountryStats("FR", "FR", 0);

TEST_F(StatsProofTest, NothingIsServedAsItIsWhenTheTransformDoesMoreThanFilter) {
  // A recipient lacking the property sees no row: never an original file, and no file at all.
  auto never = Proof(kByCountry, {});
  ASSERT_NE(never, nullptr);
  EXPECT_FALSE(never->Proves(File(kOnlyDE)));
  EXPECT_TRUE(never->Excludes(File(kOnlyDE)));
  EXPECT_TRUE(never->Excludes(File(std::nullopt)));
  // A column list, masks, a rename: no file as it is, but a file of other rows is still proven
  // to hold none of the recipient's (they change columns, not rows).
  Transform projected;
  projected.columns = {"id", "country"};
  Transform masked;
  masked.column_masks = {{"id", "hash"}};
  Transform renamed;
  renamed.column_mapping_mode = "name";
  for (const Transform& t : {projected, masked, renamed}) {
    auto proof = Proof(kByCountry, {{"country", "DE"}}, t);
    ASSERT_NE(proof, nullptr);
    EXPECT_FALSE(proof->Proves(File(kOnlyDE)));
    EXPECT_FALSE(proof->Excludes(File(kOnlyDE)));
    EXPECT_TRUE(proof->Excludes(File(kOnlyFR)));
  }
  features_.column_mapping_mode = "id";
  auto mapped = Proof(kByCountry);
  ASSERT_NE(mapped, nullptr);
  EXPECT_FALSE(mapped->Proves(File(kOnlyDE)));
  features_.column_mapping_mode = "none";
  // Shapes the proof does not cover: doubles (NaN), a bare boolean, a column by another case,
  // an unknown column.
  EXPECT_EQ(Proof(R"({"op":"lessThan","children":[{"op":"column","name":"amount","valueType":"double"},)"
                  R"({"op":"literal","value":"10","valueType":"double"}]})"),
            nullptr);
  auto bare = RowFilter::Resolve(R"({"op":"column","name":"vip","valueType":"bool"})", {});
  if (bare) {  // (a bare leaf may also be refused as a filter: then nothing is served at all)
    Transform t;
    t.row_filter = std::make_shared<const RowFilter>(std::move(*bare));
    EXPECT_EQ(StatsProof::For(t, metadata_, features_), nullptr);
  }
  EXPECT_EQ(Proof(R"({"op":"equal","children":[{"op":"column","name":"Country","valueType":"string"},)"
                  R"({"op":"literal","value":"DE","valueType":"string"}]})"),
            nullptr);
  EXPECT_EQ(Proof(R"({"op":"equal","children":[{"op":"column","name":"city","valueType":"string"},)"
                  R"({"op":"literal","value":"DE","valueType":"string"}]})"),
            nullptr);
  // A boolean compared is covered.
  EXPECT_NE(Proof(R"({"op":"equal","children":[{"op":"column","name":"vip","valueType":"bool"},)"
                  R"({"op":"literal","value":"true","valueType":"bool"}]})"),
            nullptr);
}

TEST_F(StatsProofTest, FilesProvenToHoldNoPassingRowAreExcluded) {
  auto proof = Proof(kByCountry);
  ASSERT_NE(proof, nullptr);
  EXPECT_TRUE(proof->Excludes(File(kOnlyFR)));
  EXPECT_FALSE(proof->Excludes(File(kOnlyDE)));
  // Mixed, nulls possible, or no statistics: the rewrite decides.
  EXPECT_FALSE(proof->Excludes(File(CountryStats("DE", "FR", 0))));
  EXPECT_FALSE(proof->Excludes(File(std::nullopt)));
  EXPECT_FALSE(proof->Excludes(File("{not json")));
  // Every country null: the comparison is unknown for every row, none passes.
  EXPECT_TRUE(proof->Excludes(File(R"({"numRecords":5,"nullCount":{"country":5}})")));
  // A deletion vector only removes rows: the proof still holds.
  delta::FileAction with_dv = File(kOnlyFR);
  with_dv.deletion_vector = delta::DeletionVectorDescriptor{};
  EXPECT_TRUE(proof->Excludes(with_dv));
}

// A table whose writer cut string statistics at 4 characters: a max "DEUT" may stand for rows
// "DEUTSCHLAND", which `country <= 'DEUT'` refuses, so the file is rewritten, not served whole;
// and `country > 'DEUT'` may pass those rows, so the file is not dropped either. The min, a
// prefix of the rows, is still a lower bound.
TEST_F(StatsProofTest, AMaxCutAtTheTablesPrefixLengthProvesNothing) {
  metadata_.configuration.emplace_back("delta.dataSkippingStringPrefixLength", "4");
  const std::string at_most_deut =
      R"({"op":"lessThanOrEqual","children":[{"op":"column","name":"country","valueType":"string"},)"
      R"({"op":"literal","value":"DEUT","valueType":"string"}]})";
  const std::string above_deut =
      R"({"op":"greaterThan","children":[{"op":"column","name":"country","valueType":"string"},)"
      R"({"op":"literal","value":"DEUT","valueType":"string"}]})";
  auto at_most = Proof(at_most_deut);
  auto above = Proof(above_deut);
  ASSERT_NE(at_most, nullptr);
  ASSERT_NE(above, nullptr);
  const delta::FileAction cut = File(CountryStats("DEUT", "DEUT", 0));
  EXPECT_FALSE(at_most->Proves(cut));
  EXPECT_FALSE(above->Excludes(cut));
  // The snapshot's AddFile path answers alike.
  const delta::AddFile f = SnapshotFile(*cut.stats);
  EXPECT_FALSE(at_most->Proves(f));
  EXPECT_FALSE(above->Excludes(f));
  // Shorter than the prefix length: exact, both proofs hold; the min bounds from below.
  EXPECT_TRUE(at_most->Proves(File(CountryStats("DE", "DEU", 0))));
  EXPECT_TRUE(above->Excludes(File(CountryStats("DE", "DEU", 0))));
  EXPECT_TRUE(above->Proves(File(CountryStats("DEUTZ", "DEUTZ", 0))));
}

TEST_F(StatsProofTest, PartitionValuesAloneExcludeFilesOfOtherPartitions) {
  // country = recipientProperty(country) AND region = 'eu', region a partition column.
  auto proof = Proof(R"({"op":"and","children":[)" + std::string(kByCountry) +
                     R"(,{"op":"equal","children":[{"op":"column","name":"region","valueType":"string"},)"
                     R"({"op":"literal","value":"eu","valueType":"string"}]}]})");
  ASSERT_NE(proof, nullptr);
  // Files without statistics: the partition value decides.
  EXPECT_TRUE(proof->Excludes(File(std::nullopt, "us")));
  EXPECT_FALSE(proof->Excludes(File(std::nullopt, "eu")));
  // A null partition value ("" is null too): region = 'eu' is unknown, no row passes.
  EXPECT_TRUE(proof->Excludes(File(std::nullopt, "")));
  // A remove action written without partition values proves nothing.
  delta::FileAction bare = File(std::nullopt);
  bare.partition_values.clear();
  EXPECT_FALSE(proof->Excludes(bare));
  // The snapshot's AddFile path answers alike (its own filter, outcomes remembered by map).
  delta::PartitionValues us{{{"region", std::optional<std::string>("us")}}};
  delta::PartitionValues eu{{{"region", std::optional<std::string>("eu")}}};
  delta::AddFile f;
  f.partition_values = &us;
  EXPECT_TRUE(proof->Excludes(f));
  f.partition_values = &eu;
  EXPECT_FALSE(proof->Excludes(f));
}

}  // namespace
}  // namespace lakeshare::materialize
