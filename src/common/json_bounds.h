// JSON bounds: the one depth-and-size policy for every JSON text the server reads from someone
// else (request bodies, predicates, and, as they adopt it, management API bodies, Delta log lines
// and configuration). A text is checked here BEFORE any parser sees it, because the parsers and
// everything that walks their trees (serialisation, predicate building) recurse once per nesting
// level: an 80,000-deep array is 160 KB of brackets and overflows a thread's stack.
//
// CheckJsonBounds is a linear, non-recursive scan of the raw text that counts nesting depth and
// elements (array items plus object members, over the whole text) and skips strings, escapes
// included, so brackets inside strings are text. It validates nothing else: a text within bounds
// may still be invalid JSON, which the parser then reports. It stops at the first limit exceeded,
// so its cost is bounded by the text's size. Pure functions, thread-safe.
//
// Each kind of input names its limits below (add a preset here when a new kind adopts the policy,
// so all limits stay in one place and documented together).
#pragma once

#include <cstddef>
#include <string_view>

#include "common/result.h"

namespace lakeshare {

struct JsonLimits {
  size_t max_bytes = 0;
  /// Containers open at once: `[]` and `{}` are depth 1, `[[]]` depth 2.
  int max_depth = 0;
  /// Array items plus object members, summed over the whole text.
  size_t max_elements = 0;
};

/// The deepest nesting any JSON input may have: far beyond any document or predicate a client
/// writes by hand or generates (a predicate node takes two levels: its object and `children`).
inline constexpr int kMaxJsonDepth = 64;

/// A request body of the protocol or the management API (the server's default body limit).
inline constexpr JsonLimits kRequestBodyJsonLimits{
    .max_bytes = size_t{1} << 20, .max_depth = kMaxJsonDepth, .max_elements = 100'000};

/// A JSON predicate (jsonPredicateHints, in the string or the object form; a share's partition
/// filter). 1 MiB is the reference server's limit; the element cap keeps evaluation cheap, as a
/// predicate is evaluated once per data file of the table.
inline constexpr JsonLimits kPredicateJsonLimits{
    .max_bytes = size_t{1} << 20, .max_depth = kMaxJsonDepth, .max_elements = 10'000};

/// A JWT's JOSE header or claims set, decoded (RFC 7515, RFC 7519; auth/jwt.h bounds the token
/// itself at 16 KiB and the header at 2 KiB): claims hold a few dozen members, some lists.
inline constexpr JsonLimits kJwtJsonLimits{
    .max_bytes = 12 * 1024, .max_depth = 8, .max_elements = 2'000};

/// A document an identity provider serves: a JWK Set (RFC 7517 §5) or an OpenID Provider
/// configuration (OpenID Connect Discovery 1.0 §3).
inline constexpr JsonLimits kIdentityProviderJsonLimits{
    .max_bytes = 128 * 1024, .max_depth = 8, .max_elements = 20'000};

/// A reply of the management API, read by `lakeshare admin` before it parses it: the server is
/// not trusted to be one (a broken one, or anyone between on plain http). Replies are pages of at
/// most 1,000 objects, or one object with its parts (a share with all its tables); the depth
/// leaves room for a predicate of kPredicateJsonLimits nested in a reply.
inline constexpr JsonLimits kManagementReplyJsonLimits{
    .max_bytes = size_t{64} << 20, .max_depth = 2 * kMaxJsonDepth, .max_elements = 4'000'000};

/// A Delta table's schema string (the metaData action's `schemaString`), walked recursively by
/// the data-skipping and schema-rewriting code. Written by the table's provider, who may be an
/// attacker too: a nested column takes up to three levels (field, type, fields), so 192 levels
/// allow 64 levels of nested columns; a wide table's schema is large (thousands of columns).
/// Beyond these, readers treat the schema as opaque (no column is known, nothing is rewritten).
inline constexpr JsonLimits kTableSchemaJsonLimits{
    .max_bytes = size_t{64} << 20, .max_depth = 3 * kMaxJsonDepth, .max_elements = 4'000'000};

/// The index just past the JSON string whose opening quote is at text[open], or text.size() when
/// it is not terminated (a parser reports that). A backslash escapes the next byte, whatever it
/// is: "\\" ends the escape, "\"" does not end the string. The one way every scan of raw JSON
/// text here steps over a string (inline: the response writers call it per file).
inline size_t JsonStringEnd(std::string_view text, size_t open) {
  size_t i = open + 1;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') return i + 1;
    i += c == '\\' ? 2 : 1;
  }
  return text.size();
}

/// What the scan measured (the maximum depth reached and the elements counted).
struct JsonShape {
  int depth = 0;
  size_t elements = 0;
};

/// Measure `text` against `limits`. On the first limit exceeded: an error with `code`, whose
/// message starts with `what` (e.g. "The query body", "'jsonPredicateHints'"), names the limit and
/// says what to do.
Result<JsonShape> ScanJsonBounds(std::string_view text, const JsonLimits& limits,
                                 std::string_view what,
                                 ErrorCode code = ErrorCode::kMalformedRequest);

/// ScanJsonBounds when only the verdict matters.
Status CheckJsonBounds(std::string_view text, const JsonLimits& limits, std::string_view what,
                       ErrorCode code = ErrorCode::kMalformedRequest);

}  // namespace lakeshare
