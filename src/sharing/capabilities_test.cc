#include "sharing/capabilities.h"

#include <gtest/gtest.h>

namespace lakeshare::sharing {
namespace {

TEST(CapabilitiesTest, AbsentHeaderMeansParquetOnly) {
  auto caps = ParseCapabilities(nullptr);
  ASSERT_TRUE(caps);
  ASSERT_EQ(caps->formats.size(), 1u);
  EXPECT_EQ(caps->formats[0], ResponseFormat::kParquet);
  EXPECT_FALSE(caps->include_end_stream_action);
}

TEST(CapabilitiesTest, ParsesKeysAndValuesCaseInsensitively) {
  std::string h =
      "ResponseFormat=Delta,Parquet; ReaderFeatures=DeletionVectors,columnMapping;"
      "includeEndStreamAction=TRUE";
  auto caps = ParseCapabilities(&h);
  ASSERT_TRUE(caps);
  ASSERT_EQ(caps->formats.size(), 2u);
  EXPECT_EQ(caps->formats[0], ResponseFormat::kDelta);
  EXPECT_TRUE(caps->Accepts(ResponseFormat::kParquet));
  EXPECT_TRUE(caps->HasReaderFeature("deletionvectors"));
  EXPECT_TRUE(caps->HasReaderFeature("columnmapping"));
  EXPECT_TRUE(caps->include_end_stream_action);
}

TEST(CapabilitiesTest, IgnoresSegmentsWithoutExactlyOneEquals) {
  std::string h = "garbage;a=b=c;responseformat=delta;unknown=1";
  auto caps = ParseCapabilities(&h);
  ASSERT_TRUE(caps);
  EXPECT_EQ(caps->formats[0], ResponseFormat::kDelta);
}

TEST(CapabilitiesTest, RejectsUnknownFormatsAndBadFlags) {
  std::string h1 = "responseformat=csv";
  EXPECT_EQ(ParseCapabilities(&h1).error().code, ErrorCode::kInvalidArgument);
  std::string h2 = "includeendstreamaction=maybe";
  EXPECT_EQ(ParseCapabilities(&h2).error().code, ErrorCode::kInvalidArgument);
}

TEST(CapabilitiesTest, FileIdHashAcceptsOnlyTheTwoSchemes) {
  std::string p = "PARQUET", d = "delta", x = "md5";
  EXPECT_EQ(**ParseFileIdHash(&p), ResponseFormat::kParquet);
  EXPECT_EQ(**ParseFileIdHash(&d), ResponseFormat::kDelta);
  EXPECT_FALSE(ParseFileIdHash(nullptr)->has_value());
  EXPECT_EQ(ParseFileIdHash(&x).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace lakeshare::sharing
