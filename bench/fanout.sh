#!/usr/bin/env bash
# flowcast's fan-out (issue #17): one live stream to many UDP viewers on this
# machine, side by side with GStreamer's multiudpsink sending the same kind
# of stream to a list of clients. bench/load's flowcast-load plays the viewers.
#
# Usage: bench/fanout.sh [--runs N] [--smoke] [--out FILE] [--build DIR] [--work DIR]
#                        [--server BIN] [--viewers "N ..."] [--ladder "N ..."] [--no-gstreamer]
#   --runs N       runs of every viewer count (default 3; --smoke: 1)
#   --smoke        20 viewers, a 320x180 stream, 1 s windows: checks that the
#                  figures are still produced
#   --out FILE     the results file whose "Fan-out" section is rewritten
#                  (default bench/RESULTS.md; the rest of it is kept)
#   --build DIR    the build whose binaries are measured (default build/release)
#   --work DIR     logs and raw figures (default: a temporary folder, removed)
#   --server BIN   measure this flowcast-server instead of the build's
#   --viewers LIST viewer counts measured --runs times (default "100 250 500")
#   --ladder LIST  counts tried once, in order, until one fails: the largest
#                  held with every viewer >= 99.9% (default "100 200 300 400
#                  500 600 800 1000"; "" skips it)
#   --no-gstreamer flowcast only
#
# Needs the project's binaries (flowcast-server, flowcast-load), gst-launch-1.0
# with x264enc (gstreamer1.0-plugins-ugly) and multiudpsink (-good), awk and
# python3 (to read the load tool's JSON).
#
# CPU is utime + stime of the sender's whole process (every thread), read
# from /proc/PID/stat over a steady window after every viewer joined, minus
# the same sender's CPU with 0 viewers (its encoder alone), so the cost per
# viewer and per packet is what the fan-out adds. Packets sent over the
# window are the load tool's receipts. flowcast and GStreamer are measured
# alternately, pair by pair, so both see the same machine.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/options.sh
. "$here/options.sh"
# shellcheck source=bench/results_section.sh
. "$here/results_section.sh"
bench_name=fanout
runs=""
smoke=0
out=""
build="$root/build/release"
work=""
server_bin=""
counts=""
ladder="unset"
gstreamer=1
bench_common_options runs smoke out build work
bench_value --server server_bin
bench_value --viewers counts
bench_value --ladder ladder
bench_flag --no-gstreamer gstreamer 0
bench_parse "$@"
bench_runs 3 1
bench_build
[ -n "$server_bin" ] || server_bin="$build/server/flowcast-server"
load_bin="$build/bench/load/flowcast-load"
bench_need_bins "$server_bin" "$load_bin"
bench_need_tools awk python3
if [ $gstreamer = 1 ]; then
  command -v gst-launch-1.0 >/dev/null && gst-inspect-1.0 x264enc >/dev/null 2>&1 &&
    gst-inspect-1.0 multiudpsink >/dev/null 2>&1 ||
    { echo "fanout: gst-launch-1.0 with x264enc and multiudpsink is missing: run scripts/install-deps.sh (or pass --no-gstreamer)" >&2; exit 1; }
fi

if [ $smoke = 1 ]; then
  size=320x180 rate_k=400
  [ -n "$counts" ] || counts="20"
  [ "$ladder" != unset ] || ladder="20"
  window=1     # s of steady state measured
  warmup=1     # s after the last join before the window opens
else
  size=1280x720 rate_k=4000
  [ -n "$counts" ] || counts="100 250 500"
  [ "$ladder" != unset ] || ladder="100 200 300 400 500 600 800 1000"
  window=10
  warmup=2
fi
ladder_window=$([ $smoke = 1 ] && echo 1 || echo 5)
fps=30
join_rate=200
width=${size%x*} height=${size#*x}

bench_work flowcast-fanout
values="$work/values.tsv"     # run <TAB> sender <TAB> viewers <TAB> key <TAB> value
commands="$work/commands.txt" # the command lines of one measurement of each kind
: >"$values"
: >"$commands"

# utime + stime of a whole process, in seconds.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null
}
# The sender's CPU over the steady window: sleeps until the window opens,
# then reads the process's CPU at both ends. Prints "cpu_s wall_s".
cpu_window() { # cpu_window PID OPENS_AT_EPOCH_S SECONDS
  local pid=$1 at=$2 len=$3 c1 c2 t1 t2
  sleep "$(awk -v a="$at" -v n="$(date +%s.%N)" 'BEGIN { d = a - n; printf "%.3f\n", (d > 0 ? d : 0) }')"
  c1=$(cpu_seconds "$pid"); t1=$(date +%s.%N)
  sleep "$len"
  c2=$(cpu_seconds "$pid"); t2=$(date +%s.%N)
  awk -v a="$c1" -v b="$c2" -v s="$t1" -v e="$t2" 'BEGIN { if (a == "" || b == "") print "nan nan"; else printf "%.4f %.4f\n", b - a, e - s }'
}

