#!/usr/bin/env bash
# The jitter ladder (issue #29): flowcast-client's three playout policies,
# --buffer 0ms, 500ms and adaptive, under flowcast-server's emulated link
# jitter over UDP, beside GStreamer's rtpjitterbuffer at its default 200 ms
# latency receiving the same stream from the same server over RTSP/UDP.
#
# Usage: bench/jitter.sh [--runs N] [--smoke] [--seconds S] [--jitters "MS ..."]
#                        [--link-delay MS] [--bframes N] [--out FILE] [--build DIR]
#                        [--work DIR]
#   --runs N         runs of the whole ladder (default 3; --smoke: 1)
#   --smoke          a 2 s 640x360 clip, one run: checks that every figure is
#                    still produced
#   --seconds S      the clip's length (default 20; --smoke: 2)
#   --jitters LIST   the --link-jitter levels, in ms (default "0 20 60 120")
#   --link-delay MS  the link's one-way delay at every level (default 0: a
#                    packet is then delayed by 0 to J ms, see below)
#   --bframes N      B-frames in the clip (default 0, see below)
#   --out FILE       the results file whose "Jitter" section is rewritten
#                    (default bench/RESULTS.md; the rest of it is kept)
#   --build DIR      the build whose binaries are measured (default build/release)
#   --work DIR       the clip, logs and raw figures (default: a temporary
#                    folder, removed at the end)
#
# The clip is bench/run.sh's without B-frames, as its low-latency row has it:
# testsrc2 720p30, 4 Mbit/s. With B-frames the send->render latency is
# bimodal (a P-frame is sent 3 frames ahead of the B-frames shown before
# it, so its latency is 4 frames more): p95 would measure the clip's
# reordering, not the link. At each level one flowcast-server streams it with --link-jitter J (docs/LINK.md:
# each packet is delayed by the delay ± a uniform draw up to J, never less
# than 0, and packets keep their order) and --link-seed RUN, to four
# receivers at once: a headless flowcast-client per policy over flowcast's
# UDP, and bench/gst_jitter_receiver.py (rtspsrc latency=200, decoding to a
# clock-synchronised sink) over RTSP/UDP. Every session has its own
# emulated link from the same seed, so the four get the same delays, packet
# by packet. Takes about runs x levels x (S + 5 s): 5 minutes with the
# defaults.
#
# Needs the project's binaries, ffmpeg/ffprobe, python3 (to read the JSON
# files), and Debian's /usr/bin/python3 with GStreamer's bindings
# (python3-gi) and rtspsrc, avdec_h264 (gstreamer1.0-plugins-good, -libav).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/options.sh
. "$here/options.sh"
# shellcheck source=bench/results_section.sh
. "$here/results_section.sh"
bench_name=jitter-bench
runs=""
smoke=0
out=""
build="$root/build/release"
work=""
seconds=""
jitters="0 20 60 120"
delay=0
bframes=0
bench_common_options runs smoke out build work
bench_value --seconds seconds
bench_value --jitters jitters
bench_value --link-delay delay
bench_value --bframes bframes
bench_parse "$@"
bench_runs 3 1
[ -n "$delay" ] || delay=0
[ -n "$bframes" ] || bframes=0
[ -n "$seconds" ] || seconds=$([ $smoke = 1 ] && echo 2 || echo 20)
for n in $seconds $jitters $delay $bframes; do
  case "$n" in *[!0-9]*) echo "$bench_name: --seconds, --jitters, --link-delay and --bframes take whole numbers (s, ms, frames)" >&2; exit 2 ;; esac
done
[ "$seconds" -gt 0 ] && [ -n "$jitters" ] ||
  { echo "$bench_name: --seconds takes 1 or more, --jitters at least one level" >&2; exit 2; }
