#include "sharing/ndjson_lines.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace lakeshare::sharing {
namespace {

using Json = nlohmann::json;

Json Line(const std::string& text) {
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1) << "one line";
  return Json::parse(text);
}

TEST(NdjsonLinesTest, ParquetMetadataStripsColumnMetadataButComments) {
  delta::Metadata m;
  m.id = "id1";
  m.schema_string =
      R"({"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{"comment":"c","delta.generationExpression":"x"}},{"name":"s","type":{"type":"array","elementType":{"type":"struct","fields":[{"name":"b","type":"string","nullable":true,"metadata":{"k":1}}]},"containsNull":true},"nullable":true,"metadata":{}}]})";
  m.partition_columns = {"a"};
  std::string out;
  AppendParquetMetadata(out, m, MetadataExtras{7, 100, 2, true});
  Json j = Line(out)["metaData"];
  EXPECT_EQ(j["id"], "id1");
  EXPECT_EQ(j["format"]["provider"], "parquet");
  EXPECT_EQ(j["partitionColumns"], Json::array({"a"}));
  EXPECT_EQ(j["configuration"]["enableChangeDataFeed"], "true");
  EXPECT_EQ(j["version"], 7);
  EXPECT_EQ(j["numFiles"], 2);
  Json schema = Json::parse(j["schemaString"].get<std::string>());
  EXPECT_EQ(schema["fields"][0]["metadata"], Json({{"comment", "c"}}));
  EXPECT_EQ(schema["fields"][1]["type"]["elementType"]["fields"][0]["metadata"], Json::object());
}

// A provider's table can carry any schema string: one nested beyond kTableSchemaJsonLimits
// (common/json_bounds.h) is passed through as it is instead of walked recursively (80,000
// levels overflowed the stack; issue 10).
TEST(NdjsonLinesTest, SchemaNestedBeyondTheBoundsIsPassedThrough) {
  constexpr int kLevels = 80'000;
  std::string schema = R"({"type":"struct","fields":[{"name":"a","type":)";
  for (int i = 0; i < kLevels; ++i) schema += R"({"type":"array","elementType":)";
  schema += R"("long")";
  schema.append(kLevels, '}');
  schema += R"(,"nullable":true,"metadata":{"k":1}}]})";
  EXPECT_EQ(StripSchemaMetadata(schema), schema);
}

TEST(NdjsonLinesTest, ParquetFileLine) {
  delta::StringMap pv = {{"date", "2021-04-28"}, {"n", std::nullopt}};
  std::string out;
  ParquetFileLine line;
  line.url = "https://x/y?z";
  line.id = "id";
  line.partition_values = &pv;
  line.size = 573;
  line.stats_literal = R"("{\"numRecords\":1}")";
  line.expiration_ms = 5;
  AppendParquetFile(out, line);
  Json j = Line(out)["file"];
  EXPECT_EQ(j["url"], "https://x/y?z");
  EXPECT_EQ(j["partitionValues"]["date"], "2021-04-28");
  EXPECT_TRUE(j["partitionValues"]["n"].is_null());
  EXPECT_EQ(j["stats"], "{\"numRecords\":1}");
  EXPECT_FALSE(j.contains("version"));
  EXPECT_EQ(j["expirationTimestamp"], 5);
}

// A response writes each partition map's JSON once: a few hundred maps all stay, whatever their
// addresses (a map is interned for its snapshot's life and never changes, so a changed map still
// answering its first JSON shows it was not computed again). Beyond what it keeps, every answer
// is still its own map's.
TEST(NdjsonLinesTest, PartitionValuesJsonCacheKeepsHundredsOfMaps) {
  auto json_of = [](size_t i) { return "{\"p\":\"v" + std::to_string(i) + "\"}"; };
  std::vector<delta::PartitionValues> maps(300);
  for (size_t i = 0; i < maps.size(); ++i) maps[i].values = {{"p", "v" + std::to_string(i)}};
  PartitionValuesJsonCache cache;
  for (size_t i = 0; i < maps.size(); ++i) ASSERT_EQ(cache.Get(&maps[i]), json_of(i));
  for (auto& m : maps) m.values[0].second = "changed";
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < maps.size(); ++i) ASSERT_EQ(cache.Get(&maps[i]), json_of(i)) << i;
  }
  std::vector<delta::PartitionValues> many(5000);
  for (size_t i = 0; i < many.size(); ++i) many[i].values = {{"p", "v" + std::to_string(i)}};
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < many.size(); ++i) ASSERT_EQ(cache.Get(&many[i]), json_of(i)) << i;
  }
}