# flowcast_point RUN N WINDOW: flowcast-server and N UDP viewers.
flowcast_point() {
  local run=$1 n=$2 win=$3 d="$work/run$1/flowcast-$2" port
  mkdir -p "$d"
  port=$(free_ports 1)
  local scmd=("$server_bin" --transport udp --rtsp-port 0 --max-clients 2000 --quiet
    --pattern "${size}@$fps" --bitrate "${rate_k}k" --port "$port" --metrics "$d/server.json")
  note_kind server "${scmd[@]}"
  "${scmd[@]}" 2>"$d/server.log" &
  local spid=$!
  bench_pids+=($spid)
  wait_until 10 udp_bound "$port" || { cat "$d/server.log" >&2; die "flowcast-server did not start ($d)"; }
  sleep 1 # the encoder's start-up is not in the window
  local joins opens lpid
  joins=$(awk -v n="$n" -v r=$join_rate 'BEGIN { printf "%.3f", n / r }')
  opens=$(awk -v t="$(date +%s.%N)" -v j="$joins" -v w=$warmup 'BEGIN { printf "%.3f", t + j + w }')
  if [ "$n" -gt 0 ]; then
    local lcmd=("$load_bin" --viewers "$n" --join-rate $join_rate --duration "$((warmup + win + 1))s"
      --measure-after "${warmup}s" --json "$d/load.json" "127.0.0.1:$port")
    note_kind load "${lcmd[@]}"
    "${lcmd[@]}" 2>"$d/load.log" &
    lpid=$!
    bench_pids+=($lpid)
  fi
  read -r cpu wall < <(cpu_window $spid "$opens" "$win")
  if [ "$n" -gt 0 ]; then
    wait $lpid || { cat "$d/load.log" >&2; die "flowcast-load failed ($d)"; }
  fi
  kill -TERM $spid 2>/dev/null
  wait $spid
  record "$run" flowcast "$n" cpu_cores "$(awk -v c="$cpu" -v w="$wall" 'BEGIN { printf "%.4f", c / w }')"
  [ "$n" -gt 0 ] || return 0
  point_figures "$run" flowcast "$n" "$d/load.json"
  local silent
  silent=$(grep -o '"end_reason": *"no RTCP[^"]*"' "$d/server.json" 2>/dev/null | wc -l)
  record "$run" flowcast "$n" ended_no_rtcp "$silent"
}