bench_build
server_bin="$build/server/flowcast-server"
client_bin="$build/client/flowcast-client"
bench_need_bins "$server_bin" "$client_bin"
bench_need_tools -m ": run scripts/install-deps.sh" ffmpeg awk python3
gst_python=/usr/bin/python3
gst_receiver="$here/gst_jitter_receiver.py"
"$gst_python" -c 'import gi; gi.require_version("Gst", "1.0"); from gi.repository import Gst; Gst.init(None)
import sys; sys.exit(any(Gst.ElementFactory.find(e) is None for e in ("rtspsrc", "rtpjitterbuffer", "avdec_h264", "h264parse")))' 2>/dev/null ||
  die "$gst_python with GStreamer's bindings (python3-gi), rtspsrc and avdec_h264 is missing: run scripts/install-deps.sh"

bench_work flowcast-jitter-bench
values="$work/values.tsv"     # run <TAB> key <TAB> value; keys jJ_RECEIVER_FIGURE
commands="$work/commands.txt" # one command line of each kind
: >"$values"
: >"$commands"

if [ $smoke = 1 ]; then size=640x360 rate=1M; else size=1280x720 rate=4M; fi
fps=30
latency_ms=200                     # rtpjitterbuffer's default
policies="0ms 500ms adaptive"      # flowcast-client --buffer
receivers="buf0ms buf500ms bufadaptive gst"

# level_point RUN J: one server with J ms of jitter, four receivers at once.
level_point() {
  local run=$1 j=$2 d="$work/run$1/jitter-$2" rtsp_port port spid gpid p
  mkdir -p "$d"
  rtsp_port=$(free_ports 1)
  local link=(--link-jitter "${j}ms")
  [ "$delay" = 0 ] || link+=(--link-delay "${delay}ms")
  local scmd=("$server_bin" "$clip" --port 0 --rtsp-port "$rtsp_port" --transport udp
    "${link[@]}" --link-seed "$run" --metrics "$d/server.json")
  note_kind "server-$j" "${scmd[@]}"
  "${scmd[@]}" 2>"$d/server.log" &
  spid=$!
  bench_pids+=("$spid")
  port=$(server_port "$d/server.log" $spid) && wait_until 10 grep -q 'RTSP at' "$d/server.log" ||
    { cat "$d/server.log" >&2; die "flowcast-server did not start ($d)"; }

  local gcmd=("$gst_python" "$gst_receiver" --url "rtsp://127.0.0.1:$rtsp_port/stream"
    --latency "$latency_ms" --timeout $((seconds + 30)) --json "$d/gst.json")
  note_kind gst "${gcmd[@]/#$here\//bench/}"
  "${gcmd[@]}" >"$d/gst.log" 2>&1 &
  gpid=$!
  bench_pids+=("$gpid")
  local cpids=()
  for p in $policies; do
    local ccmd=("$client_bin" --transport udp --headless --quiet --buffer "$p"
      --metrics "$d/client-$p.json" --duration $((seconds + 30))s "127.0.0.1:$port")
    note_kind "client-$p" "${ccmd[@]}"
    "${ccmd[@]}" >"$d/client-$p.log" 2>&1 &
    cpids+=($!)
    bench_pids+=($!)
  done
  local i=0 rc
  for p in $policies; do
    wait "${cpids[$i]}"
    rc=$?
    i=$((i + 1))
    [ $rc = 0 ] || { cat "$d/client-$p.log" >&2; die "flowcast-client --buffer $p exited with $rc ($d)"; }
    [ -s "$d/client-$p.json" ] || die "flowcast-client --buffer $p wrote no metrics ($d)"
  done
  wait $gpid || { cat "$d/gst.log" >&2; die "the GStreamer receiver failed ($d)"; }
  kill -TERM $spid 2>/dev/null
  wait $spid

  for p in $policies; do client_figures "$run" "j${j}_buf$p" "$d/client-$p.json"; done
  gst_figures "$run" "j${j}_gst" "$d/gst.json" "$d/server.json"
}

