#include "materialize/row_selection.h"

#include <gtest/gtest.h>

namespace lakeshare::materialize {
namespace {

using parquet::ColumnData;
using parquet::PhysicalType;

TEST(RowSelectionTest, FlatNullableColumnsKeepTheirLevelsAndValues) {
  ColumnData in;
  in.type = PhysicalType::kInt64;
  in.max_def = 1;
  in.num_entries = 5;
  in.def_levels = {1, 0, 1, 1, 0};
  in.i64 = {10, 30, 40};
  ColumnData out;
  ASSERT_TRUE(SelectRows(in, {1, 1, 0, 1, 0}, &out));
  EXPECT_EQ(out.num_entries, 3);
  EXPECT_EQ(out.def_levels, (std::vector<int16_t>{1, 0, 1}));
  EXPECT_EQ(out.i64, (std::vector<int64_t>{10, 40}));
}

TEST(RowSelectionTest, RepeatedColumnsKeepEveryEntryOfAKeptRow) {
  // Rows: [a, b], [], null, [c]  (list of required strings: def 0 null list, 1 empty, 2 value)
  ColumnData in;
  in.type = PhysicalType::kByteArray;
  in.max_def = 2;
  in.max_rep = 1;
  in.num_entries = 5;
  in.rep_levels = {0, 1, 0, 0, 0};
  in.def_levels = {2, 2, 1, 0, 2};
  in.bytes = {"a", "b", "c"};
  auto owner = std::make_shared<int>(1);
  in.buffers = {owner};
  ColumnData out;
  ASSERT_TRUE(SelectRows(in, {1, 0, 1, 1}, &out));
  EXPECT_EQ(out.num_entries, 4);
  EXPECT_EQ(out.rep_levels, (std::vector<int16_t>{0, 1, 0, 0}));
  EXPECT_EQ(out.def_levels, (std::vector<int16_t>{2, 2, 0, 2}));
  EXPECT_EQ(out.bytes, (std::vector<std::string_view>{"a", "b", "c"}));
  EXPECT_EQ(out.buffers.size(), 1u);  // the views stay owned
}

TEST(RowSelectionTest, RefusesAMaskOfTheWrongLengthAndInconsistentLevels) {
  ColumnData in;
  in.type = PhysicalType::kInt32;
  in.num_entries = 3;
  in.i32 = {1, 2, 3};
  ColumnData out;
  EXPECT_FALSE(SelectRows(in, {1, 1}, &out));
  EXPECT_FALSE(SelectRows(in, {1, 1, 1, 1}, &out));
  in.i32 = {1, 2};  // fewer values than defined entries
  EXPECT_EQ(SelectRows(in, {1, 0, 1}, &out).error().code, ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace lakeshare::materialize
