#!/usr/bin/env bash
# `make run`: the demo platform. Writes the demo partner datasets with Lakeshare's own Parquet
# writer into var/demo/data (once), starts `lakeshare serve` on a SQLite metastore in
# var/demo/metastore, names the provider organisation, onboards one demo partner (tables
# registered, share, recipient with country=DE, a per-partner partition filter on stock_levels
# and a per-partner row filter on daily_sales,
# SELECT granted), prints exactly what the partner receives, how to activate (browser or curl)
# and read (pandas or curl), and keeps serving until Ctrl-C. The partner instructions are also
# kept in var/demo/partner-instructions.txt.
#
# One demo per folder and per port: a second run while one is running refuses before it touches
# anything (tests/e2e/demo_e2e.py checks that the running demo's credential keeps working).
# Usage: scripts/run-demo.sh path/to/lakeshare
# Environment: LAKESHARE_PORT (default 8080), LAKESHARE_DEMO_DIR (default var/demo).
set -euo pipefail
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 path/to/lakeshare (build it with: make build)" >&2
  exit 2
fi
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
here="$(cd "$(dirname "$0")/.." && pwd)"
demo="${LAKESHARE_DEMO_DIR:-$here/var/demo}"
port="${LAKESHARE_PORT:-8080}"
umask 077
mkdir -p "$demo"
demo="$(cd "$demo" && pwd)"
data="$demo/data"
meta="$demo/metastore"
base="http://127.0.0.1:$port"
partner="demo-partner-de"
share="retail"
organization="Lakeshare Demo Retail"
pid_file="$demo/server.pid"
instructions="$demo/partner-instructions.txt"
other_port=$((port == 8090 ? 8091 : 8090))

# How to stop or reuse a running demo; printed when this one cannot start. $1: the server's pid,
# $2: where its partner instructions are (empty: it runs from another folder, unknown here).
running_help() {
  local pid="$1" its_instructions="$2"
  if [ -n "$its_instructions" ]; then
    cat >&2 <<EOF
demo:   reuse it: the partner instructions it printed are in $its_instructions
        (the activation link works once; the credential file it gave keeps working)
EOF
  fi
  cat >&2 <<EOF
demo:   stop it: Ctrl-C in the terminal where it runs${pid:+, or: kill $pid}
demo:   or start a second, separate demo beside it:
          LAKESHARE_PORT=$other_port LAKESHARE_DEMO_DIR=var/demo-$other_port make run
EOF
}

# 0. Refuse before touching anything when this folder's demo runs, or the port is taken. The lock
# is inherited by the server, so it is held for as long as the server of this folder lives.
exec 9>>"$demo/.lock"
if ! flock -n 9; then
  pid="$(cat "$pid_file" 2>/dev/null || true)"
  echo "demo: a demo of $demo is already running${pid:+ (server pid $pid)}; not starting another." >&2
  running_help "$pid" "$instructions"
  exit 1
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "demo: port $port on 127.0.0.1 is already taken; not starting (nothing was changed)." >&2
  if curl -s -o /dev/null --max-time 2 "$base/readyz"; then
    echo "demo:   $base answers like a Lakeshare server: probably a demo started from another folder;" >&2
    echo "demo:   its partner instructions are in partner-instructions.txt of that demo folder" >&2
    echo "demo:   (var/demo of the source tree it was started from, unless LAKESHARE_DEMO_DIR)." >&2
  fi
  running_help "" ""
  exit 1
fi

# 1. The datasets (deterministic: the same bytes on every machine).
if [ ! -d "$data/daily_sales/_delta_log" ] || [ ! -d "$data/articles/_delta_log" ] ||
   [ ! -d "$data/stock_levels/_delta_log" ]; then
  rm -rf "$data"
  "$bin" demo write "$data"
fi

# 2. The admin token: the one the server generated at its first start, else our own, handed to
# the first start through LAKESHARE_ADMIN_TOKEN. It is never printed nor put on a command line.
if [ -s "$meta/admin-token" ]; then
  token_file="$meta/admin-token"
else
  token_file="$demo/admin-token"
  if [ ! -s "$token_file" ]; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$token_file"
  fi
fi
admin_token="$(cat "$token_file")"

# 3. The server, in the background until the demo partner is onboarded. It is ours only once its
# own log line says it listens: /readyz alone could be answered by someone else's server.
log="$demo/server.log"
log_start=$(($(stat -c %s "$log" 2>/dev/null || echo 0) + 1))
LAKESHARE_ADMIN_TOKEN="$admin_token" "$bin" serve --data-dir "$meta" \
  --listen "127.0.0.1:$port" >>"$log" 2>&1 &
server=$!
echo "$server" > "$pid_file"
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true
      echo "demo: stopped (start it again with: make run)"; exit 0' INT TERM
trap 'kill -TERM $server 2>/dev/null || true; rm -f "$pid_file"' EXIT
ready=""
for _ in $(seq 1 300); do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "demo: the server stopped before it was ready; the end of $log says why:" >&2
    tail -c "+$log_start" "$log" | tail -n 5 | sed 's/^/demo:   /' >&2
    exit 1
  fi
  if tail -c "+$log_start" "$log" | grep -q "^listening on $base/" &&
     curl -s -o /dev/null --max-time 2 -f "$base/readyz"; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "demo: the server did not become ready at $base in 30 s; see $log" >&2
  exit 1
