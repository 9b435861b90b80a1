#include "common/names.h"

#include <iterator>

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

// Look-alike spellings (Unicode normalization, UAX #15): every code point that Normalization
// Form C replaces (NFC_Quick_Check=No: canonical singletons such as U+212B ANGSTROM SIGN for
// U+00C5, and composition exclusions such as U+0958 for U+0915 U+093C), and the blocks of
// combining marks that decomposed text (NFD, as macOS writes file names) uses for accents:
// "cafe" + U+0301 looks like "caf" + U+00E9 but is another name. The marks are refused whole,
// also where NFC keeps one (no precomposed letter exists): names are identifiers, not prose.
// Sorted, non-overlapping; 77 ranges: 71 the NFC part, from Python's unicodedata (Unicode 14.0),
// and 6 the blocks of generic marks (U+0300-U+036F, U+1AB0, U+1DC0, U+20D0, U+FE20, U+3099-A).
constexpr Range kNotNfc[] = {
    {0x0300, 0x036F},    // block COMBINING DIACRITICAL MARKS (U+0340/1/3/4: NFC replaces them)
    {0x0374, 0x0374},    // GREEK NUMERAL SIGN (NFC: U+02B9)
    {0x037E, 0x037E},    // GREEK QUESTION MARK (NFC: U+003B)
    {0x0387, 0x0387},    // GREEK ANO TELEIA (NFC: U+00B7)
    {0x0958, 0x095F},    // DEVANAGARI LETTER QA..DEVANAGARI LETTER YYA
    {0x09DC, 0x09DD},    // BENGALI LETTER RRA..BENGALI LETTER RHA
    {0x09DF, 0x09DF},    // BENGALI LETTER YYA (NFC: U+09AF U+09BC)
    {0x0A33, 0x0A33},    // GURMUKHI LETTER LLA (NFC: U+0A32 U+0A3C)
    {0x0A36, 0x0A36},    // GURMUKHI LETTER SHA (NFC: U+0A38 U+0A3C)
    {0x0A59, 0x0A5B},    // GURMUKHI LETTER KHHA..GURMUKHI LETTER ZA
    {0x0A5E, 0x0A5E},    // GURMUKHI LETTER FA (NFC: U+0A2B U+0A3C)
    {0x0B5C, 0x0B5D},    // ORIYA LETTER RRA..ORIYA LETTER RHA
    {0x0F43, 0x0F43},    // TIBETAN LETTER GHA (NFC: U+0F42 U+0FB7)
    {0x0F4D, 0x0F4D},    // TIBETAN LETTER DDHA (NFC: U+0F4C U+0FB7)
    {0x0F52, 0x0F52},    // TIBETAN LETTER DHA (NFC: U+0F51 U+0FB7)
    {0x0F57, 0x0F57},    // TIBETAN LETTER BHA (NFC: U+0F56 U+0FB7)
    {0x0F5C, 0x0F5C},    // TIBETAN LETTER DZHA (NFC: U+0F5B U+0FB7)
    {0x0F69, 0x0F69},    // TIBETAN LETTER KSSA (NFC: U+0F40 U+0FB5)
    {0x0F73, 0x0F73},    // TIBETAN VOWEL SIGN II (NFC: U+0F71 U+0F72)
    {0x0F75, 0x0F76},    // TIBETAN VOWEL SIGN UU..TIBETAN VOWEL SIGN VOCALIC R
    {0x0F78, 0x0F78},    // TIBETAN VOWEL SIGN VOCALIC L (NFC: U+0FB3 U+0F80)
    {0x0F81, 0x0F81},    // TIBETAN VOWEL SIGN REVERSED II (NFC: U+0F71 U+0F80)
    {0x0F93, 0x0F93},    // TIBETAN SUBJOINED LETTER GHA (NFC: U+0F92 U+0FB7)
    {0x0F9D, 0x0F9D},    // TIBETAN SUBJOINED LETTER DDHA (NFC: U+0F9C U+0FB7)
    {0x0FA2, 0x0FA2},    // TIBETAN SUBJOINED LETTER DHA (NFC: U+0FA1 U+0FB7)
    {0x0FA7, 0x0FA7},    // TIBETAN SUBJOINED LETTER BHA (NFC: U+0FA6 U+0FB7)
    {0x0FAC, 0x0FAC},    // TIBETAN SUBJOINED LETTER DZHA (NFC: U+0FAB U+0FB7)
    {0x0FB9, 0x0FB9},    // TIBETAN SUBJOINED LETTER KSSA (NFC: U+0F90 U+0FB5)
    {0x1AB0, 0x1AFF},    // block COMBINING DIACRITICAL MARKS EXTENDED
    {0x1DC0, 0x1DFF},    // block COMBINING DIACRITICAL MARKS SUPPLEMENT
    {0x1F71, 0x1F71},    // GREEK SMALL LETTER ALPHA WITH OXIA (NFC: U+03AC)
    {0x1F73, 0x1F73},    // GREEK SMALL LETTER EPSILON WITH OXIA (NFC: U+03AD)
    {0x1F75, 0x1F75},    // GREEK SMALL LETTER ETA WITH OXIA (NFC: U+03AE)
    {0x1F77, 0x1F77},    // GREEK SMALL LETTER IOTA WITH OXIA (NFC: U+03AF)
    {0x1F79, 0x1F79},    // GREEK SMALL LETTER OMICRON WITH OXIA (NFC: U+03CC)
    {0x1F7B, 0x1F7B},    // GREEK SMALL LETTER UPSILON WITH OXIA (NFC: U+03CD)
    {0x1F7D, 0x1F7D},    // GREEK SMALL LETTER OMEGA WITH OXIA (NFC: U+03CE)
    {0x1FBB, 0x1FBB},    // GREEK CAPITAL LETTER ALPHA WITH OXIA (NFC: U+0386)
    {0x1FBE, 0x1FBE},    // GREEK PROSGEGRAMMENI (NFC: U+03B9)
    {0x1FC9, 0x1FC9},    // GREEK CAPITAL LETTER EPSILON WITH OXIA (NFC: U+0388)
    {0x1FCB, 0x1FCB},    // GREEK CAPITAL LETTER ETA WITH OXIA (NFC: U+0389)
    {0x1FD3, 0x1FD3},    // GREEK SMALL LETTER IOTA WITH DIALYTIKA AND OXIA (NFC: U+0390)
    {0x1FDB, 0x1FDB},    // GREEK CAPITAL LETTER IOTA WITH OXIA (NFC: U+038A)
    {0x1FE3, 0x1FE3},    // GREEK SMALL LETTER UPSILON WITH DIALYTIKA AND OXIA (NFC: U+03B0)
    {0x1FEB, 0x1FEB},    // GREEK CAPITAL LETTER UPSILON WITH OXIA (NFC: U+038E)
    {0x1FEE, 0x1FEF},    // GREEK DIALYTIKA AND OXIA..GREEK VARIA
    {0x1FF9, 0x1FF9},    // GREEK CAPITAL LETTER OMICRON WITH OXIA (NFC: U+038C)
    {0x1FFB, 0x1FFB},    // GREEK CAPITAL LETTER OMEGA WITH OXIA (NFC: U+038F)
    {0x1FFD, 0x1FFD},    // GREEK OXIA (NFC: U+00B4)
    {0x2000, 0x2001},    // EN QUAD..EM QUAD
    {0x20D0, 0x20FF},    // block COMBINING DIACRITICAL MARKS FOR SYMBOLS
    {0x2126, 0x2126},    // OHM SIGN (NFC: U+03A9)
    {0x212A, 0x212B},    // KELVIN SIGN..ANGSTROM SIGN
    {0x2329, 0x232A},    // LEFT-POINTING ANGLE BRACKET..RIGHT-POINTING ANGLE BRACKET
    {0x2ADC, 0x2ADC},    // FORKING (NFC: U+2ADD U+0338)
    {0x3099, 0x309A},    // COMBINING KATAKANA-HIRAGANA (SEMI-)VOICED SOUND MARK
    {0xF900, 0xFA0D},    // CJK COMPATIBILITY IDEOGRAPH-F900..CJK COMPATIBILITY IDEOGRAPH-FA0D
    {0xFA10, 0xFA10},    // CJK COMPATIBILITY IDEOGRAPH-FA10 (NFC: U+585A)
    {0xFA12, 0xFA12},    // CJK COMPATIBILITY IDEOGRAPH-FA12 (NFC: U+6674)
    {0xFA15, 0xFA1E},    // CJK COMPATIBILITY IDEOGRAPH-FA15..CJK COMPATIBILITY IDEOGRAPH-FA1E
    {0xFA20, 0xFA20},    // CJK COMPATIBILITY IDEOGRAPH-FA20 (NFC: U+8612)
    {0xFA22, 0xFA22},    // CJK COMPATIBILITY IDEOGRAPH-FA22 (NFC: U+8AF8)
    {0xFA25, 0xFA26},    // CJK COMPATIBILITY IDEOGRAPH-FA25..CJK COMPATIBILITY IDEOGRAPH-FA26
    {0xFA2A, 0xFA6D},    // CJK COMPATIBILITY IDEOGRAPH-FA2A..CJK COMPATIBILITY IDEOGRAPH-FA6D
    {0xFA70, 0xFAD9},    // CJK COMPATIBILITY IDEOGRAPH-FA70..CJK COMPATIBILITY IDEOGRAPH-FAD9
    {0xFB1D, 0xFB1D},    // HEBREW LETTER YOD WITH HIRIQ (NFC: U+05D9 U+05B4)
    {0xFB1F, 0xFB1F},    // HEBREW LIGATURE YIDDISH YOD YOD PATAH (NFC: U+05F2 U+05B7)
    {0xFB2A, 0xFB36},    // HEBREW LETTER SHIN WITH SHIN DOT..HEBREW LETTER ZAYIN WITH DAGESH
    {0xFB38, 0xFB3C},    // HEBREW LETTER TET WITH DAGESH..HEBREW LETTER LAMED WITH DAGESH
    {0xFB3E, 0xFB3E},    // HEBREW LETTER MEM WITH DAGESH (NFC: U+05DE U+05BC)
    {0xFB40, 0xFB41},    // HEBREW LETTER NUN WITH DAGESH..HEBREW LETTER SAMEKH WITH DAGESH
    {0xFB43, 0xFB44},    // HEBREW LETTER FINAL PE WITH DAGESH..HEBREW LETTER PE WITH DAGESH
    {0xFB46, 0xFB4E},    // HEBREW LETTER TSADI WITH DAGESH..HEBREW LETTER PE WITH RAFE
    {0xFE20, 0xFE2F},    // block COMBINING HALF MARKS
    {0x1D15E, 0x1D164},  // MUSICAL SYMBOL HALF NOTE..MUSICAL SYMBOL ONE HUNDRED TWENTY-EIGHTH NOTE
    {0x1D1BB, 0x1D1C0},  // MUSICAL SYMBOL MINIMA..MUSICAL SYMBOL FUSA BLACK
    {0x2F800, 0x2FA1D},  // CJK COMPATIBILITY IDEOGRAPH-2F800..CJK COMPATIBILITY IDEOGRAPH-2FA1D
};

