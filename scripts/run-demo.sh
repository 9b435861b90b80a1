#!/usr/bin/env bash
# `make run`: the demo platform. Writes the demo partner datasets with Lakeshare's own Parquet
# writer into var/demo/data (once), starts `lakeshare serve` on a SQLite metastore in
# var/demo/metastore, onboards one demo partner (tables registered, share, recipient with
# country=DE, a per-partner partition filter on stock_levels, SELECT granted), prints the
# activation link and how to read with pandas or curl, and keeps serving until Ctrl-C.
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
data="$demo/data"
meta="$demo/metastore"
port="${LAKESHARE_PORT:-8080}"
base="http://127.0.0.1:$port"
partner="demo-partner-de"
share="retail"
umask 077
mkdir -p "$demo"

# 1. The datasets (deterministic: the same bytes on every machine).
if [ ! -d "$data/daily_sales/_delta_log" ] || [ ! -d "$data/articles/_delta_log" ] ||
   [ ! -d "$data/stock_levels/_delta_log" ]; then
  rm -rf "$data"
  "$bin" demo write "$data"
fi

# 2. The admin token: the one the server generated at its first start, else our own, handed to
# the first start through LAKESHARE_ADMIN_TOKEN. It is never printed.
if [ -s "$meta/admin-token" ]; then
  token_file="$meta/admin-token"
else
  token_file="$demo/admin-token"
  if [ ! -s "$token_file" ]; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$token_file"
  fi
fi
admin_token="$(cat "$token_file")"

# 3. The server, in the background until the demo partner is onboarded.
log="$demo/server.log"
LAKESHARE_ADMIN_TOKEN="$admin_token" "$bin" serve --data-dir "$meta" \
  --listen "127.0.0.1:$port" >>"$log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' INT TERM
trap 'kill -TERM $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if curl -sf "$base/readyz" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "demo: the server stopped (see $log); is port $port taken? Try: LAKESHARE_PORT=8090 make run" >&2
    exit 1
  fi
  sleep 0.1
done
curl -sf "$base/readyz" >/dev/null || { echo "demo: the server is not ready at $base" >&2; exit 1; }

# 4. Onboard the demo partner. Every run issues a fresh link (the previous token stops working).
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
link="$(tail -n +2 "$links" | head -n 1 | cut -d, -f3)"
activation_token="${link##*/}"
profile="$demo/$partner.share"

cat <<EOF

demo: partner $partner (country=DE; sees only German stock levels) can activate once at:
        $link
      or download the profile (credential file) once from the command line:
        curl -sf -o $profile $base/api/2.1/unity-catalog/public/data_sharing_activation/$activation_token
demo: pandas (pip install delta-sharing), two lines:
        import delta_sharing
        df = delta_sharing.load_as_pandas("$profile" + "#$share.retail.daily_sales")
demo: curl with the profile's token:
        curl -H "Authorization: Bearer \$(python3 -c 'import json;print(json.load(open("$profile"))["bearerToken"])')" $base/delta-sharing/shares/$share/all-tables
demo: manage it: export LAKESHARE_HOST=$base LAKESHARE_TOKEN_FILE=$token_file
        $bin admin shares get $share
        $bin admin audit --since 1h
demo: serving on $base, request log in $log (Ctrl-C stops it)
EOF
trap - EXIT
wait "$server"
