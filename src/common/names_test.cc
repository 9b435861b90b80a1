#include "common/names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lakeshare {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(DecodeUtf8Test, DecodesRfc3629AndRefusesTheRest) {
  uint32_t cp = 0;
  EXPECT_EQ(DecodeUtf8("a", 0, &cp), 1u);
  EXPECT_EQ(cp, 'a');
  EXPECT_EQ(DecodeUtf8("x\xe2\x80\xae", 1, &cp), 3u);  // U+202E
  EXPECT_EQ(cp, 0x202Eu);
  EXPECT_EQ(DecodeUtf8("\xf0\x9f\x98\x80", 0, &cp), 4u);
  EXPECT_EQ(cp, 0x1F600u);
  EXPECT_EQ(DecodeUtf8("\xc0\xaf", 0, &cp), 0u);          // overlong '/'
  EXPECT_EQ(DecodeUtf8("\xed\xa0\x80", 0, &cp), 0u);      // surrogate
  EXPECT_EQ(DecodeUtf8("\xf4\x90\x80\x80", 0, &cp), 0u);  // past U+10FFFF
  EXPECT_EQ(DecodeUtf8("\xe2\x80", 0, &cp), 0u);          // truncated
  EXPECT_EQ(DecodeUtf8("\xff", 0, &cp), 0u);
}

TEST(ValidateObjectNameTest, OrdinaryNamesInAnyScriptAreAccepted) {
  for (const char* name : {"acme", "a.b-c_d@e", "Überweisungen", "顧客", "données_2025",
                           "\xF0\x9F\x93\x8A"}) {  // U+1F4CA BAR CHART
    EXPECT_TRUE(ValidateObjectName("share", name, /*allow_dot=*/true)) << name;
  }
  EXPECT_TRUE(ValidateObjectName("share", std::string(255, 'a'), true));
}

// Issue 10, item 8: a share named with U+202E showed reversed text in listings.
TEST(ValidateObjectNameTest, BidiControlsAndInvisibleCharactersAreRefused) {
  struct Case {
    std::string name;
    std::string code_point;
  };
  for (const Case& c : std::vector<Case>{
           {"evil\u202Egpj.exe", "U+202E"},  // RIGHT-TO-LEFT OVERRIDE
           {"a\u202Ab", "U+202A"},           // LEFT-TO-RIGHT EMBEDDING
           {"a\u2066b\u2069", "U+2066"},     // LEFT-TO-RIGHT ISOLATE
           {"a\u200Fb", "U+200F"},           // RIGHT-TO-LEFT MARK
           {"a\u061Cb", "U+061C"},           // ARABIC LETTER MARK
           {"ac\u200Bme", "U+200B"},         // ZERO WIDTH SPACE
           {"acme\u200D", "U+200D"},         // ZERO WIDTH JOINER
           {"\uFEFFacme", "U+FEFF"},         // BYTE ORDER MARK
           {"ac\u00ADme", "U+00AD"},         // SOFT HYPHEN
           {"a\u00A0b", "U+00A0"},           // NO-BREAK SPACE
           {"a\u3000b", "U+3000"},           // IDEOGRAPHIC SPACE
           {"a\u3164b", "U+3164"},           // HANGUL FILLER
           {"a\uFE0Fb", "U+FE0F"},           // VARIATION SELECTOR-16
           {"a\u2028b", "U+2028"},           // LINE SEPARATOR
           {"a\u0085b", "U+0085"},           // NEXT LINE (C1)
           {"a\U000E0041b", "U+E0041"},      // TAG LATIN CAPITAL LETTER A
       }) {
    SCOPED_TRACE(c.code_point);
    Status status = ValidateObjectName("recipient", c.name, true);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(status.error().message, HasSubstr(c.code_point));
    EXPECT_THAT(status.error().message, HasSubstr("recipient"));
    // The name itself is not echoed: its controls would garble the message.
    EXPECT_THAT(status.error().message, Not(HasSubstr(c.name)));
  }
}

TEST(ValidateObjectNameTest, TheStructuralRulesStay) {
  EXPECT_FALSE(ValidateObjectName("schema", "a.b", false));
  EXPECT_FALSE(ValidateObjectName("share", "", true));
  EXPECT_FALSE(ValidateObjectName("share", "a b", true));
  EXPECT_FALSE(ValidateObjectName("share", "a/b", true));
  EXPECT_FALSE(ValidateObjectName("share", std::string("a\x7f", 2), true));
  EXPECT_FALSE(ValidateObjectName("share", std::string("a\0b", 3), true));
  EXPECT_FALSE(ValidateObjectName("share", std::string(256, 'a'), true));
  // Not UTF-8: a lone continuation byte, an overlong '/', an encoded surrogate.
  for (const char* bad : {"a\x80", "a\xC0\xAF", "a\xED\xA0\x80"}) {
    Status status = ValidateObjectName("share", bad, true);
    ASSERT_FALSE(status.has_value()) << bad;
    EXPECT_THAT(status.error().message, HasSubstr("UTF-8"));
  }
  EXPECT_THAT(ValidateObjectName("table", "a b", false).error().message, HasSubstr("'a b'"));
}

}  // namespace
}  // namespace lakeshare
