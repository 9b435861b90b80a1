#include "parquet/value_vectors.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lakeshare::parquet {
namespace {

TEST(WithValueVectorTest, NamesTheVectorThatHoldsEachPhysicalType) {
  ColumnData c;
  c.bools.resize(1);
  c.i32.resize(2);
  c.i64.resize(3);
  c.i96.resize(4);
  c.f32.resize(5);
  c.f64.resize(6);
  c.bytes.resize(7);
  auto size_for = [&c](PhysicalType type) {
    return WithValueVector(type, [&c](auto values) { return (c.*values).size(); });
  };
  EXPECT_EQ(size_for(PhysicalType::kBoolean), size_t{1});
  EXPECT_EQ(size_for(PhysicalType::kInt32), size_t{2});
  EXPECT_EQ(size_for(PhysicalType::kInt64), size_t{3});
  EXPECT_EQ(size_for(PhysicalType::kInt96), size_t{4});
  EXPECT_EQ(size_for(PhysicalType::kFloat), size_t{5});
  EXPECT_EQ(size_for(PhysicalType::kDouble), size_t{6});
  EXPECT_EQ(size_for(PhysicalType::kByteArray), size_t{7});
  EXPECT_EQ(size_for(PhysicalType::kFixedLenByteArray), size_t{7});
}

TEST(WithValueVectorTest, TheMemberServesTwoColumnsAlike) {
  ColumnData dict;
  dict.type = PhysicalType::kInt64;
  dict.i64 = {10, 20, 30};
  ColumnData out;
  out.type = PhysicalType::kInt64;
  WithValueVector(PhysicalType::kInt64, [&](auto values) {
    (out.*values).push_back((dict.*values)[2]);
    (out.*values).push_back((dict.*values)[0]);
  });
  EXPECT_EQ(out.i64, (std::vector<int64_t>{30, 10}));
  EXPECT_EQ(out.num_values(), 2);
  EXPECT_TRUE(out.i32.empty());
}

}  // namespace
}  // namespace lakeshare::parquet