TEST(NdjsonLinesTest, DeltaAddKeepsOriginalFieldsAndRewritesDeletionVector) {
  delta::PartitionValues pv{{{"p", "1"}}};
  delta::StoredDeletionVector dv;
  dv.descriptor.storage_type = 'u';
  dv.descriptor.path_or_inline_dv = "ab^-aqEH.-t@S}K{vb[*k^";
  dv.descriptor.offset = 4;
  dv.descriptor.size_in_bytes = 40;
  dv.descriptor.cardinality = 6;
  delta::AddFile f;
  std::string path = "p=1/a.parquet";
  f.path_data = path.data();
  f.path_size = static_cast<uint32_t>(path.size());
  f.partition_values = &pv;
  f.deletion_vector = &dv;
  f.size = 10;
  f.modification_time = 20;
  f.data_change = true;
  f.has_stats = true;
  std::string stats = R"({"numRecords":3})";
  f.stats_data = stats.data();
  f.stats_size = static_cast<uint32_t>(stats.size());
  std::string extra =
      R"("tags":{"a":"b,c"},"deletionVector":{"storageType":"u","pathOrInlineDv":"ab^-aqEH.-t@S}K{vb[*k^","offset":4,"sizeInBytes":40,"cardinality":6},"baseRowId":5)";
  f.extra_data = extra.data();
  f.extra_size = static_cast<uint32_t>(extra.size());
  std::string out;
  DeltaFileWrapper w;
  w.id = "fid";
  w.deletion_vector_file_id = "dvid";
  w.expiration_ms = 9;
  AppendDeltaAddFile(out, f, "https://signed/a", std::string_view("https://signed/dv"), w);
  Json j = Line(out)["file"];
  EXPECT_EQ(j["id"], "fid");
  EXPECT_EQ(j["deletionVectorFileId"], "dvid");
  Json add = j["deltaSingleAction"]["add"];
  EXPECT_EQ(add["path"], "https://signed/a");
  EXPECT_EQ(add["size"], 10);
  EXPECT_EQ(add["modificationTime"], 20);
  EXPECT_EQ(add["stats"], R"({"numRecords":3})");
  EXPECT_EQ(add["tags"]["a"], "b,c");
  EXPECT_EQ(add["baseRowId"], 5);
  EXPECT_EQ(add["deletionVector"]["storageType"], "p");
  EXPECT_EQ(add["deletionVector"]["pathOrInlineDv"], "https://signed/dv");
  EXPECT_EQ(add["deletionVector"]["offset"], 4);
  EXPECT_EQ(add["deletionVector"]["cardinality"], 6);
}

TEST(NdjsonLinesTest, DeltaFileActionReplacesPath) {
  delta::FileAction a;
  a.type = delta::FileActionType::kCdc;
  a.json = R"({"path":"_change_data/x.parquet","partitionValues":{},"size":3,"dataChange":false})";
  std::string out;
  DeltaFileWrapper w;
  w.id = "i";
  w.version = 2;
  w.timestamp = 3;
  ASSERT_TRUE(AppendDeltaFileAction(out, a, "http://u", std::nullopt, w));
  Json j = Line(out)["file"];
  EXPECT_EQ(j["version"], 2);
  EXPECT_EQ(j["deltaSingleAction"]["cdc"]["path"], "http://u");
  EXPECT_EQ(j["deltaSingleAction"]["cdc"]["size"], 3);
}

TEST(NdjsonLinesTest, EndStreamActionHasOnlyWhatIsSet) {
  std::string out;
  AppendEndStreamAction(out, EndStreamAction{"next", "", 42, ""});
  Json j = Line(out)["endStreamAction"];
  EXPECT_EQ(j["nextPageToken"], "next");
  EXPECT_EQ(j["minUrlExpirationTimestamp"], 42);
  EXPECT_FALSE(j.contains("refreshToken"));
  EXPECT_FALSE(j.contains("errorMessage"));
}

}  // namespace
}  // namespace lakeshare::sharing
