#include "delta/data_skipping.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "delta/delta_test_util.h"

namespace lakeshare::delta {
namespace {

using namespace testing;  // the table builders of delta/delta_test_util.h

std::string Col(const std::string& name, const std::string& type) {
  return R"({"op":"column","name":")" + name + R"(","valueType":")" + type + R"("})";
}
std::string Lit(const std::string& value, const std::string& type) {
  return R"({"op":"literal","value":")" + value + R"(","valueType":")" + type + R"("})";
}
std::string Op(const std::string& op, const std::vector<std::string>& children) {
  std::string out = R"({"op":")" + op + R"(","children":[)";
  for (size_t i = 0; i < children.size(); ++i) {
    out += (i ? "," : "") + children[i];
  }
  return out + "]}";
}
std::string Cmp(const std::string& op, const std::string& col, const std::string& type,
                const std::string& value) {
  return Op(op, {Col(col, type), Lit(value, type)});
}

// ---- Parsing ------------------------------------------------------------------------------------

TEST(PredicateParseTest, AcceptsEveryOpAndValueType) {
  for (const char* type :
       {"bool", "int", "long", "string", "date", "float", "double", "timestamp"}) {
    std::string value = std::string(type) == "bool"        ? "true"
                        : std::string(type) == "date"      ? "2024-01-02"
                        : std::string(type) == "timestamp" ? "2024-01-02T03:04:05Z"
                        : std::string(type) == "string"    ? "x"
                                                           : "7";
    for (const char* op :
         {"equal", "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual"}) {
      auto p = Predicate::Parse(Cmp(op, "c", type, value));
      EXPECT_TRUE(p) << op << " " << type << ": " << p.error().message;
    }
  }
  EXPECT_TRUE(Predicate::Parse(Op("isNull", {Col("c", "int")})));
  EXPECT_TRUE(Predicate::Parse(Op("not", {Op("isNull", {Col("c", "int")})})));
  EXPECT_TRUE(
      Predicate::Parse(Op("and", {Cmp("equal", "a", "int", "1"), Cmp("equal", "b", "int", "2"),
                                  Cmp("equal", "c", "int", "3")})));
  EXPECT_TRUE(
      Predicate::Parse(Op("or", {Cmp("equal", "a", "int", "1"), Cmp("equal", "b", "int", "2")})));
}

TEST(PredicateParseTest, RenamedRenamesEveryColumnLeafItsMapNames) {
  auto p = Predicate::Parse(
      Op("and", {Cmp("equal", "region", "string", "EU"),
                 Op("or", {Op("isNull", {Col("country", "string")}),
                           Cmp("lessThan", "day", "date", "2024-01-31")})}));
  ASSERT_TRUE(p) << p.error().message;
  Predicate renamed = p->Renamed({{"region", "area"}, {"country", "region"}});
  EXPECT_EQ(renamed.ReferencedColumns(), (std::vector<std::string>{"area", "region", "day"}));
  EXPECT_EQ(p->ReferencedColumns(), (std::vector<std::string>{"region", "country", "day"}));
  EXPECT_EQ(renamed.root().children[0].op, PredicateOp::kEqual);
  EXPECT_EQ(renamed.root().children[0].children[1].op, PredicateOp::kLiteral);
}

TEST(PredicateParseTest, RejectsMalformedTrees) {
  auto bad = [](const std::string& json) {
    auto p = Predicate::Parse(json);
    EXPECT_FALSE(p) << json;
    if (!p) {
      EXPECT_EQ(p.error().code, ErrorCode::kMalformedRequest);
    }
  };
  bad("not json");
  bad(R"({"op":"="})");                             // issue #606: SQL ops
  bad(Cmp("equal", "c", "integer", "1"));           // issue #744: bad valueType
  bad(Op("and", {Cmp("equal", "a", "int", "1")}));  // and needs two children
  bad(Op("not", {}));
  bad(Op("isNull", {Lit("1", "int")}));                   // isNull takes a column
  bad(Op("equal", {Col("a", "int")}));                    // binary op with one child
  bad(Op("equal", {Col("a", "int"), Lit("x", "int")}));   // literal not an int
  bad(Op("equal", {Col("a", "int"), Lit("1", "long")}));  // mixed types
  bad(Op("equal", {Col("a", "date"), Lit("2024-13-01", "date")}));
  bad(R"({"op":"column","valueType":"int"})");  // column without a name
  std::string deep = Cmp("equal", "a", "int", "1");
  for (int i = 0; i < 120; ++i) {
    deep = Op("not", {deep});
  }
  bad(deep);
  // Issue 10: 80,000 levels are refused by the JSON bounds before any parser recurses.
  bad(std::string(80'000, '[') + std::string(80'000, ']'));
}

// ---- Evaluation -------------------------------------------------------------------------------

class SkippingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string schema = SchemaString({{"part", "string"},
                                             {"ipart", "integer"},
                                             {"id", "long"},
                                             {"name", "string"},
                                             {"score", "double"},
                                             {"day", "date"},
                                             {"ts", "timestamp"},
                                             {"flag", "boolean"}});
    t.Commit(0, {ProtocolLine(), MetadataLine(schema, {"part", "ipart"})});
    // f1: ids 1..10, no nulls.  f2: ids 20..30 with 5 null names.  f3: all-null id, null part.
    t.Commit(
        1,
        {AddLine(
             "f1", {{"part", "a"}, {"ipart", "1"}}, 1,
             R"({"numRecords":10,"minValues":{"id":1,"name":"alice","score":0.5,"day":"2024-01-01","ts":"2024-01-01T00:00:00.000Z","flag":false},"maxValues":{"id":10,"name":"bob","score":9.5,"day":"2024-01-31","ts":"2024-01-01T10:00:00.123Z","flag":false},"nullCount":{"id":0,"name":0,"score":0,"day":0,"ts":0,"flag":0}})"),
         AddLine(
             "f2", {{"part", "b"}, {"ipart", "2"}}, 1,
             R"({"numRecords":10,"minValues":{"id":20,"name":"carol","score":-1.0,"day":"2024-02-01","ts":"2024-02-01T00:00:00.000Z","flag":true},"maxValues":{"id":30,"name":"dave","score":1.0,"day":"2024-02-28","ts":"2024-02-02T00:00:00.000Z","flag":true},"nullCount":{"id":0,"name":5,"score":0,"day":0,"ts":0,"flag":0}})"),
         AddLine("f3", {{"part", ""}, {"ipart", ""}}, 1,
                 R"({"numRecords":4,"minValues":{},"maxValues":{},"nullCount":{"id":4,"name":4}})"),
         AddLine("f4", {{"part", "c"}, {"ipart", "3"}})});  // no stats at all
    auto s = t.Load();
    ASSERT_TRUE(s) << s.error().message;
    snapshot = *s;
  }

