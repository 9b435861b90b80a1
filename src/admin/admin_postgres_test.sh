#!/bin/sh
# admin_test on PostgreSQL: starts a throwaway server (Debian's binaries; loopback, trust auth,
# fsync off), runs every test of the admin_test binary ($1) alone on a new database, stops the
# server. Exit 77 (skipped) without PostgreSQL binaries.
set -u
TEST_BIN=$1
BIN=${LAKESHARE_PG_BIN:-}
if [ -z "$BIN" ]; then
  for v in 17 16 15; do
    if [ -x /usr/lib/postgresql/$v/bin/initdb ]; then BIN=/usr/lib/postgresql/$v/bin; break; fi
  done
fi
if [ -z "$BIN" ]; then
  echo "PostgreSQL server binaries not found (install postgresql or set LAKESHARE_PG_BIN): skipped"
  exit 77
fi
DIR=$(mktemp -d /tmp/lakeshare-admin-pg-XXXXXX)
AS=""
if [ "$(id -u)" = 0 ]; then
  chown postgres "$DIR"
  AS="runuser -u postgres --"
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  $AS "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$DIR"
}
trap cleanup EXIT
$AS "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C \
  >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log"; exit 1; }
$AS "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
  -o "-k $DIR -p $PORT -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1 \
  || { cat "$DIR/server.log"; exit 1; }
n=0
failed=0
for t in $("$TEST_BIN" --gtest_list_tests --gtest_filter='ManagementTest.*' |
           awk '/^[A-Za-z]/{s=$1} /^  /{print s $1}'); do
  n=$((n + 1))
  $AS "$BIN/createdb" -h "$DIR" -p "$PORT" -U postgres "t$n" || exit 1
  if LAKESHARE_ADMIN_TEST_METASTORE="postgresql://postgres@127.0.0.1:$PORT/t$n" \
      "$TEST_BIN" --gtest_filter="$t" >"$DIR/t$n.log" 2>&1; then
    echo "ok   $t"
  else
    echo "FAIL $t"
    cat "$DIR/t$n.log"
    failed=$((failed + 1))
  fi
done
echo "$n tests on PostgreSQL, $failed failed"
[ "$n" -gt 0 ] && [ "$failed" = 0 ]
