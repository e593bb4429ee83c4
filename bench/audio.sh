#!/usr/bin/env bash
# What the sound costs the client (issue #27): flowcast-client's CPU on the
# bench clip with its AAC track and without it, the two pairs side by side
# in each run, so both see the same machine.
#
# Usage: bench/audio.sh [--runs N] [--smoke] [--out FILE] [--build DIR] [--work DIR]
#   --runs N     runs (default 5; --smoke: 1)
#   --smoke      a 2 s clip at 640x360: checks that the figures are produced
#   --out FILE   the results file whose "Sound" section is rewritten
#                (default bench/RESULTS.md; the rest of it is kept)
#   --build DIR  the build whose binaries are measured (default build/release)
#   --work DIR   the clip, logs and raw figures (default: a temporary folder,
#                removed at the end)
#
# The clip is bench/run.sh's (testsrc2 720p30, 20 s, libx264 veryfast, 3
# B-frames, 4 Mbit/s) with a sound track as a camera or a film has one: AAC
# (LC, 48 kHz stereo, 128 kbit/s) of a 440 Hz tone. In each run two
# flowcast-server/flowcast-client pairs stream it over UDP at the same time:
# one with the sound (the client decodes it and plays it to the null audio
# device, headless), one with --no-audio on both ends (the server sends the
# video only). CPU is user + sys of the client's whole process (every
# thread), from GNU time; the ratio is taken run by run (with / without),
# then its median and range.
#
# Needs the project's binaries, ffmpeg/ffprobe, GNU time (/usr/bin/time),
# awk and python3 (to read the metrics).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/results_section.sh
. "$here/results_section.sh"
root=$(cd "$here/.." && pwd)
runs=""
smoke=0
out=""
build="$root/build/release"
work=""

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:-}; shift 2 ;;
    --runs=*) runs=${1#*=}; shift ;;
    --smoke) smoke=1; shift ;;
    --out) out=${2:-}; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    --build) build=${2:-}; shift 2 ;;
    --build=*) build=${1#*=}; shift ;;
    --work) work=${2:-}; shift 2 ;;
    --work=*) work=${1#*=}; shift ;;
    -h|--help) usage ;;
    *) echo "audio-bench: unknown option '$1'" >&2; usage ;;
  esac
done
[ -n "$runs" ] || runs=$([ $smoke = 1 ] && echo 1 || echo 5)
case "$runs" in ''|*[!0-9]*|0) echo "audio-bench: --runs takes a number of runs, 1 or more" >&2; exit 2 ;; esac
[ -n "$out" ] || out="$here/RESULTS.md"
build=$(cd "$build" 2>/dev/null && pwd) || { echo "audio-bench: no build folder '$build': run 'make build' first" >&2; exit 1; }
server_bin="$build/server/flowcast-server"
client_bin="$build/client/flowcast-client"
for bin in "$server_bin" "$client_bin"; do
  [ -x "$bin" ] || { echo "audio-bench: $bin is missing: run 'make build' first" >&2; exit 1; }
done
for tool in ffmpeg ffprobe awk python3; do
  command -v $tool >/dev/null || { echo "audio-bench: $tool is missing" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "audio-bench: GNU time (/usr/bin/time) is missing: apt-get install time" >&2; exit 1; }
if [ -z "$work" ]; then
  work=$(mktemp -d /tmp/flowcast-audio-bench.XXXXXX)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
values="$work/values.tsv"     # run <TAB> key <TAB> value
commands="$work/commands.txt" # the command lines of the first run
: >"$values"
: >"$commands"

log() { echo "audio-bench: $*" >&2; }
die() { echo "audio-bench: $*" >&2; exit 1; }
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$values"; }
note_command() { [ "${run:-1}" = 1 ] && printf '%s\n' "$*" | sed "s#$work#\$WORK#g; s#$build#\$BUILD#g" >>"$commands"; return 0; }
timed() { # timed OUT PIDFILE CMD...: "elapsed user sys maxrss_kb" in OUT
  local o=$1 p=$2
  shift 2
  /usr/bin/time -o "$o" -f '%e %U %S %M' sh -c 'echo $$ >"$0"; exec "$@"' "$p" "$@"
}
cpu_of() { tail -n1 "$1" | awk '{ printf "%.4f", $2 + $3 }'; }
metric() { # metric FILE PATH...: a number of the metrics file, "" when null
  python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)' "$@"
}

if [ $smoke = 1 ]; then seconds=2 size=640x360 rate=1M; else seconds=20 size=1280x720 rate=4M; fi
fps=30
clip="$work/clip-$size-$rate-aac.mp4"
cmd=(ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=$size:rate=$fps"
  -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$seconds"
  -c:v libx264 -preset veryfast -bf 3 -g $((2 * fps)) -b:v "$rate" -maxrate "$rate" -bufsize "$rate"
  -pix_fmt yuv420p -c:a aac -b:a 128k -ac 2 "$clip")
note_command "${cmd[@]}"
log "encoding the clip ($seconds s) into $work"
"${cmd[@]}" || die "encoding the clip failed"

