#!/usr/bin/env bash
# Install the Debian packages (and test-only npm packages) Lakeshare needs to build and test.
# Idempotent: it installs only what is missing and prints nothing when nothing is.
#   scripts/install-deps.sh            what `make test` needs (the default)
#   scripts/install-deps.sh --for run  what `make run` needs: the compiler and the libraries only,
#                                      no sanitizer toolchain, PostgreSQL, Node.js, Chromium or npm
set -euo pipefail

FOR=test
if [ "${1:-}" = "--for" ]; then FOR="${2:-}"; fi
case "$FOR" in
  run|test) ;;
  *) echo "install-deps: unknown --for '${FOR}': use --for run or --for test" >&2; exit 2 ;;
esac

PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config
  # libraries (see docs/DESIGN: one Debian package per dependency, nothing vendored)
  libboost-dev libcurl4-openssl-dev libssl-dev libsimdjson-dev nlohmann-json3-dev libexpected-dev
  libthrift-dev thrift-compiler libsnappy-dev libzstd-dev zlib1g-dev liblz4-dev
  libsqlite3-dev libpq-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # the demo's printed commands (curl, python3 -c) and its own readiness check
  curl python3
)
TEST_PACKAGES=(
  # the sanitizer stage, fuzzing and lint: clang with its runtimes; llvm-symbolizer (file and line
  # in ASan/UBSan reports) and lld (links the sanitizer tree)
  clang libclang-rt-14-dev clang-format clang-tidy llvm lld
  # test-only tools
  zstd python3-requests nodejs npm postgresql nginx-light wrk
  # test-only: the delta-sharing Python connector's REST client (tests/e2e/connector_e2e.py and
  # the partner guides' Python blocks) on Debian's python3
  python3-fsspec python3-jwcrypto python3-aiohttp
)
if [ "$FOR" = test ]; then PACKAGES+=("${TEST_PACKAGES[@]}"); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    # A package may be satisfied by an alternative already on the machine (e.g. node from elsewhere).
    case "$p" in
      nodejs) command -v node >/dev/null 2>&1 && continue ;;
      npm) command -v npm >/dev/null 2>&1 && continue ;;
      python3) command -v python3 >/dev/null 2>&1 && continue ;;
    esac
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${#missing[@]} missing Debian package(s): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done"
fi

# Everything below is test-only.
if [ "$FOR" = run ]; then exit 0; fi

# Test-only: DuckDB as an independent Parquet/JSON reader, from the npm registry.
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -d "$here/tools/duckdb/node_modules/@duckdb/node-api" ]; then
  echo "install-deps: installing DuckDB (test-only) from npm into tools/duckdb"
  (cd "$here/tools/duckdb" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1 \
     || npm install --no-audit --no-fund --loglevel=error >/dev/null)
  echo "install-deps: DuckDB ready"
fi

# --- Browser test (tests/browser, owned with it) ---------------------------------------------
# Test-only: Debian's Chromium and playwright-core from npm (pinned in tests/browser/package.json
# and package-lock.json). playwright-core never downloads a browser of its own; the test drives
# /usr/bin/chromium. A failed install only warns: the browser test then skips (exit 77).
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed'; then
  echo "install-deps: installing chromium (test-only, for the activation page browser test)"
  export DEBIAN_FRONTEND=noninteractive
  if $SUDO apt-get update -qq && \
     $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    echo "install-deps: chromium ready"
  else
    echo "install-deps: warning: chromium could not be installed; the browser test will skip"
  fi
fi
if [ ! -d "$here/tests/browser/node_modules/playwright-core" ]; then
  echo "install-deps: installing playwright-core (test-only) from npm into tests/browser"
  if (cd "$here/tests/browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit \
        --no-fund --loglevel=error >/dev/null); then
    echo "install-deps: playwright-core ready"
  else
    echo "install-deps: warning: npm ci failed in tests/browser; the browser test will skip"
  fi
fi

# --- Federation e2e (tests/idp, owned with it) -------------------------------------------------
# Test-only: a real OpenID provider, the certified oidc-provider package from npm (pinned in
# tests/idp/package.json and package-lock.json), run on loopback by tests/e2e/federation_e2e.py.
if [ ! -d "$here/tests/idp/node_modules/oidc-provider" ]; then
  echo "install-deps: installing oidc-provider (test-only) from npm into tests/idp"
  if (cd "$here/tests/idp" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
    echo "install-deps: oidc-provider ready"
  else
    echo "install-deps: warning: npm ci failed in tests/idp; the federation e2e test will skip"
  fi
fi