  std::vector<std::string> Select(const std::string& predicate) {
    FileQuery q;
    q.json_predicate = predicate;
    auto sel = SelectFiles(*snapshot, q);
    EXPECT_TRUE(sel.predicate_error.empty()) << sel.predicate_error;
    std::vector<std::string> out;
    for (const auto* f : sel.files) {
      out.emplace_back(f->path());
    }
    return out;
  }

  TestTable t;
  std::shared_ptr<const Snapshot> snapshot;
};

using Files = std::vector<std::string>;

TEST_F(SkippingTest, PartitionComparisons) {
  EXPECT_EQ(Select(Cmp("equal", "part", "string", "a")), (Files{"f1"}));
  EXPECT_EQ(Select(Cmp("lessThan", "part", "string", "b")), (Files{"f1"}));
  EXPECT_EQ(Select(Cmp("lessThanOrEqual", "part", "string", "b")), (Files{"f1", "f2"}));
  EXPECT_EQ(Select(Cmp("greaterThan", "ipart", "int", "2")), (Files{"f4"}));
  EXPECT_EQ(Select(Cmp("greaterThanOrEqual", "ipart", "int", "2")), (Files{"f2", "f4"}));
  // Null partition values never compare true; isNull finds them.
  EXPECT_EQ(Select(Op("isNull", {Col("part", "string")})), (Files{"f3"}));
  EXPECT_EQ(Select(Op("not", {Op("isNull", {Col("part", "string")})})), (Files{"f1", "f2", "f4"}));
  EXPECT_EQ(Select(Op("not", {Cmp("equal", "part", "string", "a")})), (Files{"f2", "f4"}));
}

TEST(PartitionSkippingTest, FilesSharingPartitionValuesEachGetTheirMapsAnswer) {
  // Interleaved files share interned partition maps: a partition-only predicate is decided once
  // per map, and a predicate that also reads statistics is still decided per file.
  TestTable t;
  t.Commit(0, {ProtocolLine(),
               MetadataLine(SchemaString({{"part", "string"}, {"id", "long"}}), {"part"})});
  auto stats = [](int lo, int hi) {
    return R"({"numRecords":3,"minValues":{"id":)" + std::to_string(lo) +
           R"(},"maxValues":{"id":)" + std::to_string(hi) + R"(},"nullCount":{"id":0}})";
  };
  t.Commit(1, {AddLine("g1", {{"part", "a"}}, 1, stats(1, 3)),
               AddLine("g2", {{"part", "b"}}, 1, stats(1, 3)),
               AddLine("g3", {{"part", "a"}}, 1, stats(6, 9)), AddLine("g4", {{"part", ""}})});
  t.Commit(2, {AddLine("g5", {{"part", "a"}}, 1, stats(1, 3)),
               AddLine("g6", {{"part", "b"}}, 1, stats(6, 9))});
  auto snapshot = t.Load();
  ASSERT_TRUE(snapshot) << snapshot.error().message;
  auto select = [&](const std::string& predicate) {
    FileQuery q;
    q.json_predicate = predicate;
    FileSelection sel = SelectFiles(**snapshot, q);
    EXPECT_TRUE(sel.predicate_used) << sel.predicate_error;
    Files out;
    for (const AddFile* f : sel.files) {
      out.emplace_back(f->path());
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(select(Cmp("equal", "part", "string", "a")), (Files{"g1", "g3", "g5"}));
  EXPECT_EQ(select(Cmp("equal", "part", "string", "b")), (Files{"g2", "g6"}));
  EXPECT_EQ(select(Op("isNull", {Col("part", "string")})), (Files{"g4"}));
  EXPECT_EQ(select(Op("and", {Cmp("equal", "part", "string", "a"),
                              Cmp("greaterThan", "id", "long", "5")})),
            (Files{"g3"}));
  // An unknown column next to a partition column stays "any outcome" for every file.
  EXPECT_EQ(
      select(Op("or", {Cmp("equal", "part", "string", "b"), Cmp("equal", "nosuch", "int", "1")})),
      (Files{"g1", "g2", "g3", "g4", "g5", "g6"}));
}

TEST_F(SkippingTest, StatisticsComparisonsPerType) {
  EXPECT_EQ(Select(Cmp("equal", "id", "long", "5")), (Files{"f1", "f4"}));
  EXPECT_EQ(Select(Cmp("greaterThan", "id", "long", "10")), (Files{"f2", "f4"}));
  EXPECT_EQ(Select(Cmp("greaterThanOrEqual", "id", "long", "10")), (Files{"f1", "f2", "f4"}));
  EXPECT_EQ(Select(Cmp("lessThan", "id", "long", "20")), (Files{"f1", "f4"}));
  EXPECT_EQ(Select(Cmp("lessThanOrEqual", "id", "long", "20")), (Files{"f1", "f2", "f4"}));
  EXPECT_EQ(Select(Cmp("equal", "name", "string", "b")), (Files{"f1", "f4"}));
  EXPECT_EQ(Select(Cmp("equal", "name", "string", "bz")), (Files{"f4"}));
  // f3 has no statistics for score, day, ts or flag: kept.
  EXPECT_EQ(Select(Cmp("greaterThan", "score", "double", "5")), (Files{"f1", "f3", "f4"}));
  EXPECT_EQ(Select(Cmp("lessThan", "score", "float", "-0.5")), (Files{"f2", "f3", "f4"}));
  EXPECT_EQ(Select(Cmp("equal", "day", "date", "2024-02-10")), (Files{"f2", "f3", "f4"}));
  EXPECT_EQ(Select(Cmp("equal", "flag", "bool", "true")), (Files{"f2", "f3", "f4"}));
  // Timestamps: max 10:00:00.123 is truncated to ms, so .123456 may still be in f1.
  EXPECT_EQ(Select(Cmp("equal", "ts", "timestamp", "2024-01-01T10:00:00.123456Z")),
            (Files{"f1", "f3", "f4"}));
  EXPECT_EQ(Select(Cmp("greaterThan", "ts", "timestamp", "2024-01-01T10:00:01Z")),
            (Files{"f2", "f3", "f4"}));
}

TEST_F(SkippingTest, NullCountsDecideIsNull) {
  EXPECT_EQ(Select(Op("isNull", {Col("name", "string")})), (Files{"f2", "f3", "f4"}));
  EXPECT_EQ(Select(Op("not", {Op("isNull", {Col("id", "long")})})), (Files{"f1", "f2", "f4"}));
  // All-null column: no value can compare true.
  EXPECT_EQ(Select(Cmp("equal", "id", "long", "0")), (Files{"f4"}));
}

TEST_F(SkippingTest, ThreeValuedLogicKeepsUnknowns) {
  // AND(false, unknown) = false; OR(true, unknown) = true.
  EXPECT_EQ(
      Select(Op("and", {Cmp("equal", "part", "string", "a"), Cmp("equal", "nosuch", "int", "1")})),
      (Files{"f1"}));
  EXPECT_EQ(
      Select(Op("or", {Cmp("equal", "part", "string", "a"), Cmp("equal", "nosuch", "int", "1")})),
      (Files{"f1", "f2", "f3", "f4"}));
  // NOT of a comparison with nulls: null rows satisfy neither.
  EXPECT_EQ(Select(Op("not", {Cmp("lessThan", "id", "long", "100")})), (Files{"f4"}));
  // Column against column: both partition values are known exactly.
  EXPECT_EQ(Select(Op("equal", {Col("part", "string"), Col("part", "string")})),
            (Files{"f1", "f2", "f4"}));
  // A partition value that does not parse in the predicate's type is unknown: kept.
  EXPECT_EQ(Select(Cmp("equal", "part", "int", "1")), (Files{"f1", "f2", "f4"}));
}

TEST_F(SkippingTest, BadPredicatesNeverFailTheyOnlyStopPruning) {
  FileQuery q;
  q.json_predicate = R"({"op":"equal","children":"oops"})";
  auto sel = SelectFiles(*snapshot, q);
  EXPECT_EQ(sel.files.size(), 4u);
  EXPECT_FALSE(sel.predicate_used);
  EXPECT_FALSE(sel.predicate_error.empty());
}

TEST_F(SkippingTest, LimitHintCountsOnlyFilesThatMatchEntirely) {
  FileQuery q;
  q.limit_hint = 5;
  auto sel = SelectFiles(*snapshot, q);
  EXPECT_EQ(sel.files.size(), 1u);  // f1 has 10 records
  EXPECT_TRUE(sel.limit_applied);
  q.limit_hint = 15;
  EXPECT_EQ(SelectFiles(*snapshot, q).files.size(), 2u);
  // f1 matches part = 'a' entirely (partition), so one file is enough.
  q.json_predicate = Cmp("equal", "part", "string", "a");
  q.limit_hint = 1;
  EXPECT_EQ(SelectFiles(*snapshot, q).files.size(), 1u);
  // f1 matches id < 25 entirely by its statistics (max 10, no nulls).
  q.json_predicate = Cmp("lessThan", "id", "long", "25");
  q.limit_hint = 1;
  EXPECT_EQ(SelectFiles(*snapshot, q).files.size(), 1u);
  // Partial matches (id < 5 in 1..10) do not count toward the limit: nothing is cut.
  q.json_predicate = Cmp("lessThan", "id", "long", "5");
  EXPECT_EQ(SelectFiles(*snapshot, q).files.size(), 2u);
}

// numRecords and a deletion vector's cardinality are any int64 the provider's log holds: the row
// count behind limitHint overflowed (undefined behaviour; the sanitizer build aborts) with two
// files of 2^62 records and a partner's limitHint of 2^63 - 1, and wrapped negative, so the
// limit was never reached. The count saturates now; a cardinality outside [0, numRecords] is
// clamped.
TEST(LimitHintTest, HugeOrNegativeCountsFromTheLogSaturateInsteadOfOverflowing) {
  TestTable t;
  const std::vector<std::string> dv_features = {"deletionVectors"};
  const std::string schema = SchemaString({{"id", "long"}});
  auto records = [](const std::string& n) { return R"({"numRecords":)" + n + "}"; };
  const std::string quarter = std::to_string(int64_t{1} << 62);  // 2^62
  t.Commit(0, {ProtocolLine(3, 7, dv_features, dv_features), MetadataLine(schema),
               AddLine("a", {}, 1, records(quarter)), AddLine("b", {}, 1, records(quarter)),
               AddLine("c", {}, 1, records(quarter))});
  auto three = t.Load();
  ASSERT_TRUE(three) << three.error().message;
  FileQuery q;
  q.limit_hint = std::numeric_limits<int64_t>::max();
  FileSelection sel = SelectFiles(**three, q);
  EXPECT_EQ(sel.files.size(), 2u) << "2^62 + 2^62 reach the limit; the third file is not needed";
  EXPECT_TRUE(sel.limit_applied);

  // numRecords 2^63 - 1 less a cardinality of -1 wrapped to -2^63, counted as 0 rows: both files
  // were returned. numRecords -2^63 less 1 (the sanitizer build sees it) counts as 0 rows.
  TestTable u;
  u.Commit(0, {ProtocolLine(3, 7, dv_features, dv_features), MetadataLine(schema),
               AddLine("max1", {}, 1, records("9223372036854775807"), Dv("dv1", -1)),
               AddLine("max2", {}, 1, records("9223372036854775807"), Dv("dv2", -1)),
               AddLine("min", {}, 1, records("-9223372036854775808"), Dv("dv3", 1))});
  auto odd = u.Load();
  ASSERT_TRUE(odd) << odd.error().message;
  q.limit_hint = 1;
  sel = SelectFiles(**odd, q);
  EXPECT_EQ(std::count_if(sel.files.begin(), sel.files.end(),
                          [](const AddFile* f) { return f->path().starts_with("max"); }),
            1)
      << "one of the two huge files reaches the limit";
  EXPECT_TRUE(sel.limit_applied);
}

// A partner's hints may hold ~900 comparisons (10,000 JSON values), each looked up in every
// file's statistics: on a table of 100,000 files one /query held a handler thread for about a
// minute. With LimitWork, once the lookups exceed the initial allowance plus `per_file` for each
// file evaluated, files are kept unevaluated (any outcome), so the work stays within the
// allowance; a predicate within `per_file` lookups per file is never cut.
TEST(FileFilterWorkTest, LimitWorkKeepsFilesOnceTheLookupsExceedTheAllowance) {
  TestTable t;
  t.Commit(0, {ProtocolLine(), MetadataLine(SchemaString({{"id", "long"}, {"part", "string"}}),
                                            {"part"})});
  std::vector<std::string> adds;
  for (int i = 0; i < 100; ++i) {
    const std::string lo = std::to_string(i * 10), hi = std::to_string(i * 10 + 9);
    adds.push_back(AddLine("f" + std::to_string(i), {{"part", "p" + std::to_string(i)}}, 1,
                           R"({"numRecords":10,"minValues":{"id":)" + lo +
                               R"(},"maxValues":{"id":)" + hi + R"(},"nullCount":{"id":0}})"));
  }
  t.Commit(1, adds);
  auto snapshot = t.Load();
  ASSERT_TRUE(snapshot) << snapshot.error().message;
  // 20 comparisons that are false for every file, on statistics and on partition values.
  std::vector<std::string> on_stats, on_partitions;
  for (int k = 1; k <= 20; ++k) {
    on_stats.push_back(Cmp("lessThan", "id", "long", std::to_string(-k)));
    on_partitions.push_back(Cmp("equal", "part", "string", "none" + std::to_string(k)));
  }
  auto pruned = [&](const std::string& json, std::optional<std::pair<int64_t, int64_t>> limit) {
    auto predicate = Predicate::Parse(json);
    EXPECT_TRUE(predicate) << predicate.error().message;
    FileFilter filter(std::move(*predicate), (*snapshot)->metadata(), (*snapshot)->features());
    if (limit) {
      filter.LimitWork(limit->first, limit->second);
    }
    int n = 0;
    (*snapshot)->files().ForEach([&](const AddFile& f) {
      uint8_t outcome = filter.Evaluate(f);
      EXPECT_TRUE(outcome == kMayBeFalse || outcome == kAnyOutcome) << int(outcome);
      n += outcome & kMayBeTrue ? 0 : 1;
      return true;
    });
    return n;
  };
  for (const auto& children : {on_stats, on_partitions}) {
    const std::string wide = Op("or", children);
    EXPECT_EQ(pruned(wide, std::nullopt), 100);
    // 100 lookups to start with and 2 more per file: (100 + 2 * 100) / 20, about 15 files.
    int cut = pruned(wide, std::pair<int64_t, int64_t>{100, 2});
    EXPECT_GE(cut, 5);
    EXPECT_LE(cut, 16);
    // One comparison per file stays within 2 per file: every file is decided.
    EXPECT_EQ(pruned(children[0], std::pair<int64_t, int64_t>{0, 2}), 100);
  }
}

// A predicate of one comparison is never cut by its lookups, but a long string literal is
// copied at every evaluation: one comparison against a 900 KB literal cost ~1.8 MB of copying
// per file (about 4 s per 20,000 files) within the allowance. Its bytes now count as work.
TEST(FileFilterWorkTest, LimitWorkCountsTheBytesOfStringLiterals) {
  TestTable t;
  t.Commit(0, {ProtocolLine(), MetadataLine(SchemaString({{"name", "string"}}))});
  std::vector<std::string> adds;
  for (int i = 0; i < 100; ++i) {
    adds.push_back(AddLine("f" + std::to_string(i), {}, 1,
                           R"({"numRecords":10,"minValues":{"name":"a"},)"
                           R"("maxValues":{"name":"b"},"nullCount":{"name":0}})"));
  }
  t.Commit(1, adds);
  auto snapshot = t.Load();
  ASSERT_TRUE(snapshot) << snapshot.error().message;
  auto decided = [&](const std::string& literal) {
    auto predicate = Predicate::Parse(Cmp("equal", "name", "string", literal));
    EXPECT_TRUE(predicate) << predicate.error().message;
    FileFilter filter(std::move(*predicate), (*snapshot)->metadata(), (*snapshot)->features());
    filter.LimitWork(0, 32);
    int n = 0;
    (*snapshot)->files().ForEach([&](const AddFile& f) {
      n += filter.Evaluate(f) == kMayBeFalse ? 1 : 0;
      return true;
    });
    return n;
  };
  // Every file's names lie in [a, b]: "c..." matches none. A short literal is decided in every
  // file; one of 64 KiB costs 1,024 lookups per evaluation, so within 32 per file only a few are.
  EXPECT_EQ(decided("c"), 100);
  const int long_decided = decided("c" + std::string(64 * 1024, 'x'));
  EXPECT_GE(long_decided, 1);
  EXPECT_LE(long_decided, 4);
}

TEST(ColumnMappingSkippingTest, PartitionValuesAndStatsUsePhysicalNames) {
  TestTable t;
  const std::string schema =
      R"({"type":"struct","fields":[{"name":"Region","type":"string","nullable":true,"metadata":{"delta.columnMapping.id":1,"delta.columnMapping.physicalName":"col-1"}},{"name":"v","type":"long","nullable":true,"metadata":{"delta.columnMapping.id":2,"delta.columnMapping.physicalName":"col-2"}}]})";
  t.Commit(
      0,
      {ProtocolLine(2, 5), MetadataLine(schema, {"Region"}, {{"delta.columnMapping.mode", "name"}}),
       AddLine(
           "a", {{"col-1", "eu"}}, 1,
           R"({"numRecords":1,"minValues":{"col-2":1},"maxValues":{"col-2":2},"nullCount":{"col-2":0}})"),
       AddLine(
           "b", {{"col-1", "us"}}, 1,
           R"({"numRecords":1,"minValues":{"col-2":5},"maxValues":{"col-2":6},"nullCount":{"col-2":0}})")});
  auto s = t.Load();
  ASSERT_TRUE(s);
  FileQuery q;
  q.json_predicate = Cmp("equal", "region", "string", "us");  // names match case-insensitively
  auto sel = SelectFiles(**s, q);
  ASSERT_EQ(sel.files.size(), 1u);
  EXPECT_EQ(sel.files[0]->path(), "b");
  q.json_predicate = Cmp("lessThan", "v", "long", "3");
  sel = SelectFiles(**s, q);
  ASSERT_EQ(sel.files.size(), 1u);
  EXPECT_EQ(sel.files[0]->path(), "a");
}

// A provider's table can carry any schema string: one nested beyond kTableSchemaJsonLimits
// (common/json_bounds.h) is never walked recursively; its columns are unknown, so hints stop
// pruning instead of the server overflowing its stack (issue 10).
TEST(ColumnMappingSkippingTest, SchemaNestedBeyondTheBoundsStopsPruning) {
  constexpr int kLevels = 40'000;
  std::string nested;
  for (int i = 0; i < kLevels; ++i) nested += R"({"type":"struct","fields":[{"name":"n","type":)";
  nested += R"("long")";
  for (int i = 0; i < kLevels; ++i) nested += R"(,"nullable":true,"metadata":{}}]})";
  const std::string schema = R"({"type":"struct","fields":[{"name":"id","type":"long",)"
                             R"("nullable":true,"metadata":{}},{"name":"deep","type":)" +
                             nested + R"(,"nullable":true,"metadata":{}}]})";
  TestTable t;
  t.Commit(0, {ProtocolLine(), MetadataLine(schema),
               AddLine("a", {}, 1,
                       R"({"numRecords":1,"minValues":{"id":1},"maxValues":{"id":2},)"
                       R"("nullCount":{"id":0}})"),
               AddLine("b", {}, 1,
                       R"({"numRecords":1,"minValues":{"id":5},"maxValues":{"id":6},)"
                       R"("nullCount":{"id":0}})")});
  auto s = t.Load();
  ASSERT_TRUE(s) << s.error().message;
  FileQuery q;
  q.json_predicate = Cmp("lessThan", "id", "long", "3");
  EXPECT_EQ(SelectFiles(**s, q).files.size(), 2u);
}

// Delta protocol, *Per-file Statistics*: "String columns are cut off at a fixed prefix length"
// (delta.dataSkippingStringPrefixLength, 32 when unset). A max cut there without a tie-breaker is
// below the rows it was cut from, so a max as long as the prefix is no upper bound: a file whose
// max is the prefix of its rows must not be pruned by `name > max`. A shorter max is exact.
TEST(StringPrefixSkippingTest, AMaxAsLongAsTheTablesPrefixLengthIsNoUpperBound) {
  struct Case {
    std::optional<std::string> property;  // delta.dataSkippingStringPrefixLength
    size_t exact_below;                   // maxima shorter than this bound the rows
  };
  for (const Case& c : {Case{std::nullopt, 32}, Case{"4", 4}, Case{"64", 32}, Case{"0", 0},
                        Case{"-1", 0}, Case{"four", 0}}) {
    SCOPED_TRACE(c.property.value_or("(unset)"));
    std::map<std::string, std::string> configuration;
    if (c.property) configuration["delta.dataSkippingStringPrefixLength"] = *c.property;
    auto stats = [](const std::string& max) {
      return R"({"numRecords":1,"minValues":{"name":"a"},"maxValues":{"name":")" + max +
             R"("},"nullCount":{"name":0}})";
    };
    TestTable t;
    std::vector<std::string> lines = {ProtocolLine(),
                                      MetadataLine(SchemaString({{"name", "string"}}), {},
                                                   configuration)};
    if (c.exact_below > 0) {
      lines.push_back(AddLine("shorter", {}, 1, stats(std::string(c.exact_below - 1, 'z'))));
    }
    lines.push_back(AddLine("as_long", {}, 1, stats(std::string(c.exact_below, 'z'))));
    t.Commit(0, lines);
    auto s = t.Load();
    ASSERT_TRUE(s) << s.error().message;
    FileQuery q;
    // Every max above is a run of 'z': the rows of "shorter" cannot exceed it.
    q.json_predicate = Cmp("greaterThan", "name", "string", std::string(c.exact_below, 'z'));
    auto sel = SelectFiles(**s, q);
    ASSERT_EQ(sel.files.size(), 1u);
    EXPECT_EQ(sel.files[0]->path(), "as_long");
  }
}