# client_figures RUN PREFIX METRICS_JSON: the figures of one flowcast-client.
client_figures() {
  python3 - "$3" <<'EOF' | while IFS=$'\t' read -r k v; do record "$1" "$2_$k" "$v"; done
import json, sys
m = json.load(open(sys.argv[1]))
def get(*path):
    v = m
    for k in path:
        v = v.get(k) if isinstance(v, dict) else None
    return "nan" if v is None else v
jb = m.get("jitter_buffer") or {}
emitted = jb.get("jitterBufferEmittedCount") or 0
target_s = jb.get("jitterBufferTargetDelay")
rows = {
    "p50": get("latency_ms", "p50"), "p95": get("latency_ms", "p95"),
    "late_packets": get("packets", "late"), "lost_packets": get("packets", "lost"),
    "received": get("packets", "received"),
    "frames_lost": get("frames", "lost"), "dropped_late": get("frames", "dropped_late"),
    "rendered": get("frames", "rendered"), "sent": get("frames", "sent"),
    "stalls": get("stalls", "count"),
    "target_ms": target_s / emitted * 1000 if emitted and target_s is not None else "nan",
    "own_lag_pictures": get("client_load", "late_pictures"),
}
for k, v in rows.items():
    print(f"{k}\t{v}")
EOF
  local shown
  shown=$(awk -F'\t' -v k="$2_rendered" -v r="$1" '$1 == r && $2 == k { print $3 }' "$values")
  [ "${shown:-0}" -gt 0 ] 2>/dev/null || die "flowcast-client showed no picture ($3)"
}

# gst_figures RUN PREFIX JSON SERVER_JSON: the GStreamer receiver's figures,
# and the packets its RTSP session sent (the server's metrics).
gst_figures() {
  python3 - "$3" "$4" <<'EOF' | while IFS=$'\t' read -r k v; do record "$1" "$2_$k" "$v"; done
import json, sys
g = json.load(open(sys.argv[1]))
jb, sink = g["jitterbuffer"] or {}, g["sink"]
rtsp = [s for s in json.load(open(sys.argv[2]))["sessions"] if s["protocol"] == "rtsp"]
sent = sum(s["packets_sent"] for s in rtsp) if rtsp else None
one = (g["jitterbuffers"] or [{}])[0]
rows = {
    "pushed": jb.get("num-pushed", "nan"), "sent": "nan" if sent is None else sent,
    "not_pushed": sent - jb["num-pushed"] if sent is not None and "num-pushed" in jb else "nan", "lost_packets": jb.get("num-lost", "nan"),
    "late_packets": jb.get("num-late", "nan"), "duplicates": jb.get("num-duplicates", "nan"),
    "avg_jitter_ms": jb["avg-jitter"] / 1e6 if "avg-jitter" in jb else "nan",
    "rendered": sink["rendered"], "dropped_late": sink["dropped"],
    "pipeline_latency_ms": g.get("pipeline_latency_ms") or "nan",
    "latency_ms": one.get("latency_ms", "nan"), "mode": one.get("mode", "nan"),
    "do_retransmission": str(one.get("do_retransmission", "nan")).lower(),
}
for k, v in rows.items():
    print(f"{k}\t{v}")
EOF
  local pushed
  pushed=$(awk -F'\t' -v k="$2_pushed" -v r="$1" '$1 == r && $2 == k { print $3 }' "$values")
  [ "${pushed:-0}" -gt 0 ] 2>/dev/null || die "GStreamer's jitterbuffer pushed no packet ($3)"
}

# ---- the runs ----------------------------------------------------------------
started=$(bench_started)
load_before=$(bench_load)
t0=$SECONDS
log "encoding the clip ($seconds s) into $work"
encode_clip $size $rate "$bframes"
clip="$work/$(clip_name $size $rate "$bframes")"
for run in $(seq 1 "$runs"); do
  for j in $jitters; do
    log "run $run of $runs: --link-jitter ${j}ms"
    level_point "$run" "$j"
  done
done
load_after=$(bench_load)
took=$((SECONDS - t0))

