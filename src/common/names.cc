#include "common/names.h"

namespace lakeshare {

namespace {

struct Range {
  uint32_t first;
  uint32_t last;
};

// Sorted, non-overlapping.
constexpr Range kInvisible[] = {
    {0x0080, 0x00A0},    // C1 controls, NO-BREAK SPACE
    {0x00AD, 0x00AD},    // SOFT HYPHEN
    {0x034F, 0x034F},    // COMBINING GRAPHEME JOINER
    {0x061C, 0x061C},    // ARABIC LETTER MARK
    {0x115F, 0x1160},    // HANGUL CHOSEONG/JUNGSEONG FILLER
    {0x1680, 0x1680},    // OGHAM SPACE MARK
    {0x17B4, 0x17B5},    // KHMER VOWEL INHERENT AQ/AA
    {0x180B, 0x180F},    // MONGOLIAN FREE VARIATION SELECTORS, VOWEL SEPARATOR
    {0x2000, 0x200F},    // spaces, ZERO WIDTH SPACE/NON-JOINER/JOINER, LRM, RLM
    {0x2028, 0x202F},    // LINE/PARAGRAPH SEPARATOR, LRE RLE PDF LRO RLO, NARROW NBSP
    {0x205F, 0x206F},    // MEDIUM MATH SPACE, WORD JOINER, invisible operators, LRI..PDI
    {0x3000, 0x3000},    // IDEOGRAPHIC SPACE
    {0x3164, 0x3164},    // HANGUL FILLER
    {0xFE00, 0xFE0F},    // VARIATION SELECTORS
    {0xFEFF, 0xFEFF},    // ZERO WIDTH NO-BREAK SPACE (BOM)
    {0xFFA0, 0xFFA0},    // HALFWIDTH HANGUL FILLER
    {0xFFF0, 0xFFFB},    // unassigned specials, INTERLINEAR ANNOTATION controls
    {0xFFFE, 0xFFFF},    // noncharacters
    {0x1D173, 0x1D17A},  // MUSICAL SYMBOL BEGIN/END BEAM, TIE, SLUR, PHRASE
    {0xE0000, 0xE007F},  // TAG characters
    {0xE0100, 0xE01EF},  // VARIATION SELECTORS SUPPLEMENT
};

}  // namespace

size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    *cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    *cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    *cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 2 && *cp < 0x80) || (n == 3 && *cp < 0x800) || (n == 4 && *cp < 0x10000) ||
      *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

bool IsInvisibleOrFormatCodePoint(uint32_t cp) {
  for (const Range& r : kInvisible) {
    if (cp < r.first) return false;
    if (cp <= r.last) return true;
  }
  return false;
}

Status ValidateObjectName(std::string_view what, std::string_view name, bool allow_dot) {
  if (name.empty()) {
    return InvalidArgument("The {} name must not be empty", what);
  }
  if (name.size() > 255) {
    return InvalidArgument("The {} name is longer than 255 characters", what);
  }
  // First what must never be echoed (it would garble the message), then the plain rules.
  for (size_t i = 0; i < name.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(name, i, &cp);
    if (n == 0) {
      return InvalidArgument("Invalid {} name: it is not valid UTF-8 (byte {}); use UTF-8 text",
                             what, i);
    }
    if (cp < 0x20 || cp == 0x7f) {
      return InvalidArgument("Invalid {} name: it holds the control character U+{:04X}; no "
                             "spaces, '/', {}or control characters",
                             what, cp, allow_dot ? "" : "'.', ");
    }
    if (IsInvisibleOrFormatCodePoint(cp)) {
      return InvalidArgument(
          "Invalid {} name: it holds U+{:04X}, an invisible or text-direction character that can "
          "disguise names in listings; remove it",
          what, cp);
    }
    i += n;
  }
  for (char c : name) {
    if (c == ' ' || c == '/' || (!allow_dot && c == '.')) {
      return InvalidArgument("Invalid {} name '{}': no spaces, '/', {}or control characters",
                             what, name, allow_dot ? "" : "'.', ");
    }
  }
  return OkStatus();
}

}  // namespace lakeshare
