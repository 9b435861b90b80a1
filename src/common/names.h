// Names that people read in listings (shares, recipients, catalogs, schemas, tables, principals,
// groups, external locations): the ONE rule every object name is checked against, by the
// metastore (catalog::ValidateName) and by the YAML-configured server
// (sharing::ValidateObjectName) alike. A name is 1..255 bytes of valid UTF-8 with no space, '/',
// control character (C0, DEL, C1) and no invisible or bidirectional formatting character: a
// share named "evil\u202Egpj.exe" shows as "evilexe.jpg" in a listing (issue 10, item 8), and a
// zero-width space makes two names that look the same, as does a name not in Unicode NFC
// ("café" spelled with a combining accent). Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.h"

namespace lakeshare {

/// True for code points that are invisible or change how text around them is displayed:
/// bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9), zero-width and joining
/// characters (U+200B-D, U+2060, U+FEFF), other format characters (Unicode category Cf: U+00AD,
/// U+2061-4, U+206A-F, U+FFF9-B, U+E0000-7F tags, U+1D173-A), variation selectors, fillers that
/// render as nothing (U+115F, U+1160, U+3164, U+FFA0, U+17B4/5, U+034F, U+180B-F), spaces other
/// than U+0020 (U+00A0, U+1680, U+2000-200A, U+2028/9, U+202F, U+205F, U+3000) and C1 controls.
bool IsInvisibleOrFormatCodePoint(uint32_t code_point);

/// Decode one UTF-8 sequence at s[i] (RFC 3629: shortest form, no surrogates, at most
/// U+10FFFF) into `*cp`; its length, or 0 when it is not valid UTF-8 (truncated included).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp);

/// Check an object name: non-empty, at most 255 bytes, valid UTF-8, no space, '/', control,
/// invisible or formatting character; '.' only when `allow_dot` (it separates the parts of a
/// full name "catalog.schema.table"); in Unicode Normalization Form C as far as look-alikes go:
/// no character that NFC replaces (U+212B ANGSTROM SIGN, U+0958), no combining mark of the
/// generic blocks (U+0300-U+036F, U+1AB0-U+1AFF, U+1DC0-U+1DFF, U+20D0-U+20FF, U+FE20-U+FE2F,
/// U+3099-U+309A) and no Hangul jamo that NFC joins into a syllable, so "café" has one spelling
/// (U+00E9), not a twin with "e" and U+0301. (Marks of one script, such as Bengali vowel signs,
/// are not checked: that needs Unicode's whole composition table.) kInvalidArgument naming
/// `what` ("share") and, for such a character, its code point (U+202E) - never the name
/// itself, whose bidi controls would garble the message.
Status ValidateObjectName(std::string_view what, std::string_view name, bool allow_dot);

}  // namespace lakeshare