# pair DIR [--no-audio]: flowcast-server streams the clip over UDP to one
# headless flowcast-client; both are timed.
pair() {
  local d=$1
  shift
  mkdir -p "$d"
  local scmd=("$server_bin" "$clip" --port 0 --transport udp "$@")
  note_command "${scmd[@]}"
  timed "$d/server.time" "$d/server.pid" "${scmd[@]}" 2>"$d/server.log" &
  local tpid=$! port=""
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$d/server.log" | head -n1)
    [ -n "$port" ] && break
    kill -0 $tpid 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$port" ] || { cat "$d/server.log" >&2; die "flowcast-server did not start ($d)"; }
  local ccmd=("$client_bin" --transport udp --headless --quiet --metrics "$d/client.json"
    --duration $((seconds + 30))s "$@" "127.0.0.1:$port")
  note_command "${ccmd[@]}"
  timed "$d/client.time" "$d/client.pid" "${ccmd[@]}" >"$d/client.log" 2>&1
  local rc=$?
  kill -TERM "$(cat "$d/server.pid")" 2>/dev/null
  wait $tpid
  [ $rc = 0 ] || { cat "$d/client.log" >&2; die "flowcast-client exited with $rc ($d)"; }
  [ -s "$d/client.json" ] || die "flowcast-client wrote no metrics ($d)"
}

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq 1 "$runs"); do
  log "run $run of $runs"
  r="$work/run$run"
  pair "$r/audio" &
  apid=$!
  pair "$r/video" --no-audio &
  vpid=$!
  wait $apid || die "the pair with sound failed (run $run)"
  wait $vpid || die "the pair without sound failed (run $run)"
  # A check that each pair played what it should, not a quality bar.
  samples=$(metric "$r/audio/client.json" audio totalSamplesReceived)
  awk -v s="${samples:-0}" -v n=$((seconds * 48000)) 'BEGIN { exit !(s >= n * 0.9) }' ||
    die "the client with sound played ${samples:-no} samples of $((seconds * 48000)) (run $run)"
  [ -z "$(metric "$r/video/client.json" audio)" ] || die "the client without sound had an audio block (run $run)"
  for side in audio video; do
    record $run "${side}_cpu" "$(cpu_of "$r/$side/client.time")"
    record $run "${side}_frames" "$(metric "$r/$side/client.json" frames rendered)"
    record $run "${side}_stalls" "$(metric "$r/$side/client.json" stalls count)"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# stats KEY [KEY2]: "median min max" of KEY, or of KEY/KEY2 (KEY-KEY2 with
# a third argument "-") run by run.
stats() {
  awk -F'\t' -v a="$1" -v b="${2:-}" -v op="${3:-/}" '
    $2 == a { x[$1] = $3 } b != "" && $2 == b { y[$1] = $3 }
    END {
      n = 0
      for (r in x) {
        if (b == "") v = x[r]
        else if (!(r in y)) continue
        else if (op == "-") v = x[r] - y[r]
        else if (y[r] + 0 > 0) v = x[r] / y[r]
        else continue
        s[++n] = v + 0
      }
      if (n == 0) { print "nan nan nan"; exit }
      for (i = 2; i <= n; i++) { t = s[i]; j = i - 1; while (j > 0 && s[j] > t) { s[j + 1] = s[j]; j-- } s[j + 1] = t }
      m = n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
      printf "%.6g %.6g %.6g\n", m, s[1], s[n]
    }' "$values"
}
fmt() { echo "$2" | awk -v d="$1" '{ printf "%.*f (%.*f–%.*f)", d, $1, d, $2, d, $3 }'; }
with=$(stats audio_cpu)
without=$(stats video_cpu)
ratio=$(stats audio_cpu video_cpu)
extra=$(stats audio_cpu video_cpu -)
per_second=$(echo "$extra" | awk -v s=$seconds '{ printf "%.6g %.6g %.6g", $1 * 1000 / s, $2 * 1000 / s, $3 * 1000 / s }')
stalls_a=$(stats audio_stalls)
stalls_v=$(stats video_stalls)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (with uncommitted changes)")
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)

section="$work/section.md"
{
  echo "<!-- audio: written by bench/audio.sh; bench/run.sh keeps it -->"
  echo "## Sound: the client's CPU with and without it"
  echo
  echo "Written by \`bench/audio.sh --runs $runs\`$([ $smoke = 1 ] && echo " (**smoke run**: the figures mean little)")."
  echo
  echo "- date: $started; commit $commit$dirty"
  echo "- machine: $(nproc) cores (nproc), $cpu_model; load average at the start: $load_before, at the end: $load_after"
  echo "- clip: bench/run.sh's (testsrc2 $size at $fps fps, $seconds s, H.264 libx264 veryfast, 3 B-frames, $rate) with a sound track: AAC LC, 48 kHz stereo, 128 kbit/s, a 440 Hz tone"
  echo "- each run streams it over flowcast's UDP to two headless clients at the same time: one plays the sound (decoded, to the null audio device), one has \`--no-audio\` on both ends; CPU is user + sys of the client's whole process, from GNU time; figures are the median and range (min–max) over the runs; the ratio and the difference are taken run by run"
  echo
  echo "| | with sound | without | with / without | the sound's cost |"
  echo "|---|---|---|---|---|"
  echo "| client CPU | $(fmt 3 "$with") s | $(fmt 3 "$without") s | $(fmt 3 "$ratio") | $(fmt 3 "$extra") s, $(fmt 1 "$per_second") ms per second of media |"
  echo "| stalls | $(fmt 0 "$stalls_a") | $(fmt 0 "$stalls_v") | | |"
  echo
  echo "### The commands (first run; \$WORK is the scratch folder, \$BUILD the build)"
  echo
  echo "Each client and server ran as \`/usr/bin/time -f '%e %U %S %M' CMD\`; the two pairs at the same time."
  echo
  echo '```sh'
  cat "$commands"
  echo '```'
  echo "<!-- /audio -->"
} >"$section"
write_results_section audio "$section" "$out"
cp "$values" "$out.audio.tsv" 2>/dev/null || true
sed -n '/^| /p' "$section"
log "wrote the Sound section of $out"