# gstreamer_point RUN N WINDOW: multiudpsink to N ports of a passive load tool.
gstreamer_point() {
  local run=$1 n=$2 win=$3 d="$work/run$1/gstreamer-$2" base clients="" lpid gpid
  mkdir -p "$d"
  local count=$((n > 0 ? n : 1))
  base=$(free_ports $count)
  if [ "$n" -gt 0 ]; then
    for i in $(seq 0 $((n - 1))); do clients="$clients${clients:+,}127.0.0.1:$((base + i))"; done
    local lcmd=("$load_bin" --passive "$base" --viewers "$n" --duration "$((1 + warmup + win + 1))s"
      --measure-after "$((1 + warmup))s" --json "$d/load.json")
    note_kind load-passive "${lcmd[@]}"
    "${lcmd[@]}" 2>"$d/load.log" &
    lpid=$!
    bench_pids+=($lpid)
    wait_until 10 udp_bound $((base + n - 1)) || { cat "$d/load.log" >&2; die "flowcast-load --passive did not bind ($d)"; }
  fi
  # Tuned to flowcast's stream: the same picture size, rate and GOP, RTP
  # packets of at most 1200 bytes. Noise (snow) at a constant bitrate, so
  # x264 fills the rate: the ball is mostly black and made 256 kbit/s in
  # 320-byte packets. No slice-max-size: 1160-byte slices made 890-byte
  # packets at 570/s; fragmented at 1200 bytes, about 1050-byte packets at
  # 485/s come out, close to flowcast's 1105 bytes at 460/s.
  local gcmd=(gst-launch-1.0 -q videotestsrc is-live=true pattern=snow
    ! "video/x-raw,width=$width,height=$height,framerate=$fps/1"
    ! x264enc bitrate=$rate_k pass=cbr tune=zerolatency speed-preset=ultrafast
      key-int-max=$((2 * fps))
    ! rtph264pay mtu=1200 config-interval=-1
    ! multiudpsink "clients=$clients" sync=false)
  note_kind gstreamer "$(printf '%s ' "${gcmd[@]}" | sed 's/clients=[^ ]*/clients=127.0.0.1:P1,127.0.0.1:P2,.../')"
  "${gcmd[@]}" >"$d/gst.log" 2>&1 &
  gpid=$!
  bench_pids+=($gpid)
  local opens
  opens=$(awk -v t="$(date +%s.%N)" -v w=$warmup 'BEGIN { printf "%.3f", t + 1 + w }')
  read -r cpu wall < <(cpu_window $gpid "$opens" "$win")
  if [ "$n" -gt 0 ]; then
    wait $lpid || { cat "$d/load.log" >&2; die "flowcast-load --passive failed ($d)"; }
  fi
  kill -0 $gpid 2>/dev/null || { cat "$d/gst.log" >&2; die "gst-launch-1.0 ended early ($d)"; }
  kill -TERM $gpid 2>/dev/null
  wait $gpid
  record "$run" gstreamer "$n" cpu_cores "$(awk -v c="$cpu" -v w="$wall" 'BEGIN { printf "%.4f", c / w }')"
  [ "$n" -gt 0 ] || return 0
  point_figures "$run" gstreamer "$n" "$d/load.json"
  record "$run" gstreamer "$n" ended_no_rtcp 0
}

# The load tool's figures of one point.
point_figures() { # point_figures RUN SENDER N LOAD_JSON
  local f=$4
  [ -s "$f" ] || die "no results from flowcast-load ($f)"
  python3 - "$f" <<'EOF' | while IFS=$'\t' read -r k v; do record "$1" "$2" "$3" "$k" "$v"; done
import json, sys
d = json.load(open(sys.argv[1]))
a = d["aggregate"]
def num(x):
    return "nan" if x is None else x
rows = {
    "joined": a["joined"], "refused_full": a["refused_full"],
    "handshake_timeouts": a["handshake_timeouts"], "ended_by_server": a["ended_by_server"],
    "went_silent": a["went_silent"],
    "counted": a["counted"], "below": a["viewers_below_99_9"],
    "fraction_min": num(a["fraction_received"]["min"]), "fraction_p1": num(a["fraction_received"]["p1"]),
    "fraction_median": num(a["fraction_received"]["median"]),
    "pps_total": a["packets_per_s"], "pps_min": num(a["packets_per_s_per_viewer"]["min"]),
    "pps_median": num(a["packets_per_s_per_viewer"]["median"]),
    "bytes_per_packet": a["bytes_received"] / a["packets_received"] if a["packets_received"] else "nan",
    "dropped_kernel": a["dropped_kernel"], "load_cpu_cores": d["tool_cpu_cores"],
}
for k, v in rows.items():
    print(f"{k}\t{v}")
EOF
}

# held RUN SENDER N: every viewer joined, none was cut off (BYE, or silence
# to the end), each got >= 99.9% of its packets, and at >= 95% of the rate
# the sender kept at the smallest count of run 1: a sender that falls behind
# a live source loses whole frames before they are numbered, which no
# sequence gap shows.
held() {
  local ref
  ref=$(reference_rate "$2")
  awk -F'\t' -v r="$1" -v s="$2" -v n="$3" -v ref="$ref" '
    $1 == r && $2 == s && $3 == n { v[$4] = $5 }
    END { exit !(v["joined"] == n && v["counted"] == n && v["below"] == 0 && v["ended_by_server"] == 0 && v["went_silent"] == 0 && v["refused_full"] == 0 && v["pps_min"] >= 0.95 * ref) }' "$values"
}
# reference_rate SENDER: packets/s per viewer (median) at the smallest count of run 1.
reference_rate() {
  awk -F'\t' -v s="$1" '
    $1 == 1 && $2 == s && $4 == "pps_median" && ($3 < n || n == "") { n = $3; v = $5 }
    END { print (v == "" ? 0 : v) }' "$values"
}