// Hangul (Unicode 14.0, section 3.12): NFC composes a leading consonant jamo L (U+1100-U+1112)
// and a vowel jamo V (U+1161-U+1175) into one syllable, and such a syllable LV with a trailing
// jamo T (U+11A8-U+11C2) into LVT; so a V after an L, or a T after an LV, is not NFC.
bool ComposesWithHangul(uint32_t previous, uint32_t cp) {
  constexpr uint32_t kSyllables = 0xAC00, kSyllableCount = 11172, kTrailingCount = 28;
  if (cp >= 0x1161 && cp <= 0x1175) {
    return previous >= 0x1100 && previous <= 0x1112;
  }
  if (cp >= 0x11A8 && cp <= 0x11C2) {
    return previous >= kSyllables && previous < kSyllables + kSyllableCount &&
           (previous - kSyllables) % kTrailingCount == 0;
  }
  return false;
}

bool InRanges(const Range* begin, const Range* end, uint32_t cp) {
  for (const Range* r = begin; r != end; ++r) {
    if (cp < r->first) return false;
    if (cp <= r->last) return true;
  }
  return false;
}

// True when `cp`, after `previous` (0 at the start), keeps a name from being NFC (see kNotNfc).
bool BreaksNfc(uint32_t previous, uint32_t cp) {
  return InRanges(std::begin(kNotNfc), std::end(kNotNfc), cp) || ComposesWithHangul(previous, cp);
}

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
  return InRanges(std::begin(kInvisible), std::end(kInvisible), cp);
}

Status ValidateObjectName(std::string_view what, std::string_view name, bool allow_dot) {
  if (name.empty()) {
    return InvalidArgument("The {} name must not be empty", what);
  }
  if (name.size() > 255) {
    return InvalidArgument("The {} name is longer than 255 characters", what);
  }
  // First what must never be echoed (it would garble the message), then the plain rules.
  uint32_t previous = 0;
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
    if (BreaksNfc(previous, cp)) {
      return InvalidArgument(
          "Invalid {} name: it holds U+{:04X}, a combining mark or a character that Unicode "
          "normalization (NFC) writes otherwise, so the name could have a twin that looks the "
          "same; write it in NFC, each accented letter as one character",
          what, cp);
    }
    previous = cp;
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