fi

# 4. The organisation the activation page names as the sender.
if ! LAKESHARE_TOKEN="$admin_token" "$bin" admin --host "$base" settings set \
    --organization-name "$organization" >/dev/null; then
  echo "demo: naming the organisation failed (above); see $log" >&2
  exit 1
fi

# 5. Where the demo tables may be registered from: an external location over the data folder
# (registration never declares one itself). Once: a rerun finds it; a demo folder upgraded from
# before external locations already has one per table (adopted at upgrade), which then overlap.
if ! LAKESHARE_TOKEN="$admin_token" "$bin" admin --host "$base" external-locations get demo_data \
    >/dev/null 2>&1; then
  if ! LAKESHARE_TOKEN="$admin_token" "$bin" admin --host "$base" external-locations create \
      demo_data "$data" --comment "the demo datasets" >/dev/null; then
    echo "demo: declaring the external location demo_data for $data failed (above); the demo" >&2
    echo "demo:   tables' own locations (from an older demo) are used instead" >&2
  fi
fi

# 6. Onboard the demo partner. Every run issues a fresh link (the previous token stops working;
# only this folder's server is touched: the lock above guarantees no other demo uses it).
links="$demo/activation-links.csv"
rm -f "$links"
if ! LAKESHARE_TOKEN="$admin_token" "$bin" admin --host "$base" onboard \
  --partner "$partner" --share "$share" \
  --table "demo.retail.daily_sales=$data/daily_sales" \
  --table "demo.retail.articles=$data/articles" \
  --table "demo.retail.stock_levels=$data/stock_levels" \
  --property country=DE --property partner_id=P001 \
  --partition stock_levels:country=@country \
  --with-history --reissue-links --rotate-activated --existing-token-expire-in-seconds 0 \
  --links-out "$links"; then
  echo "demo: onboarding the demo partner failed (above); to start from scratch: rm -rf $meta" >&2
  exit 1
fi
# daily_sales is partitioned by date, so a partition filter cannot slice it by country: a row
# filter on its country column does, enforced physically (the partner's files are rewritten to
# hold only its rows). The table is shared again with the filter on every run.
row_filter='{"op":"equal","children":[{"op":"column","name":"country","valueType":"string"},{"op":"recipientProperty","name":"country","valueType":"string"}]}'
if ! { LAKESHARE_TOKEN="$admin_token" "$bin" admin --host "$base" shares remove-table "$share" \
         demo.retail.daily_sales >/dev/null &&
       LAKESHARE_TOKEN="$admin_token" "$bin" admin --host "$base" shares add-table "$share" \
         demo.retail.daily_sales --with-history --row-filter "$row_filter" >/dev/null; }; then
  echo "demo: sharing daily_sales with its per-partner row filter failed (above)" >&2
  exit 1
fi
link="$(tail -n +2 "$links" | head -n 1 | cut -d, -f3)"
activation_token="${link##*/}"
download="$base/api/2.1/unity-catalog/public/data_sharing_activation/$activation_token"
curl_profile="$demo/config.share"

# What the partner receives, table by table. tests/e2e/demo_e2e.py reads these lines (and the
# same table in README.md) and checks each claim against what the partner is actually served.
{
  cat <<EOF

demo: the provider "$organization" shares "$share" with the partner $partner (country=DE).
demo: what $partner receives, table by table:
        $share.retail.daily_sales    country DE only (row filter country = @country)
        $share.retail.articles       every article (no country column)
        $share.retail.stock_levels   country DE only (partition filter country=@country)

demo: the partner activates ONCE, in a browser or with curl:
      browser: open $link
               click "Download credential file": config.share lands in your Downloads folder
      curl:    (umask 077 && curl -sS --fail-with-body -o $curl_profile.new $download && mv $curl_profile.new $curl_profile) || { cat $curl_profile.new; echo; rm -f $curl_profile.new; false; }
               (a used or expired link prints why; a good config.share is never overwritten)
demo: then point PROFILE at the file and keep it private:
        export PROFILE=~/Downloads/config.share; chmod 600 "\$PROFILE"    # if you used the browser
        export PROFILE=$curl_profile                                    # if you used curl
demo: pandas (pip install delta-sharing):
        python3 -c 'import os, delta_sharing; print(delta_sharing.load_as_pandas(os.environ["PROFILE"] + "#$share.retail.daily_sales"))'
demo: curl with the file's token:
        curl -sS --fail-with-body -H "Authorization: Bearer \$(python3 -c 'import json, os; print(json.load(open(os.environ["PROFILE"]))["bearerToken"])')" $base/delta-sharing/shares/$share/all-tables
demo: partner guides (served by this server): $base/delta-sharing/guides/
EOF
} | tee "$instructions"
cat <<EOF
demo: manage it: export LAKESHARE_HOST=$base LAKESHARE_TOKEN_FILE=$token_file
        $bin admin shares get $share
        $bin admin audit --since 1h
demo: serving on $base (server pid $server), request log in $log; Ctrl-C stops it
EOF
trap 'rm -f "$pid_file"' EXIT
wait "$server"
