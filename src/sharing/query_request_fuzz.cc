// Fuzz target for everything the sharing layer parses from a client: the /query body, the
// capabilities and fileidhash headers, SQL predicate hints, page tokens, the Get Query Info body
// and asynchronous query ids. The input is split
// on the first NUL byte: the first part is the /query body, the rest is used as header values,
// a SQL hint, a token and a JSON text for the bounds scanner. Nothing may crash, hang or leak;
// errors are the expected outcome. Seeds include the issue-10 attack: jsonPredicateHints nested
// 80,000 deep, in the object and the string form.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json_bounds.h"
#include "delta/predicate.h"
#include "sharing/capabilities.h"
#include "sharing/query_request.h"
#include "sharing/sql_predicate.h"
#include "sharing/page_tokens.h"
#include "sharing/query_ids.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lakeshare::sharing;
  using lakeshare::IgnoreError;
  constexpr std::string_view kAccepted = "fuzzing: an Error is an accepted outcome";
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view body = input.substr(0, nul);
  std::string rest(nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1));

  if (auto q = ParseQueryRequest(body)) {
    (void)q->Canonical();
    if (q->json_predicate_hints) {
      IgnoreError(lakeshare::delta::Predicate::Parse(*q->json_predicate_hints), kAccepted);
    }
  }
  IgnoreError(ParseQueryInfoRequest(body), kAccepted);
  IgnoreError(lakeshare::ScanJsonBounds(rest, lakeshare::kPredicateJsonLimits, "fuzz"), kAccepted);
  IgnoreError(ParseCapabilities(&rest), kAccepted);
  IgnoreError(ParseFileIdHash(&rest), kAccepted);
  static const auto columns = PredicateColumns(
      R"({"type":"struct","fields":[{"name":"d","type":"date","nullable":true,"metadata":{}},)"
      R"({"name":"s","type":"string","nullable":true,"metadata":{}},)"
      R"({"name":"n","type":"long","nullable":true,"metadata":{}}]})");
  IgnoreError(SqlHintToJsonPredicate(rest, columns), kAccepted);
  static const HmacSigner signer("fuzz-signing-key-0123456789");
  IgnoreError(DecodePageToken(signer, rest, "query", "binding", 0), kAccepted);
  IgnoreError(DecodeRefreshToken(signer, rest, "binding", 0), kAccepted);
  IgnoreError(DecodeQueryId(signer, rest, "binding", 0), kAccepted);
  return 0;
}
