#include "common/json_bounds.h"

#include <gtest/gtest.h>

#include <string>

namespace lakeshare {
namespace {

constexpr JsonLimits kSmall{.max_bytes = 1 << 20, .max_depth = 3, .max_elements = 5};

std::string Nested(char open, char close, int depth) {
  return std::string(static_cast<size_t>(depth), open) +
         std::string(static_cast<size_t>(depth), close);
}

TEST(JsonBoundsTest, MeasuresDepthAndElements) {
  auto shape = ScanJsonBounds(R"({"a":[1,2,{"b":null}],"c":"x"})", kRequestBodyJsonLimits, "t");
  ASSERT_TRUE(shape) << shape.error().message;
  EXPECT_EQ(shape->depth, 3);
  // Members a, c; items 1, 2, {..}; member b.
  EXPECT_EQ(shape->elements, 6u);
}

TEST(JsonBoundsTest, ScalarsAndEmptyContainersHaveNoElements) {
  for (std::string_view text : {"", "  ", "1", "\"s\"", "null", "[]", "{}", "[ ]", "{ \n}"}) {
    auto shape = ScanJsonBounds(text, kSmall, "t");
    ASSERT_TRUE(shape) << text;
    EXPECT_EQ(shape->elements, 0u) << text;
  }
  EXPECT_EQ(ScanJsonBounds("[[],{}]", kSmall, "t")->elements, 2u);
}

TEST(JsonBoundsTest, DepthExactlyAtTheLimitPassesOneMoreFails) {
  for (char open : {'[', '{'}) {
    const char close = open == '[' ? ']' : '}';
    auto at = ScanJsonBounds(Nested(open, close, 3), kSmall, "t");
    ASSERT_TRUE(at) << at.error().message;
    EXPECT_EQ(at->depth, 3);
    auto over = ScanJsonBounds(Nested(open, close, 4), kSmall, "The body");
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, ErrorCode::kMalformedRequest);
    EXPECT_EQ(over.error().message,
              "The body nests JSON deeper than 3 levels (the limit); send a flatter document");
  }
  // Mixed objects and arrays count alike.
  EXPECT_TRUE(ScanJsonBounds(R"({"a":[{"b":1}]})", kSmall, "t"));
  EXPECT_FALSE(ScanJsonBounds(R"({"a":[{"b":[]}]})", kSmall, "t"));
}

TEST(JsonBoundsTest, DeepArraysAndObjectsAreRefusedWithoutRecursion) {
  // The attack of issue 10: 80,000 levels (160 KB) would overflow a recursive walker's stack.
  const std::string arrays = Nested('[', ']', 80'000);
  const std::string objects = [] {
    std::string s;
    for (int i = 0; i < 80'000; ++i) s += "{\"a\":";
    s += "1";
    s.append(80'000, '}');
    return s;
  }();
  for (const std::string* text : {&arrays, &objects}) {
    auto r = ScanJsonBounds(*text, kRequestBodyJsonLimits, "'jsonPredicateHints'");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "'jsonPredicateHints' nests JSON deeper than 64 levels (the limit); send a flatter "
              "document");
  }
  // Siblings never add up: many shallow containers in a row are fine.
  std::string wide = "[";
  for (int i = 0; i < 1000; ++i) wide += i ? ",[[]]" : "[[]]";
  wide += "]";
  auto shape = ScanJsonBounds(wide, kRequestBodyJsonLimits, "t");
  ASSERT_TRUE(shape);
  EXPECT_EQ(shape->depth, 3);
}

TEST(JsonBoundsTest, BracketsInsideStringsAreText) {
  const std::string in_string = "[\"" + Nested('[', '}', 10'000) + "\"]";
  auto shape = ScanJsonBounds(in_string, kSmall, "t");
  ASSERT_TRUE(shape) << shape.error().message;
  EXPECT_EQ(shape->depth, 1);
  EXPECT_EQ(shape->elements, 1u);
  // Commas inside strings are no elements either.
  EXPECT_EQ(ScanJsonBounds(R"(["a,b,c,d,e,f,g"])", kSmall, "t")->elements, 1u);
}

TEST(JsonBoundsTest, EscapesInsideStringsAreSkipped) {
  // An escaped quote does not end the string: the brackets after it are still text.
  EXPECT_EQ(ScanJsonBounds(R"(["\"[[[[[[", 1])", kSmall, "t")->depth, 1);
  // An escaped backslash does end the escape: the quote after it ends the string, so the
  // brackets that follow are structure.
  auto r = ScanJsonBounds(R"(["\\", [[[[]]]]])", kSmall, "t");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("deeper than 3 levels"), std::string::npos);
  // \uXXXX escapes and escaped brackets stay inside the string.
  EXPECT_EQ(ScanJsonBounds(R"(["\u005b\u007b\/\b[{", {}])", kSmall, "t")->depth, 2);
  // A backslash as the last byte of an unterminated string ends the scan, not the bounds check.
  EXPECT_TRUE(ScanJsonBounds("[\"abc\\", kSmall, "t"));
}

TEST(JsonBoundsTest, ElementsExactlyAtTheLimitPassOneMoreFails) {
  auto at = ScanJsonBounds("[1,2,3,4,5]", kSmall, "t");
  ASSERT_TRUE(at);
  EXPECT_EQ(at->elements, 5u);
  // Elements count across containers: 2 members, then 2 + 2 items.
  EXPECT_TRUE(ScanJsonBounds(R"({"a":[1,2],"b":[3]})", kSmall, "t"));
  auto over = ScanJsonBounds(R"({"a":[1,2],"b":[3,4]})", kSmall, "The body");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().message,
            "The body has more than 5 elements (the limit); send fewer values");
}

TEST(JsonBoundsTest, SizeExactlyAtTheLimitPassesOneMoreFails) {
  constexpr JsonLimits kTiny{.max_bytes = 4, .max_depth = 8, .max_elements = 8};
  EXPECT_TRUE(ScanJsonBounds("[12]", kTiny, "t"));
  auto over = ScanJsonBounds("[123]", kTiny, "The body", ErrorCode::kInvalidArgument);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(over.error().message, "The body is 5 bytes, over the limit of 4 bytes; send less");
}

TEST(JsonBoundsTest, UnbalancedClosesCannotBuyDepth) {
  // "]]]]" first must not let "[[[[" go four levels deeper than the limit later.
  EXPECT_FALSE(ScanJsonBounds("]]]][[[[]]]]", kSmall, "t"));
  EXPECT_TRUE(CheckJsonBounds("]]]][[[]]]", kSmall, "t"));
}

TEST(JsonBoundsTest, JsonStringEndStepsOverEscapesToTheClosingQuote) {
  EXPECT_EQ(JsonStringEnd(R"("ab",1)", 0), 4u);
  EXPECT_EQ(JsonStringEnd(R"(x"a\"b"y)", 1), 7u);     // \" does not close
  EXPECT_EQ(JsonStringEnd(R"("a\\"y)", 0), 5u);       // \\ ends the escape, " closes
  EXPECT_EQ(JsonStringEnd(R"("open)", 0), 5u);        // unterminated: the end of the text
  EXPECT_EQ(JsonStringEnd(R"("ends in \)", 0), 10u);  // a trailing backslash: the end too
}

}  // namespace
}  // namespace lakeshare
