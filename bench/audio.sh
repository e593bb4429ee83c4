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
# shellcheck source=bench/options.sh
. "$here/options.sh"
# shellcheck source=bench/results_section.sh
. "$here/results_section.sh"
bench_name=audio-bench
runs=""
smoke=0
out=""
build="$root/build/release"
work=""
bench_common_options runs smoke out build work
bench_parse "$@"
bench_runs 5 1
bench_build
server_bin="$build/server/flowcast-server"
client_bin="$build/client/flowcast-client"
bench_need_bins "$server_bin" "$client_bin"
bench_need_tools ffmpeg ffprobe awk python3
bench_need_gnu_time
bench_work flowcast-audio-bench
values="$work/values.tsv"     # run <TAB> key <TAB> value
commands="$work/commands.txt" # the command lines of the first run
: >"$values"
: >"$commands"

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
  local tpid=$! port
  port=$(server_port "$d/server.log" $tpid) ||
    { cat "$d/server.log" >&2; die "flowcast-server did not start ($d)"; }
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

started=$(bench_started)
load_before=$(bench_load)
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
load_after=$(bench_load)

with=$(stats audio_cpu)
without=$(stats video_cpu)
ratio=$(stats audio_cpu video_cpu)
extra=$(stats audio_cpu video_cpu -)
per_second=$(echo "$extra" | awk -v s=$seconds '{ printf "%.6g %.6g %.6g", $1 * 1000 / s, $2 * 1000 / s, $3 * 1000 / s }')
stalls_a=$(stats audio_stalls)
stalls_v=$(stats video_stalls)
commit=$(bench_commit)
cpu_model=$(bench_cpu_model)

section="$work/section.md"
{
  echo "<!-- audio: written by bench/audio.sh; bench/run.sh keeps it -->"
  echo "## Sound: the client's CPU with and without it"
  echo
  echo "Written by \`bench/audio.sh --runs $runs\`$([ $smoke = 1 ] && echo " (**smoke run**: the figures mean little)")."
  echo
  echo "- date: $started; commit $commit"
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