# ---- the report --------------------------------------------------------------
# cell DIGITS KEY: "median (min–max)" over the runs, "–" without a figure.
cell() {
  local s
  s=$(stats "$2")
  case "$s" in nan*) echo "–" ;; *) fmt "$1" "$s" ;; esac
}
# first_value KEY: the value of KEY in the first run (a setting, not a figure).
first_value() { awk -F'\t' -v k="$1" '$1 == 1 && $2 == k { print $3; exit }' "$values"; }
name_of() {
  case "$1" in
    gst) echo "GStreamer rtpjitterbuffer, latency ${latency_ms} ms" ;;
    *) echo "flowcast \`--buffer ${1#buf}\`" ;;
  esac
}

commit=$(bench_commit)
cpu_model=$(bench_cpu_model)
gst_version=$("$gst_python" -c 'import gi; gi.require_version("Gst", "1.0"); from gi.repository import Gst; Gst.init(None); print(Gst.version_string())' 2>/dev/null)
first_level=${jitters%% *}
gst_mode=$(first_value "j${first_level}_gst_mode")
gst_rtx=$(first_value "j${first_level}_gst_do_retransmission")

section="$work/section.md"
{
  echo "<!-- jitter: written by bench/jitter.sh; bench/run.sh keeps it -->"
  echo "## Jitter: playout policies under link jitter, beside GStreamer's jitterbuffer"
  echo
  echo "Written by \`bench/jitter.sh --runs $runs\` (\`make bench-jitter\`)$([ $smoke = 1 ] && echo " (**smoke run**: the figures mean little)")."
  echo
  echo "- date: $started; commit $commit; one ladder of $runs run(s) took $((took / 60)) min $((took % 60)) s"
  echo "- machine: $(nproc) cores (nproc), $cpu_model; load average at the start: $load_before, at the end: $load_after"
  echo "- clip: bench/run.sh's (testsrc2 $size at $fps fps, $seconds s, H.264 libx264 veryfast, GOP $((2 * fps)), $rate) with $bframes B-frames$([ "$bframes" = 0 ] && echo ", as its low-latency row has it: with B-frames the send→render latency is bimodal (a P-frame is sent 3 frames ahead of the B-frames shown before it, so its latency is 4 frames more) and p95 would measure the clip's reordering, not the link"); $gst_version"
  echo "- link: flowcast-server's emulation (docs/LINK.md), per session, seeded with the run's number: each packet is delayed by ${delay} ms ± a uniform draw up to the jitter, never below 0$([ "$delay" = 0 ] && echo " (so half the draws are 0 and the others up to the jitter)"), and packets keep their order: one held back holds back those behind it"
  echo "- at each level one server streams the clip to four receivers at once, each over its own emulated link drawn from the same seed (the same delays, packet by packet): three headless flowcast-clients over flowcast's UDP, one per playout policy, and GStreamer (\`bench/gst_jitter_receiver.py\`: rtspsrc over RTSP/UDP with latency=${latency_ms}, rtpbin's rtpjitterbuffer in mode ${gst_mode:-?}, do-retransmission ${gst_rtx:-?}, decoding with avdec_h264 to a fakesink with sync=true)"
  echo "- runs: $runs; each figure is the median, with the range (min–max) over the runs"
  echo
  echo "What the columns count:"
  echo
  echo "- **latency p50, p95**: flowcast's \`latency_ms.p50\`, \`.p95\` (docs/METRICS.md): the server's send time of each shown picture (an RTP header extension) to the moment it is shown, the playout delay included. GStreamer's receiver has no send time to read: not measured."
  echo "- **late packets**: flowcast's \`packets.late\`: packets that arrived after their picture had left the receive buffer (played, or played as a loss). GStreamer's \`num-late\` (rtpjitterbuffer \`stats\`: \"the number of packets arriving too late\"): packets that arrived after the jitterbuffer had already pushed out a later sequence number, and were dropped. Not the same rule: flowcast's is the picture's due time, GStreamer's the sequence order of what it pushed; a link that keeps packets in order gives GStreamer no such packet, however late it is."
  echo "- **lost packets**: flowcast's \`packets.lost\` (RFC 3550 §6.4.1: expected minus received, late ones included in received); GStreamer's \`num-lost\`: packets its timers gave up waiting for (\"the number of packets considered lost\")."
  echo "- **pictures lost or late whole**: flowcast's \`frames.lost\`: pictures that never reached the decoder because nothing of them arrived in time (lost in the network, or arrived only after playout had passed them)."
  echo "- **pictures dropped late**: flowcast's \`frames.dropped_late\`: decoded but not shown, because the next picture was already due. GStreamer: the sink's \`dropped\` (GstBaseSink \`stats\`): pictures that reached the sink more than 20 ms after their time (max-lateness 20 ms, a video sink's default; QoS off, so the decoder decodes every picture)."
  echo "- **pictures shown**: flowcast's \`frames.rendered\` (of \`frames.sent\`: $(cell 0 "j${first_level}_buf0ms_sent") in the first level); GStreamer: the sink's \`rendered\`."
  echo "- **GStreamer: packets sent, never pushed**: the packets the server's RTSP session sent (\`packets_sent\` in its metrics) less the jitterbuffer's \`num-pushed\`. When a packet arrives later than the latency allows, rtpjitterbuffer resets and discards what it holds (\"reset jitterbuffer and discard\", rtpjitterbuffer.c); neither \`num-lost\` nor \`num-late\` counts those packets, this does."
  echo "- **stalls**: flowcast's \`stalls.count\` (playback waited: nothing playable one frame interval after the next picture was due)."
  echo "- **target delay**: flowcast's \`jitter_buffer.jitterBufferTargetDelay\` / \`jitterBufferEmittedCount\`, the mean delay the buffer aimed at (\`--buffer\`, or the adaptive target). GStreamer's: the pipeline's latency (a latency query while it plays: the jitterbuffer's ${latency_ms} ms plus what the depayloader, parser and decoder declare), the time its sink holds each picture past the picture's timestamp, which the jitterbuffer derives from the packets' arrival (mode ${gst_mode:-?})."
  echo
  echo "| link jitter (ms) | receiver | latency p50 (ms) | latency p95 (ms) | late packets (\`packets.late\`; GStreamer \`num-late\`) | lost packets (\`packets.lost\`; \`num-lost\`) | pictures lost or late whole (\`frames.lost\`) | pictures dropped late (\`frames.dropped_late\`; sink \`dropped\`) | pictures shown (\`frames.rendered\`; sink \`rendered\`) | stalls (\`stalls.count\`) | target delay (ms) | GStreamer: packets sent, never pushed |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for j in $jitters; do
    for r in $receivers; do
      k="j${j}_$r"
      if [ "$r" = gst ]; then
        echo "| $j | $(name_of $r) | – | – | $(cell 0 "${k}_late_packets") | $(cell 0 "${k}_lost_packets") | – | $(cell 0 "${k}_dropped_late") | $(cell 0 "${k}_rendered") | – | $(cell 0 "${k}_pipeline_latency_ms") | $(cell 0 "${k}_not_pushed") |"
      else
        echo "| $j | $(name_of $r) | $(cell 1 "${k}_p50") | $(cell 1 "${k}_p95") | $(cell 0 "${k}_late_packets") | $(cell 0 "${k}_lost_packets") | $(cell 0 "${k}_frames_lost") | $(cell 0 "${k}_dropped_late") | $(cell 0 "${k}_rendered") | $(cell 0 "${k}_stalls") | $(cell 0 "${k}_target_ms") | – |"
      fi
    done
  done
  echo
  echo "### The commands (\$WORK is the scratch folder, \$BUILD the build; P is a port the script chose)"
  echo
  echo "The server's at every level; the receivers' at the first (the same at every level). \`--link-seed\` is the run's number."
  echo
  echo '```sh'
  cat "$commands"
  echo '```'
  echo "<!-- /jitter -->"
} >"$section"

# The section replaces the old one; everything else in the file is kept.
write_results_section jitter "$section" "$out"
cp "$values" "$out.jitter.tsv" 2>/dev/null || true
sed -n '/^| /p' "$section"
log "wrote the Jitter section of $out (the ladder took $took s)"
