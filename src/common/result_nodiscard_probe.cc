// Compiled (never linked) by result_nodiscard_test.sh: with PROBE=0 every Result is used and the
// file must compile; each other PROBE drops one Result, which -Werror=unused-result must refuse.
#include "common/result.h"

namespace lakeshare {

Result<int> Parse(int v) {
  if (v < 0) return InvalidArgument("negative");
  return v;
}

Status Check(int v) { return Parse(v).map([](int) {}); }

int Probe() {
#if PROBE == 0
  IgnoreError(Check(1), "the probe that must compile");
  Result<long> widened = Parse(2).map([](int v) { return static_cast<long>(v); });
  return widened ? static_cast<int>(*widened) : 0;
#elif PROBE == 1
  Parse(1);  // a dropped Result<int>
#elif PROBE == 2
  Check(1);  // a dropped Status
#elif PROBE == 3
  Parse(1).map([](int) {});  // a dropped .map() on an rvalue
#elif PROBE == 4
  Result<int> parsed = Parse(1);
  parsed.map([](int v) { return v + 1; });  // a dropped .map() on an lvalue
#elif PROBE == 5
  const Result<int> parsed = Parse(1);
  parsed.map([](int v) { return v + 1; });  // a dropped .map() on a const lvalue
#endif
  return 0;
}

}  // namespace lakeshare