// A hint is read against a column's statistics only when it is of the column's kind: an int hint
// on a string column would read the lexicographic min/max ("1".."9") as numbers, and prune a file
// whose row "50" matches `code > 10`. Numbers still compare with numbers of another width.
TEST(HintTypeSkippingTest, AHintOfAnotherKindThanTheColumnPrunesNothing) {
  TestTable t;
  t.Commit(0, {ProtocolLine(),
               MetadataLine(SchemaString({{"code", "string"}, {"id", "long"}}), {})});
  t.Commit(1, {AddLine("f", {}, 1,
                       R"({"numRecords":3,"minValues":{"code":"1","id":1},)"
                       R"("maxValues":{"code":"9","id":10},"nullCount":{"code":0,"id":0}})")});
  auto s = t.Load();
  ASSERT_TRUE(s) << s.error().message;
  auto select = [&](const std::string& predicate) {
    FileQuery q;
    q.json_predicate = predicate;
    return SelectFiles(**s, q).files.size();
  };
  EXPECT_EQ(select(Cmp("greaterThan", "code", "int", "10")), 1u);
  EXPECT_EQ(select(Cmp("greaterThan", "code", "long", "10")), 1u);
  EXPECT_EQ(select(Cmp("lessThan", "code", "double", "0.5")), 1u);
  EXPECT_EQ(select(Cmp("greaterThan", "id", "string", "9")), 1u);
  // Of the column's kind, the bounds prune as before.
  EXPECT_EQ(select(Cmp("greaterThan", "code", "string", "9")), 0u);
  EXPECT_EQ(select(Cmp("greaterThan", "id", "int", "10")), 0u);
  EXPECT_EQ(select(Cmp("greaterThan", "id", "double", "10.5")), 0u);
}

TEST(TypedValueTest, ParsesTheProtocolForms) {
  EXPECT_EQ(std::get<int64_t>(ParseTypedValue(ValueType::kDate, "1970-01-02")->v), 1);
  EXPECT_EQ(std::get<int64_t>(ParseTypedValue(ValueType::kTimestamp, "1970-01-01T00:00:01Z")->v),
            1000000);
  EXPECT_EQ(std::get<int64_t>(ParseTypedValue(ValueType::kTimestamp, "1970-01-01 00:00:01.5")->v),
            1500000);
  EXPECT_EQ(
      std::get<int64_t>(ParseTypedValue(ValueType::kTimestamp, "1970-01-01T01:00:00+01:00")->v), 0);
  EXPECT_FALSE(ParseTypedValue(ValueType::kInt, "3000000000"));
  EXPECT_TRUE(ParseTypedValue(ValueType::kLong, "3000000000"));
  EXPECT_FALSE(ParseTypedValue(ValueType::kBool, "yes"));
  EXPECT_TRUE(std::isnan(std::get<double>(ParseTypedValue(ValueType::kDouble, "NaN")->v)));
}

}  // namespace
}  // namespace lakeshare::delta
