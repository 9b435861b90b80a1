#!/bin/bash
# Shows that dropping a Result, a Status or what .map() answers is a compile error: the probe
# compiles with every result used (PROBE=0) and is refused, for an unused result, in each of the
# cases that drop one. Usage: result_nodiscard_test.sh CXX SRC_DIR
set -u
cxx="$1"
src="$2"
probe="$src/common/result_nodiscard_probe.cc"
compile() {
  "$cxx" -std=c++20 -fsyntax-only -Werror=unused-result -Wunused-result -I "$src" \
    -DPROBE="$1" "$probe" 2>&1
}
if ! out=$(compile 0); then
  echo "FAIL: the probe with every result used does not compile:"
  echo "$out"
  exit 1
fi
failed=0
for probe_case in 1 2 3 4 5; do
  if out=$(compile "$probe_case"); then
    echo "FAIL: PROBE=$probe_case drops a result and still compiles"
    failed=1
  elif ! grep -q "unused-result\|nodiscard\|ignoring return value" <<<"$out"; then
    echo "FAIL: PROBE=$probe_case was refused, but not for an unused result:"
    echo "$out"
    failed=1
  else
    echo "ok: PROBE=$probe_case refused for an unused result"
  fi
done
exit "$failed"
