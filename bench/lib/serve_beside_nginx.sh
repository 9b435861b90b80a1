# Sourced by the benchmarks that serve one table with `lakeshare serve --config` beside nginx
# serving saved bytes (30_sharing_vs_nginx.sh, 31_file_download.sh). The caller defines
# section_skip and sets: work (scratch folder with nginx/{logs,tmp} made), lakeshare, nginx_bin,
# server_cpus. The functions set token, server_pid, endpoint, nginx_port and nginx_started.

# write_share_config TABLE_NAME LOCATION: $work/server.yaml with share "bench", schema "default"
# and one table; a fresh bearer token in $token.
write_share_config() {
  token="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  cat > "$work/server.yaml" <<EOF
version: 1
shares:
- name: "bench"
  schemas:
  - name: "default"
    tables:
    - name: "$1"
      location: "$2"
authorization:
  bearerToken: "$token"
host: "127.0.0.1"
port: 0
endpoint: "/delta-sharing"
signingKey: "bench-signing-key-0123456789abcdef0123456789abcdef"
EOF
}

server_pid=""
nginx_started=""
# Stops both servers; the caller installs it with `trap stop_servers EXIT`.
stop_servers() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$nginx_started" ] && [ -f "$work/nginx/nginx.pid" ]; then
    "$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -s stop 2>/dev/null || true
  fi
}

# start_lakeshare: serves $work/server.yaml on a free loopback port on CPU $server_cpus, request
# rate limits off (one client drives as many requests as it can, which the per-recipient default
# would answer with 429; what the limits cost when on is bench/71_limits_overhead.sh).
start_lakeshare() {
  echo "  starting lakeshare serve (CPU $server_cpus)" >&2
  # taskset execs the server: $! is the server's pid.
  taskset -c "$server_cpus" "$lakeshare" serve --config "$work/server.yaml" --listen 127.0.0.1:0 \
    --rate-limit-per-address 0 --rate-limit-per-recipient 0 \
    > "$work/server.out" 2> "$work/server.log" &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q '^listening on ' "$work/server.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; section_skip "lakeshare serve did not start."; }
    sleep 0.1
  done
  endpoint=$(sed -n 's/^listening on //p' "$work/server.out")
  [ -n "$endpoint" ] || section_skip "lakeshare serve did not print its address."
}

# start_nginx WORKERS ROOT PROBE_PATH [EXTRA_HTTP_DIRECTIVE]: one unprivileged nginx on a free
# loopback port ($nginx_port) with a temporary prefix under $work/nginx, sendfile on, serving ROOT
# on CPU $server_cpus; waits until PROBE_PATH answers.
start_nginx() {
  nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$work/nginx/nginx.conf" <<EOF
worker_processes $1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log $work/nginx/logs/access.log;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  sendfile on;
  tcp_nopush on;
  ${4:-}
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$nginx_port;
    root $2;
  }
}
EOF
  echo "  starting nginx ($1 worker, CPU $server_cpus, port $nginx_port)" >&2
  taskset -c "$server_cpus" "$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" 2> "$work/nginx/start.log"
  nginx_started=1
  for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$nginx_port/$3" && break
    sleep 0.1
  done
}
