#!/usr/bin/env bash
# The main job of `make demo`: serve the built-in live test pattern through a
# link capped below its bitrate, play it over TCP and then over UDP, and show
# the two summaries side by side: TCP stalls and loses nothing, UDP loses
# packets and smears but keeps playing. Both runs go into one HTML report.
# Usage: scripts/demo.sh [BUILD_DIR]   (environment: DEMO_SECONDS, default 12)
set -euo pipefail

build=${1:-build/release}
seconds=${DEMO_SECONDS:-12}
server_bin="$build/server/flowcast-server"
client_bin="$build/client/flowcast-client"
report_bin="$build/client/flowcast-report"
out=${DEMO_OUT:-out/demo}
mkdir -p "$out"
rm -rf "$out"/snapshots-tcp "$out"/snapshots-udp  # the last run's pictures

for bin in "$server_bin" "$client_bin" "$report_bin"; do
  [ -x "$bin" ] || { echo "demo: $bin is missing; run 'make build' first" >&2; exit 1; }
done

where="a window"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  where="headless (no display)"
fi

# Port 0: the kernel picks a free port, and the server says which.
"$server_bin" --port 0 --pattern 1280x720@30 --bitrate 4M --link-rate 2.8M \
  --duration $((2 * seconds + 30))s --metrics "$out/server.json" 2>"$out/server.log" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true' EXIT

port=""
for _ in $(seq 1 100); do
  # The server's redirect may not have created its log yet.
  port=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$out/server.log" 2>/dev/null | head -n1 || true)
  [ -n "$port" ] && break
  kill -0 $server_pid 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "demo: the server did not start" >&2; cat "$out/server.log" >&2; exit 1; }

cat <<INTRO
flowcast demo: a live test pattern (1280x720, 30 fps, 4 Mbit/s) from 127.0.0.1:$port,
through an emulated link capped at 2.8 Mbit/s: the link cannot carry the stream.
INTRO
for transport in tcp udp; do
  echo
  echo "== ${transport^^} for ${seconds} s, $where (q quits early)"
  if [ "$transport" = tcp ]; then
    echo "   TCP's flow control holds the server back: nothing is lost, the buffer runs dry, playback stalls."
  else
    echo "   UDP does not wait: the link drops what it cannot carry, playback goes on with artifacts."
  fi
  "$client_bin" "127.0.0.1:$port" --transport "$transport" --duration "${seconds}s" \
    --metrics "$out/$transport.json" --timeline "$out/$transport.csv" \
    --snapshot "$out/snapshots-$transport" --snapshot-max 4 </dev/null \
    2> >(tee "$out/$transport.log" >&2)
  # The summary table is the tail of the client's output.
  sed -n '/^flowcast-client summary/,$p' "$out/$transport.log" > "$out/$transport.summary"
done
kill $server_pid 2>/dev/null || true
wait 2>/dev/null || true

echo
echo "== side by side"
pr -m -t -w 110 "$out/tcp.summary" "$out/udp.summary" | expand
"$report_bin" "$out/tcp.json" "$out/udp.json" --server "$out/server.json" -o "$out/report.html" \
  --title "flowcast demo: TCP and UDP through a 2.8 Mbit/s link" >/dev/null

echo
echo "metrics: $out/tcp.json $out/udp.json  timelines: $out/tcp.csv $out/udp.csv  server: $out/server.json"
echo "report:  $out/report.html (open it in a browser)"