# ---- the runs --------------------------------------------------------------
started=$(bench_started)
load_before=$(bench_load)
senders="flowcast"
[ $gstreamer = 1 ] && senders="flowcast gstreamer"
for run in $(seq 1 "$runs"); do
  for n in 0 $counts; do
    for s in $senders; do
      log "run $run of $runs: $s, $n viewers"
      "${s}_point" "$run" "$n" "$window"
    done
  done
done
# The ladder, once: the largest count held with every viewer >= 99.9%.
for s in $senders; do
  best=0
  for n in $ladder; do
    if awk -F'\t' -v s="$s" -v n="$n" '$1 == 1 && $2 == s && $3 == n { f = 1 } END { exit !f }' "$values"; then
      log "ladder: $s, $n viewers (from run 1)"
      r=1
    else
      log "ladder: $s, $n viewers"
      r=ladder
      "${s}_point" ladder "$n" "$ladder_window"
    fi
    held "$r" "$s" "$n" || break
    best=$n
  done
  record ladder "$s" 0 held "$best"
done

# ---- the report --------------------------------------------------------------
# med SENDER N KEY: "median min max" over the numbered runs.
med() {
  awk -F'\t' -v s="$1" -v n="$2" -v k="$3" '
    $1 ~ /^[0-9]+$/ && $2 == s && $3 == n && $4 == k && $5 != "nan" { x[++c] = $5 + 0 }
    END {
      if (c == 0) { print "nan nan nan"; exit }
      for (i = 2; i <= c; i++) { t = x[i]; j = i - 1; while (j > 0 && x[j] > t) { x[j + 1] = x[j]; j-- } x[j + 1] = t }
      m = c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
      printf "%.6g %.6g %.6g\n", m, x[1], x[c]
    }' "$values"
}
# Incremental figures, run by run: (CPU at N - CPU at 0) per viewer and per
# packet sent, then the median over the runs.
incremental() { # incremental SENDER N per_viewer|per_packet
  awk -F'\t' -v s="$1" -v n="$2" -v what="$3" '
    $1 ~ /^[0-9]+$/ && $2 == s && $4 == "cpu_cores" && $3 == 0 { base[$1] = $5 }
    $1 ~ /^[0-9]+$/ && $2 == s && $4 == "cpu_cores" && $3 == n { cpu[$1] = $5 }
    $1 ~ /^[0-9]+$/ && $2 == s && $4 == "pps_total" && $3 == n { pps[$1] = $5 }
    END {
      c = 0
      for (r in cpu) {
        if (!(r in base)) continue
        d = cpu[r] - base[r]
        if (what == "per_viewer") v = d / n * 1000          # ms of CPU per second, per viewer
        else if ((r in pps) && pps[r] > 0) v = d / pps[r] * 1e6  # us of CPU per packet
        else continue
        x[++c] = v
      }
      if (c == 0) { print "nan nan nan"; exit }
      for (i = 2; i <= c; i++) { t = x[i]; j = i - 1; while (j > 0 && x[j] > t) { x[j + 1] = x[j]; j-- } x[j + 1] = t }
      m = c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
      printf "%.6g %.6g %.6g\n", m, x[1], x[c]
    }' "$values"
}
fmt_cell() { echo "$2" | awk -v d="$1" '{ if ($1 == "nan") print "–"; else if ($2 == $3) printf "%.*f", d, $1; else printf "%.*f (%.*f–%.*f)", d, $1, d, $2, d, $3 }'; }
first() { echo "$1" | cut -d' ' -f1; }
name_of() { [ "$1" = flowcast ] && echo flowcast || echo "GStreamer multiudpsink"; }

cpu_model=$(bench_cpu_model)
commit=$(bench_commit)
held_of() { awk -F'\t' -v s="$1" '$1 == "ladder" && $2 == s && $4 == "held" { print $5 }' "$values"; }

