// WriterSchema's refusals, message for message: the checks of writer_schema.cc share helpers
// (one physical type, one FIXED_LEN_BYTE_ARRAY length, a name used twice), and each refusal
// still names its field and its reason.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/result_testing.h"
#include "parquet/file_writer.h"

namespace lakeshare::parquet {
namespace {

using P = PhysicalType;
using R = Repetition;

std::string RefusalOf(const std::vector<WriterField>& fields) {
  auto schema = WriterSchema::Make(fields);
  EXPECT_FALSE(schema);
  EXPECT_EQ(schema ? ErrorCode::kInternal : schema.error().code, ErrorCode::kInvalidArgument);
  return schema ? std::string() : schema.error().message;
}

TEST(WriterSchemaTest, AnAnnotationOnTheWrongPhysicalTypeNamesBoth) {
  EXPECT_EQ(RefusalOf({Primitive("x", P::kInt64, StringType())}),
            "field 'x': STRING cannot annotate INT64");
  EXPECT_EQ(RefusalOf({Primitive("n", P::kInt32, IntType(64))}),
            "field 'n': INTEGER(64,signed) cannot annotate INT32");
  EXPECT_EQ(RefusalOf({Primitive("t", P::kInt64, TimeType(TimeUnit::kMillis))}),
            "field 't': TIME(MILLIS,UTC) cannot annotate INT64");
  EXPECT_EQ(RefusalOf({Primitive("t", P::kInt32, TimeType(TimeUnit::kMicros, false))}),
            "field 't': TIME(MICROS,local) cannot annotate INT32");
  EXPECT_EQ(RefusalOf({Primitive("ts", P::kInt32, TimestampType(TimeUnit::kMillis))}),
            "field 'ts': TIMESTAMP(MILLIS,UTC) cannot annotate INT32");
  EXPECT_EQ(RefusalOf({Primitive("d", P::kInt64, DateType())}),
            "field 'd': DATE cannot annotate INT64");
}

TEST(WriterSchemaTest, AFixedLengthAnnotationNamesTheLengthItNeeds) {
  EXPECT_EQ(RefusalOf({Primitive("u", P::kFixedLenByteArray, UuidType(), R::kOptional, 8)}),
            "field 'u': UUID cannot annotate FIXED_LEN_BYTE_ARRAY (needs FIXED_LEN_BYTE_ARRAY(16))");
  EXPECT_EQ(RefusalOf({Primitive("h", P::kByteArray, LogicalOf(LogicalKind::kFloat16))}),
            "field 'h': FLOAT16 cannot annotate BYTE_ARRAY (needs FIXED_LEN_BYTE_ARRAY(2))");
  EXPECT_EQ(RefusalOf({Primitive("i", P::kFixedLenByteArray, LogicalOf(LogicalKind::kInterval),
                                 R::kOptional, 16)}),
            "field 'i': INTERVAL cannot annotate FIXED_LEN_BYTE_ARRAY "
            "(needs FIXED_LEN_BYTE_ARRAY(12))");
}

TEST(WriterSchemaTest, ANameUsedTwiceIsRefusedAtItsSecondUse) {
  EXPECT_EQ(RefusalOf({Primitive("a", P::kInt32), Primitive("b", P::kInt32),
                       Primitive("a", P::kInt64)}),
            "the schema has two fields named 'a'");
  EXPECT_EQ(RefusalOf({Struct("s", {Primitive("a", P::kInt32), Primitive("a", P::kInt32)})}),
            "struct 's' has two fields named 'a'");
  // Top-level fields are checked in order: a broken first field is reported before a name that
  // a later field repeats.
  EXPECT_EQ(RefusalOf({Primitive("x", P::kInt64, StringType()), Primitive("y", P::kInt32),
                       Primitive("y", P::kInt32)}),
            "field 'x': STRING cannot annotate INT64");
}

TEST(WriterSchemaTest, ListsAndMapsGetTheirRepeatedGroup) {
  auto schema = WriterSchema::Make({List("l", Primitive("e", P::kInt32)),
                                    Map("m", Primitive("k", P::kInt32), Primitive("v", P::kInt64))});
  ASSERT_TRUE(schema) << schema.error().message;
  const Schema& s = schema->schema();
  std::vector<std::string> names;
  std::vector<R> repetitions;
  for (int i = 1; i < s.num_nodes(); ++i) {
    names.push_back(s.node(i).name);
    repetitions.push_back(s.node(i).repetition);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"l", "list", "element", "m", "key_value", "key",
                                             "value"}));
  EXPECT_EQ(repetitions, (std::vector<R>{R::kOptional, R::kRepeated, R::kOptional, R::kOptional,
                                         R::kRepeated, R::kRequired, R::kOptional}));
  EXPECT_EQ(s.node(1).logical.kind, LogicalKind::kList);
  EXPECT_EQ(s.node(4).logical.kind, LogicalKind::kMap);
  EXPECT_EQ(s.node(5).logical.kind, LogicalKind::kNone);
  EXPECT_EQ(RefusalOf({List("l", Primitive("e", P::kInt32), R::kRepeated)}),
            "list 'l' cannot itself be repeated");
  EXPECT_EQ(RefusalOf({Map("m", Primitive("k", P::kInt32), Primitive("v", P::kInt32),
                           R::kRepeated)}),
            "map 'm' cannot itself be repeated");
}

}  // namespace
}  // namespace lakeshare::parquet
