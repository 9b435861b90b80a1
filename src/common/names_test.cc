#include "common/names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace lakeshare {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A name that must be refused, and the code point its refusal names.
struct RefusedName {
  std::string name;
  std::string code_point;
};

// `name`, validated as an object of `kind`, is refused as an invalid argument whose message
// names the code point and `also`. The name itself is not echoed: its controls or marks would
// garble the message.
void ExpectRefused(std::string_view kind, const RefusedName& c, std::string_view also) {
  SCOPED_TRACE(c.code_point);
  Status status = ValidateObjectName(kind, c.name, true);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.error().message, HasSubstr(c.code_point));
  EXPECT_THAT(status.error().message, HasSubstr(also));
  EXPECT_THAT(status.error().message, Not(HasSubstr(c.name)));
}

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
  for (const RefusedName& c : std::vector<RefusedName>{
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
    ExpectRefused("recipient", c, "recipient");
  }
}

// Look-alike names: "café" with U+00E9 (NFC) and with "e" and U+0301 (NFD) look the same but
// were two names. Text not in NFC is refused, naming the code point.
TEST(ValidateObjectNameTest, NamesNotInNfcAreRefused) {
  for (const RefusedName& c : std::vector<RefusedName>{
           {"cafe\u0301", "U+0301"},                   // COMBINING ACUTE ACCENT (NFD of U+00E9)
           {"U\u0308berweisungen", "U+0308"},          // COMBINING DIAERESIS
           {"a\u1AB0b", "U+1AB0"},                     // Combining Diacritical Marks Extended
           {"a\u1DC0b", "U+1DC0"},                     // Combining Diacritical Marks Supplement
           {"a\u20D7b", "U+20D7"},                     // Combining Marks for Symbols
           {"a\uFE20b", "U+FE20"},                     // Combining Half Marks
           {"\u304B\u3099", "U+3099"},                 // NFD of U+304C HIRAGANA GA
           {"\u212Bngstrom", "U+212B"},                // ANGSTROM SIGN (NFC: U+00C5)
           {"\u2126", "U+2126"},                       // OHM SIGN (NFC: U+03A9)
           {"a\u037Eb", "U+037E"},                     // GREEK QUESTION MARK (NFC: ';')
           {"\u0958", "U+0958"},                       // DEVANAGARI QA (NFC: U+0915 U+093C)
           {"\uF900", "U+F900"},                       // CJK COMPATIBILITY IDEOGRAPH
           {"\U0002F800", "U+2F800"},                  // CJK COMPATIBILITY IDEOGRAPH SUPPLEMENT
           {"\u1112\u1161\u11AB", "U+1161"},           // NFD of U+D55C HANGUL HAN: L V T
           {"\uD558\u11AB", "U+11AB"},                 // LV syllable U+D558 and a T
       }) {
    ExpectRefused("share", c, "NFC");
  }
}

TEST(ValidateObjectNameTest, NfcNamesInAnyScriptStayAccepted) {
  for (const char* name : {
           "caf\u00e9",                 // U+00E9
           "\u00c5ngstr\u00f6m",        // U+00C5, U+00F6
           "\u304C",                    // HIRAGANA GA
           "\uD55C\uAD6D",              // HANGUL "Korea", syllables
           "\u1112",                    // a lone leading jamo
           "\uD558\u11C3",              // an LV syllable and an old trailing jamo NFC keeps
           "\u0915\u093C",              // DEVANAGARI KA and NUKTA: the NFC of U+0958
           "\u09AC\u09BE\u0982\u09B2\u09BE",  // Bengali, with vowel signs
           "\u05E9\u05C1",              // HEBREW SHIN and SHIN DOT: the NFC of U+FB2A
           "\u03A9",                    // GREEK CAPITAL OMEGA (not the OHM SIGN)
       }) {
    EXPECT_TRUE(ValidateObjectName("share", name, /*allow_dot=*/true)) << name;
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
