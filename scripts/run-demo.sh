#!/usr/bin/env bash
# `make run`: start the demo Delta Sharing server on the embedded default (local folder, YAML
# shares) and print a profile a partner can use. Demo tables come from ../shared/delta-corpus when
# it is there (a demo dataset of our own comes with the governance issue).
set -euo pipefail
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
here="$(cd "$(dirname "$0")/.." && pwd)"
demo="$here/var/demo"
listen="${LAKESHARE_LISTEN:-127.0.0.1:8080}"
token="${LAKESHARE_DEMO_TOKEN:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
mkdir -p "$demo/tables"

corpus="$here/../shared/delta-corpus/delta-rs"
tables=()
if [ -d "$corpus" ]; then
  for t in simple_table delta-0.8.0-partitioned checkpoint-cdf-table COVID-19_NYT; do
    [ -d "$corpus/$t" ] && tables+=("$t:$corpus/$t")
  done
fi
if [ ${#tables[@]} -eq 0 ]; then
  # TODO(governance issue): write a demo dataset with the project's own writer once the Delta
  # writer exists; until then the demo serves tables of the shared corpus.
  echo "demo: no demo tables: ../shared/delta-corpus is not beside this checkout."
  echo "demo: serve your own Delta tables with: $bin serve --config delta-sharing-server.yaml"
  echo "demo: (the format is described in docs/compatibility.md)"
  exit 1
fi

config="$demo/delta-sharing-server.yaml"
{
  echo "version: 1"
  echo "shares:"
  echo "- name: demo"
  echo "  schemas:"
  echo "  - name: default"
  echo "    tables:"
  for entry in "${tables[@]}"; do
    name="${entry%%:*}"
    loc="${entry#*:}"
    echo "    - name: \"$(echo "$name" | tr '.-' '__')\""
    echo "      location: \"$loc\""
    echo "      historyShared: true"
  done
  echo "authorization:"
  echo "  bearerToken: \"$token\""
} > "$config"

cat > "$demo/profile.share" <<JSON
{"shareCredentialsVersion": 1, "endpoint": "http://$listen/delta-sharing", "bearerToken": "$token"}
JSON
echo "demo: config $config"
echo "demo: partner profile $demo/profile.share"
echo "demo: try   curl -H 'Authorization: Bearer $token' http://$listen/delta-sharing/shares"
echo "demo: pandas (with the delta-sharing connector):"
echo "        import delta_sharing"
echo "        delta_sharing.load_as_pandas('$demo/profile.share#demo.default.simple_table')"
echo "demo: starting the server (Ctrl-C stops it)"
exec "$bin" serve --config "$config" --listen "$listen"
