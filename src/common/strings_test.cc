#include "common/strings.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <iterator>
#include <limits>
#include <list>
#include <ranges>
#include <set>
#include <sstream>

namespace lakeshare {
namespace {

TEST(StringsTest, TrimTakesOnlyTheGivenCharactersFromBothEnds) {
  EXPECT_EQ(Trim(" \t\r\n a b \v\f"), "a b");  // all ASCII white space by default
  EXPECT_EQ(Trim("  \t "), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("x"), "x");
  EXPECT_EQ(Trim(" \v1.2.3.4\t ", kHttpOws), "\v1.2.3.4");  // OWS: space and tab only
  EXPECT_EQ(Trim("\r key \r", " \t\r"), "key");
  EXPECT_EQ(Trim("--a-b--", "-"), "a-b");
}

TEST(StringsTest, Base64RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 20; ++n) {
    auto enc = Base64Encode(bytes);
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, bytes);
    bytes.push_back(static_cast<char>(n * 37 + 200));
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_FALSE(Base64Decode("Zm9v!").has_value());
}

TEST(StringsTest, Base64UrlRoundTripsEveryLengthWithoutPadding) {
  std::string bytes;
  for (int n = 0; n < 20; ++n) {
    auto enc = Base64UrlEncode(bytes);
    EXPECT_EQ(enc.find_first_of("=+/"), std::string::npos) << enc;
    auto dec = Base64UrlDecodeStrict(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, bytes);
    bytes.push_back(static_cast<char>(n * 37 + 200));
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(StringsTest, Base64UrlStrictRefusesPaddingOtherAlphabetsAndNonCanonicalTails) {
  EXPECT_FALSE(Base64UrlDecodeStrict("Zm8=").has_value());   // padding
  EXPECT_FALSE(Base64UrlDecodeStrict("+_8").has_value());    // standard alphabet
  EXPECT_FALSE(Base64UrlDecodeStrict("-/8").has_value());
  EXPECT_FALSE(Base64UrlDecodeStrict("Zm 8").has_value());   // whitespace
  EXPECT_FALSE(Base64UrlDecodeStrict("Zm9vY").has_value());  // 1 mod 4
  EXPECT_FALSE(Base64UrlDecodeStrict("Zm9").has_value());    // "fo" is Zm8: low bits set
  EXPECT_FALSE(Base64UrlDecodeStrict("Zh").has_value());     // "f" is Zg
  EXPECT_EQ(Base64UrlDecodeStrict("Zm8").value_or("?"), "fo");
  EXPECT_EQ(Base64UrlDecodeStrict("").value_or("?"), "");
}

TEST(StringsTest, JsonStringEscapesControlAndInvalidUtf8) {
  std::string out;
  AppendJsonString(out, std::string("a\"b\\c\n\x01\xff", 8));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\"");
  out.clear();
  AppendJsonString(out, "h\xC3\xA9llo");
  EXPECT_EQ(out, "\"h\xC3\xA9llo\"");
}

// The escaping of AppendJsonString, one byte at a time (UTF-8 checked by the test above).
std::string ReferenceJsonAscii(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\b') {
      out += "\\b";
    } else if (c == '\f') {
      out += "\\f";
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

TEST(StringsTest, JsonStringFindsEverySpecialByteAtEveryOffset) {
  // The plain-run scan reads eight bytes at a time: put each special ASCII byte at every offset
  // of strings long enough for several words.
  for (int special = 0; special < 0x80; ++special) {
    for (size_t at = 0; at < 20; ++at) {
      std::string s(20, 'x');
      s[at] = static_cast<char>(special);
      std::string out = "prefix";
      AppendJsonString(out, s);
      ASSERT_EQ(out, "prefix" + ReferenceJsonAscii(s)) << special << " at " << at;
    }
  }
  std::string out;
  AppendJsonString(out,
                   "0123456789abcdef\xC3\xA9"
                   "0123456789abcdef\xff");
  EXPECT_EQ(out,
            "\"0123456789abcdef\xC3\xA9"
            "0123456789abcdef\xEF\xBF\xBD\"");
}

TEST(StringsTest, AppendHexIsLowercase) {
  std::string out = "x";
  AppendHex(out, std::string("\x00\x9f\xff", 3));
  EXPECT_EQ(out, "x009fff");
  EXPECT_EQ(HexEncode("\x01\xab"), "01ab");
}

TEST(StringsTest, JsonDoubleIsShortestRoundTrip) {
  std::string out;
  AppendJsonDouble(out, 0.1);
  EXPECT_EQ(out, "0.1");
  out.clear();
  AppendJsonDouble(out, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(out, "\"NaN\"");
  out.clear();
  AppendJsonDouble(out, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(out, "\"-Infinity\"");
}

TEST(StringsTest, AppendUtf8WritesOneToFourBytesAtTheBoundaries) {
  const std::pair<uint32_t, std::string_view> cases[] = {
      {0x0, std::string_view("\0", 1)}, {0x7F, "\x7F"},         {0x80, "\xC2\x80"},
      {0xE9, "\xC3\xA9"},             {0x7FF, "\xDF\xBF"},     {0x800, "\xE0\xA0\x80"},
      {0xFFFD, "\xEF\xBF\xBD"},       {0xFFFF, "\xEF\xBF\xBF"}, {0x10000, "\xF0\x90\x80\x80"},
      {0x10FFFF, "\xF4\x8F\xBF\xBF"}};
  for (const auto& [cp, utf8] : cases) {
    std::string out = "a";
    AppendUtf8(out, cp);
    EXPECT_EQ(out, "a" + std::string(utf8)) << cp;
  }
}

TEST(StringsTest, SplitKeepsEmptyFields) {
  auto parts = Split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
}

TEST(StringsTest, JoinPutsTheSeparatorBetweenItemsEmptyOnesIncluded) {
  EXPECT_EQ(Join({}, ","), "");
  EXPECT_EQ(Join({""}, ","), "");
  EXPECT_EQ(Join({"a"}, ","), "a");
  EXPECT_EQ(Join({"a", "b", "c"}, ","), "a,b,c");
  EXPECT_EQ(Join({"", "a", ""}, "\n"), "\na\n");
  EXPECT_EQ(Join({"a", "b"}, ", "), "a, b");
  const std::vector<std::string> items = {"", "x", "", "yz", ""};
  // The joined text outlives the views Split returns into it.
  const std::string joined = Join(items, ",");
  std::vector<std::string> back;
  for (std::string_view part : Split(joined, ',')) {
    back.emplace_back(part);
  }
  EXPECT_EQ(back, items);
}

// An input range (one pass, as nlohmann's items() is): the words of a text, read as they come.
// Written out rather than std::views::istream, which clang 14 (the sanitizer build) cannot
// compile with GCC 12's <ranges>.
class OnePassWords {
 public:
  struct Iterator {
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    const std::string& operator*() const { return word; }
    Iterator& operator++() {
      done = !(*in >> word);
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return done; }
    std::istringstream* in;
    std::string word;
    bool done;
  };
  explicit OnePassWords(std::string text) : in_(std::move(text)) {}
  Iterator begin() { return ++Iterator{&in_, "", false}; }
  std::default_sentinel_t end() { return {}; }

 private:
  std::istringstream in_;
};
static_assert(std::ranges::input_range<OnePassWords> && !std::ranges::forward_range<OnePassWords>);

TEST(StringsTest, JoinTakesAnyRangeOfStringLikeItemsInItsOrder) {
  const std::set<std::string> set = {"b", "a", "c"};
  EXPECT_EQ(Join(set, ","), "a,b,c");
  EXPECT_EQ(Join(std::set<std::string>{}, ","), "");
  const std::vector<std::string_view> views = {"x", "", "y"};
  EXPECT_EQ(Join(views, "; "), "x; ; y");
  const std::list<const char*> c_strings = {"p", "q"};
  EXPECT_EQ(Join(c_strings, "--"), "p--q");
  const std::array<std::string, 1> one = {"only"};
  EXPECT_EQ(Join(one, ","), "only");
  EXPECT_EQ(Join(OnePassWords("read once"), " "), "read once");
  EXPECT_EQ(Join(OnePassWords(""), " "), "");
}

}  // namespace
}  // namespace lakeshare

namespace lakeshare {
namespace {

TEST(StringsTest, PercentEncodeKeepsOnlyUnreservedBytesAndDecodesBack) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b/c+d=%"), "a%20b%2Fc%2Bd%3D%25");
  EXPECT_EQ(PercentEncode("a b/c", /*keep_slash=*/true), "a%20b/c");
  EXPECT_EQ(PercentEncode(std::string("\x00\xff\xc3\xa9", 4)), "%00%FF%C3%A9");
  std::string every;
  for (int c = 0; c < 256; ++c) every.push_back(static_cast<char>(c));
  EXPECT_EQ(PercentDecode(PercentEncode(every)), every);
}

TEST(HexTest, DecodeIsTheInverseOfEncode) {
  EXPECT_EQ(HexDecode(HexEncode(std::string("\x00\xff\x10" "a", 4))).value(),
            std::string("\x00\xff\x10" "a", 4));
  EXPECT_EQ(HexDecode("ABcd").value(), "\xab\xcd");
  EXPECT_EQ(HexDecode("").value(), "");
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

TEST(HexTest, DigitValueIsDefinedForTheTwentyTwoHexDigitsOnly) {
  int digits = 0;
  for (int c = 0; c < 256; ++c) {
    const int v = HexDigitValue(static_cast<char>(c));
    if (v >= 0) {
      ++digits;
      EXPECT_EQ(v, std::stoi(std::string(1, static_cast<char>(c)), nullptr, 16));
    }
  }
  EXPECT_EQ(digits, 22);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('g'), -1);
}

}  // namespace
}  // namespace lakeshare