section="$work/section.md"
{
  echo "<!-- fanout: written by bench/fanout.sh; bench/run.sh keeps it -->"
  echo "## Fan-out: one live stream to many UDP viewers"
  echo
  if [ $smoke = 1 ]; then
    echo "**Smoke run** (\`bench/fanout.sh --smoke\`): $counts viewers of a small stream, 1 s windows;"
    echo "it checks that the figures are still produced, the figures themselves mean little."
    echo
  fi
  echo "Written by \`bench/fanout.sh\` (\`make bench-fanout\`, and \`make bench\`)."
  echo
  echo "- date: $started; commit $commit; server: \`$(echo "$server_bin" | sed "s#$build#\$BUILD#")\`"
  echo "- machine: $(nproc) cores (nproc), $cpu_model; load average at the start: $load_before"
  echo "- stream: ${width}x${height}@$fps, ${rate_k} kbit/s, GOP $((2 * fps)), RTP packets ≤ 1200 bytes; flowcast's built-in pattern; GStreamer's videotestsrc snow (noise, so that x264enc's constant bitrate is filled: the ball pattern made a sixteenth of it) + x264enc (ultrafast, zerolatency, pass=cbr) + rtph264pay; the table shows the packets per second and bytes per packet each sent"
  echo "- viewers join at $join_rate/s; the sender's CPU is read over ${window} s of steady state, ${warmup} s after the last join (ladder: ${ladder_window} s), minus the same sender's CPU with 0 viewers (its encoder alone); \"received\" counts each viewer's packets after a ${warmup} s warm-up, as received / expected (RFC 3550 A.1)"
  echo "- runs: $runs, the two senders alternately, pair by pair; each figure is the median, with the range (min–max) over the runs; the ladder ran once"
  echo "- the viewers are one flowcast-load process on the same machine; its own CPU is shown; packets its sockets' receive buffers (SO_RCVBUF 256 KiB, 512 KiB granted) dropped (SO_RXQ_OVFL) are counted apart: the tool read too late, or the sender sent a burst larger than the buffer"
  echo "- a sender that falls behind its live source loses whole frames before it numbers their packets: the received fraction stays 1 while the packets/s per viewer fall, so the ladder asks for both"
  echo "- cut off: the server sent a BYE, or the viewer heard nothing (not even an RTCP SR) in its last 2 s; \"no RTCP\" counts the sessions the server's metrics say it ended for 5 s without RTCP from the viewer, which kept sending a report every 500 ms"
  echo
  echo "| viewers | sender | sender CPU (cores) | added CPU per viewer (ms/s) | CPU per packet sent (µs) | packets/s per viewer, min / median | bytes per packet | received, min / p1 / median | viewers < 99.9% | cut off: BYE / silent (server: no RTCP) | dropped at the tool's sockets | tool CPU (cores) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for s in $senders; do
    echo "| 0 | $(name_of $s) | $(fmt_cell 3 "$(med $s 0 cpu_cores)") | – | – | – | – | – | – | – | – | – |"
  done
  for n in $counts; do
    for s in $senders; do
      echo "| $n | $(name_of $s) | $(fmt_cell 3 "$(med $s $n cpu_cores)") | $(fmt_cell 3 "$(incremental $s $n per_viewer)") | $(fmt_cell 2 "$(incremental $s $n per_packet)") | $(fmt_cell 1 "$(med $s $n pps_min)") / $(fmt_cell 1 "$(med $s $n pps_median)") | $(fmt_cell 0 "$(med $s $n bytes_per_packet)") | $(fmt_cell 4 "$(med $s $n fraction_min)") / $(fmt_cell 4 "$(med $s $n fraction_p1)") / $(fmt_cell 4 "$(med $s $n fraction_median)") | $(fmt_cell 0 "$(med $s $n below)") | $(fmt_cell 0 "$(med $s $n ended_by_server)") / $(fmt_cell 0 "$(med $s $n went_silent)") ($(fmt_cell 0 "$(med $s $n ended_no_rtcp)")) | $(fmt_cell 0 "$(med $s $n dropped_kernel)") | $(fmt_cell 2 "$(med $s $n load_cpu_cores)") |"
    done
  done
  echo
  echo "| largest number of viewers held: each gets ≥ 99.9% of its packets, at ≥ 95% of the packets/s at $(echo $counts | cut -d' ' -f1) viewers, none cut off (ladder: $ladder) | $(for s in $senders; do printf '%s: %s; ' "$(name_of $s)" "$(held_of $s)"; done | sed 's/; $//') |"
  echo "|---|---|"
  echo
  echo "### The commands (\$WORK is the scratch folder, \$BUILD the build; P is a free port, P1, P2, ... consecutive ones)"
  echo
  echo "The sender's CPU: \`utime + stime\` of \`/proc/PID/stat\` at both ends of the window."
  echo
  echo '```sh'
  cat "$commands"
  echo '```'
  echo "<!-- /fanout -->"
} >"$section"

# The section replaces the old one; everything else in the file is kept.
write_results_section fanout "$section" "$out"
cp "$values" "$out.fanout.tsv" 2>/dev/null || true
log "wrote the Fan-out section of $out"
