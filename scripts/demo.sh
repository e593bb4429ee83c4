#!/usr/bin/env bash
# The main job of `make demo`: serve the built-in live test pattern, play it
# over TCP and then over UDP, and print what each run measured.
# Usage: scripts/demo.sh BUILD_DIR   (environment: DEMO_SECONDS, default 10)
set -euo pipefail

build=${1:-build/release}
seconds=${DEMO_SECONDS:-10}
server_bin="$build/server/flowcast-server"
client_bin="$build/client/flowcast-client"
out=out/demo
mkdir -p "$out"

for bin in "$server_bin" "$client_bin"; do
  [ -x "$bin" ] || { echo "demo: $bin is missing; run 'make build' first" >&2; exit 1; }
done

window="a window"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  window="headless (no display)"
fi

# Port 0: the kernel picks a free port; the server says which.
"$server_bin" --port 0 --pattern 1280x720@30 --bitrate 4M --duration $((2 * seconds + 20))s \
  --metrics "$out/server.json" 2>"$out/server.log" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true' EXIT

port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$out/server.log" | head -n1)
  [ -n "$port" ] && break
  kill -0 $server_pid 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "demo: the server did not start" >&2; cat "$out/server.log" >&2; exit 1; }

echo "flowcast demo: the live test pattern (1280x720, 30 fps, 4 Mbit/s) from 127.0.0.1:$port"
for transport in tcp udp; do
  echo "-- playing over ${transport^^} for ${seconds} s in $window (q quits early)"
  "$client_bin" "127.0.0.1:$port" --transport "$transport" --duration "${seconds}s" \
    --metrics "$out/$transport.json" --timeline "$out/$transport.csv" </dev/null
done

echo
echo "metrics: $out/tcp.json $out/udp.json (timelines: $out/tcp.csv $out/udp.csv)"
