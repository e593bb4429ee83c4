#!/usr/bin/env bash
# flowcast benchmarks: what the player costs on top of the decoder, what the
# server costs on top of the network, latency and memory, each measured side
# by side with the ffmpeg command line a user would pick instead.
#
# Usage: bench/run.sh [--runs N] [--smoke] [--out FILE] [--build DIR] [--work DIR]
#   --runs N     runs of every benchmark (default 5; --smoke: 1)
#   --smoke      a 2 s clip at small sizes, one run: checks that every
#                benchmark still produces its figures (the [bench-smoke] test)
#   --out FILE   where the results go (default bench/RESULTS.md)
#   --build DIR  the build whose binaries are measured (default build/release)
#   --work DIR   clips, logs and raw figures (default: a temporary folder,
#                removed at the end)
#
# Needs the project's binaries, ffmpeg/ffprobe, GNU time (/usr/bin/time) and
# awk: `make bench` installs what is missing, builds, then runs this.
#
# CPU time is user + sys of the whole process (every thread), from GNU time;
# peak memory is its maximum resident set. CPU-time ratios hold on a loaded
# machine where wall time does not, so every ratio is computed pair by pair
# (run i of flowcast against run i of ffmpeg), then its median is taken.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/options.sh
. "$here/options.sh"
bench_name=bench
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
bench_need_tools -m ": run scripts/install-deps.sh" ffmpeg ffprobe awk
bench_need_gnu_time

bench_work flowcast-bench
values="$work/values.tsv"     # run <TAB> key <TAB> value
commands="$work/commands.txt" # the command lines of the first run
: >"$values"
: >"$commands"

# ---- the clips -------------------------------------------------------------
# The main clip is 720p30, 20 s, about 4 Mbit/s, with B-frames. The growth
# clips vary one thing at a time: the size at 4 Mbit/s, the rate at 720p.
if [ $smoke = 1 ]; then
  seconds=2
  main_size=640x360 main_rate=1M
  size_steps="320x180 640x360 1280x720"      # at main_rate
  rate_steps="250k 1M 4M"                     # at main_size
else
  seconds=20
  main_size=1280x720 main_rate=4M
  size_steps="640x360 1280x720 1920x1080"
  rate_steps="1M 4M 16M"
fi
fps=30
buffer_ms=500

# ---- measuring ---------------------------------------------------------------
json_number() { # json_number FILE SECTION KEY: the number under "SECTION": { "KEY": n }
  awk -v s="\"$2\"" -v k="\"$3\"" '
    index($0, s ":") { inside = 1; next }
    inside && index($0, k ":") { v = $0; sub(/.*: */, "", v); sub(/,.*/, "", v); print v; exit }
    inside && /}/ { inside = 0 }' "$1"
}

# flowcast_pair DIR CLIP CLIENT_OPTION...: flowcast-server streams CLIP over
# UDP (with the options in server_opts) to one headless flowcast-client;
# both are timed.
server_opts=()
flowcast_pair() {
  local d=$1 clip=$2
  shift 2
  mkdir -p "$d"
  local scmd=("$server_bin" "$clip" --port 0 --transport udp "${server_opts[@]}")
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
  # A sanity check that the stream went through, not a quality bar: on a
  # loaded machine a zero buffer shows some pictures late.
  local decoded
  decoded=$(json_number "$d/client.json" frames decoded)
  [ "${decoded:-0}" -ge $((seconds * fps / 2)) ] ||
    die "flowcast-client decoded ${decoded:-no} frames of $((seconds * fps)) ($d)"
}

# ffmpeg_pair DIR CLIP: ffmpeg -re sends CLIP as RTP to an ffmpeg that
# receives it through an SDP and decodes it; both are timed.
ffmpeg_pair() {
  local d=$1 clip=$2 port
  mkdir -p "$d"
  port=$(free_rtp_port)
  # A one-frame run writes the SDP, so the receiver is listening before the
  # real sender starts (the SDP's session id differs; nothing else does).
  ffmpeg -nostdin -v error -i "$clip" -an -c copy -f rtp -sdp_file "$d/stream.sdp" -frames:v 1 \
    "rtp://127.0.0.1:$port" >/dev/null || die "ffmpeg could not write the SDP ($d)"
  local rcmd=(ffmpeg -nostdin -v error -protocol_whitelist file,udp,rtp -i "$d/stream.sdp"
    -progress "$d/receiver.progress" -f null -)
  note_command "${rcmd[@]}"
  timed "$d/receiver.time" "$d/receiver.pid" "${rcmd[@]}" 2>"$d/receiver.log" &
  local rpid=$!
  wait_until 10 udp_bound $port || die "the ffmpeg receiver did not listen ($d)"
  local scmd=(ffmpeg -nostdin -v error -re -i "$clip" -an -c copy -f rtp "rtp://127.0.0.1:$port")
  note_command "${scmd[@]}"
  timed "$d/sender.time" "$d/sender.pid" "${scmd[@]}" 2>"$d/sender.log" ||
    die "the ffmpeg sender failed ($d)"
  # ffmpeg sends no BYE: the receiver is told to finish once everything has
  # had time to arrive (SIGTERM: a background job ignores SIGINT).
  sleep 1
  kill -TERM "$(cat "$d/receiver.pid")" 2>/dev/null
  wait $rpid
  local frames
  frames=$(sed -n 's/^frame=//p' "$d/receiver.progress" | tail -n1)
  [ "${frames:-0}" -ge $((seconds * fps / 2)) ] ||
    { cat "$d/receiver.log" >&2; die "the ffmpeg receiver decoded ${frames:-no} frames ($d)"; }
}

# ffmpeg_decode DIR CLIP [THREADS]: the decode-only reference, with 2
# decoder threads unless told.
ffmpeg_decode() {
  local d=$1 clip=$2 threads=${3:-2}
  mkdir -p "$d"
  local cmd=(ffmpeg -nostdin -v error -threads "$threads" -i "$clip" -f null -)
  note_command "${cmd[@]}"
  timed "$d/decode.time" "$d/decode.pid" "${cmd[@]}" 2>"$d/decode.log" ||
    { cat "$d/decode.log" >&2; die "ffmpeg could not decode $clip"; }
}

frames_of() {
  ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets \
    -of csv=p=0 "$1"
}

# ---- the runs --------------------------------------------------------------
started=$(bench_started)
load_before=$(bench_load)
log "encoding the clips ($seconds s each) into $work"
main_clip="$work/$(clip_name $main_size $main_rate)"
encode_clip $main_size $main_rate
# The low-latency mode again on the same clip without B-frames: their
# reordering delay (two pictures with 3 B-frames) is a floor no player can
# go under, so this row shows what the pipeline itself adds.
encode_clip $main_size $main_rate 0
nob_clip="$work/$(clip_name $main_size $main_rate 0)"
growth=()   # SIZE:RATE of every growth point but the main clip's
for s in $size_steps; do [ "$s" = $main_size ] || growth+=("$s:$main_rate"); done
for r in $rate_steps; do [ "$r" = $main_rate ] || growth+=("$main_size:$r"); done
for g in "${growth[@]}"; do encode_clip "${g%%:*}" "${g##*:}"; done
main_frames=$(frames_of "$main_clip")
main_kbps=$(ffprobe -v error -show_entries format=bit_rate -of csv=p=0 "$main_clip" | awk '{ printf "%.0f", $1 / 1000 }')

for run in $(seq 1 "$runs"); do
  log "run $run of $runs"
  r="$work/run$run"
  # Side by side: flowcast's pair and ffmpeg's RTP pair stream the same clip
  # at the same time, so both see the same machine.
  flowcast_pair "$r/flowcast" "$main_clip" &
  fpid=$!
  ffmpeg_pair "$r/ffmpeg-rtp" "$main_clip" &
  gpid=$!
  wait $fpid || die "the flowcast pair failed (run $run)"
  wait $gpid || die "the ffmpeg RTP pair failed (run $run)"
  ffmpeg_decode "$r/decode" "$main_clip"
  # The threading the client chooses for these clips: one thread up to
  # 1920x1080 at 50 fps (media/codec/decoder_threading.cpp).
  ffmpeg_decode "$r/decode1" "$main_clip" 1
  record $run client_cpu "$(cpu_of "$r/flowcast/client.time")"
  record $run client_rss "$(rss_mib "$r/flowcast/client.time")"
  record $run server_cpu "$(cpu_of "$r/flowcast/server.time")"
  record $run latency_default "$(json_number "$r/flowcast/client.json" latency_ms p50)"
  record $run ffrecv_cpu "$(cpu_of "$r/ffmpeg-rtp/receiver.time")"
  record $run ffsend_cpu "$(cpu_of "$r/ffmpeg-rtp/sender.time")"
  record $run ffdec_cpu "$(cpu_of "$r/decode/decode.time")"
  record $run ffdec_rss "$(rss_mib "$r/decode/decode.time")"
  record $run ffdec1_cpu "$(cpu_of "$r/decode1/decode.time")"
  record $run "growth_${main_size}_${main_rate}_client" \
    "$(awk -v c="$(cpu_of "$r/flowcast/client.time")" -v n="$main_frames" 'BEGIN { printf "%.4f", c * 1000 / n }')"
  record $run "growth_${main_size}_${main_rate}_ffmpeg" \
    "$(awk -v c="$(cpu_of "$r/decode/decode.time")" -v n="$main_frames" 'BEGIN { printf "%.4f", c * 1000 / n }')"

  # Low latency, alone: nothing else competes for the cores.
  flowcast_pair "$r/lowlat" "$main_clip" --buffer 0ms || die "the low-latency run failed (run $run)"
  record $run latency_low "$(json_number "$r/lowlat/client.json" latency_ms p50)"
  flowcast_pair "$r/lowlat-bf0" "$nob_clip" --buffer 0ms ||
    die "the low-latency run without B-frames failed (run $run)"
  record $run latency_low_bf0 "$(json_number "$r/lowlat-bf0/client.json" latency_ms p50)"
  # The same two with the server's --pacing burst: a picture's packets
  # leave at once instead of spread over 80% of its interval, so the
  # difference is the pacing's, and what is left without B-frames is the
  # decode and the render.
  server_opts=(--pacing burst)
  flowcast_pair "$r/lowlat-burst" "$main_clip" --buffer 0ms ||
    die "the low-latency run with --pacing burst failed (run $run)"
  record $run latency_low_burst "$(json_number "$r/lowlat-burst/client.json" latency_ms p50)"
  flowcast_pair "$r/lowlat-bf0-burst" "$nob_clip" --buffer 0ms ||
    die "the low-latency run without B-frames, with --pacing burst, failed (run $run)"
  record $run latency_low_bf0_burst "$(json_number "$r/lowlat-bf0-burst/client.json" latency_ms p50)"
  server_opts=()

  # Cost growth: two clients at a time, then ffmpeg decodes the same clips.
  pids=()
  for g in "${growth[@]}"; do
    flowcast_pair "$r/growth-${g/:/-}" "$work/$(clip_name "${g%%:*}" "${g##*:}")" &
    pids+=($!)
    if [ ${#pids[@]} = 2 ]; then
      for p in "${pids[@]}"; do wait "$p" || die "a growth run failed (run $run)"; done
      pids=()
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || die "a growth run failed (run $run)"; done
  for g in "${growth[@]}"; do
    clip="$work/$(clip_name "${g%%:*}" "${g##*:}")"
    ffmpeg_decode "$r/growth-${g/:/-}" "$clip"
    n=$(frames_of "$clip")
    key="growth_${g/:/_}"
    record $run "${key}_client" "$(awk -v c="$(cpu_of "$r/growth-${g/:/-}/client.time")" -v n="$n" 'BEGIN { printf "%.4f", c * 1000 / n }')"
    record $run "${key}_ffmpeg" "$(awk -v c="$(cpu_of "$r/growth-${g/:/-}/decode.time")" -v n="$n" 'BEGIN { printf "%.4f", c * 1000 / n }')"
  done
done

# ---- the report --------------------------------------------------------------
med() { echo "$1" | cut -d' ' -f1; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
verdict() { le "$1" "$2" && echo met || echo "**missed**"; }

cpu_model=$(bench_cpu_model)
commit=$(bench_commit)

client=$(stats client_cpu); ffdec=$(stats ffdec_cpu); r1=$(stats client_cpu ffdec_cpu)
ffdec1=$(stats ffdec1_cpu); r1s=$(stats client_cpu ffdec1_cpu)
ffrecv=$(stats ffrecv_cpu); r2=$(stats client_cpu ffrecv_cpu)
server=$(stats server_cpu); ffsend=$(stats ffsend_cpu); r3=$(stats server_cpu ffsend_cpu)
latd=$(stats latency_default); latl=$(stats latency_low); latl0=$(stats latency_low_bf0)
latlb=$(stats latency_low_burst); latl0b=$(stats latency_low_bf0_burst)
crss=$(stats client_rss); frss=$(stats ffdec_rss); r6=$(stats client_rss ffdec_rss)
latd_off=$(awk -v m="$(med "$latd")" -v b=$buffer_ms 'BEGIN { d = m - b; print d < 0 ? -d : d }')
frame_ms=$(awk -v f=$fps 'BEGIN { printf "%.1f", 1000 / f }')
# --buffer 0ms's target: one frame plus the decode, where the decode (and
# the render) is what the clip without B-frames takes when its packets come
# at once.
lowlat_bound=$(awk -v f="$frame_ms" -v d="$(med "$latl0b")" 'BEGIN { printf "%.1f", f + d }')

# Growth: client ms per frame, ffmpeg's, and the ratio, at each point.
growth_row() { # growth_row SIZE RATE
  local k="growth_$1_$2"
  local c f q
  c=$(stats "${k}_client"); f=$(stats "${k}_ffmpeg"); q=$(stats "${k}_client" "${k}_ffmpeg")
  echo "| cost growth, $1 at $2 | $(fmt 3 "$c") ms/frame | $(fmt 3 "$f") ms/frame | $(fmt 2 "$q") |"
}
# The client's per-frame cost must grow from the first step to the last by
# no more than ffmpeg's decode does (10% allowed). The verdict takes it pair
# by pair, like every other ratio: in run i, (client/ffmpeg at the last step)
# / (client/ffmpeg at the first step), then the median over the runs. The
# growth factors of the medians are shown beside it.
excess_growth() { # excess_growth KEY_FIRST KEY_LAST -> "median min max"
  awk -F'\t' -v cf="$1_client" -v ff="$1_ffmpeg" -v cl="$2_client" -v fl="$2_ffmpeg" '
    $2 == cf { a[$1] = $3 } $2 == ff { b[$1] = $3 } $2 == cl { c[$1] = $3 } $2 == fl { d[$1] = $3 }
    END {
      n = 0
      for (r in a)
        if ((r in b) && (r in c) && (r in d) && a[r] > 0 && b[r] > 0 && d[r] > 0)
          s[++n] = (c[r] / d[r]) / (a[r] / b[r])
      if (n == 0) { print "nan nan nan"; exit }
      for (i = 2; i <= n; i++) { t = s[i]; j = i - 1; while (j > 0 && s[j] > t) { s[j + 1] = s[j]; j-- } s[j + 1] = t }
      m = n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
      printf "%.6g %.6g %.6g\n", m, s[1], s[n]
    }' "$values"
}
growth_factor() { # growth_factor KEY_FIRST KEY_LAST
  awk -v a="$(med "$(stats "$1")")" -v b="$(med "$(stats "$2")")" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }'
}
first_size=${size_steps%% *} last_size=${size_steps##* }
first_rate=${rate_steps%% *} last_rate=${rate_steps##* }
gs_c=$(growth_factor "growth_${first_size}_${main_rate}_client" "growth_${last_size}_${main_rate}_client")
gs_f=$(growth_factor "growth_${first_size}_${main_rate}_ffmpeg" "growth_${last_size}_${main_rate}_ffmpeg")
gr_c=$(growth_factor "growth_${main_size}_${first_rate}_client" "growth_${main_size}_${last_rate}_client")
gr_f=$(growth_factor "growth_${main_size}_${first_rate}_ffmpeg" "growth_${main_size}_${last_rate}_ffmpeg")
gs_x=$(excess_growth "growth_${first_size}_${main_rate}" "growth_${last_size}_${main_rate}")
gr_x=$(excess_growth "growth_${main_size}_${first_rate}" "growth_${main_size}_${last_rate}")
growth_size_ok=$(verdict "$(med "$gs_x")" 1.10)
growth_rate_ok=$(verdict "$(med "$gr_x")" 1.10)

history=""
sections="" # the other benchmarks' sections (fanout.sh, sweep.sh, audio.sh, jitter.sh ...), kept as they are
if [ -f "$out" ]; then
  history=$(sed -n '/^<!-- history: kept by bench\/run.sh -->$/,$p' "$out")
  # Each "<!-- NAME: ..." to "<!-- /NAME -->", in the file's order, a blank line after each.
  sections=$(awk '
    !name && match($0, /^<!-- [a-z0-9-]+: /) {
      n = substr($0, 6, RLENGTH - 7)
      if (n != "history") name = n
    }
    name { print }
    name && $0 == "<!-- /" name " -->" { name = ""; print "" }' "$out")
fi

{
  echo "# flowcast benchmarks"
  echo
  if [ $smoke = 1 ]; then
    echo "**Smoke run** (\`--smoke\`): a $seconds s clip at small sizes, $runs run: it checks that"
    echo "every benchmark still produces its figures; the figures themselves mean little."
    echo
  fi
  echo "Written by \`bench/run.sh\` (\`make bench\`). Do not edit above the history marker."
  echo
  echo "- date: $started; commit $commit"
  echo "- machine: $(nproc) cores (nproc), $cpu_model; load average at the start: $load_before"
  echo "- $(ffmpeg -version | head -n1 | cut -d' ' -f1-3)"
  echo "- clip: testsrc2 ${main_size} at $fps fps, $seconds s ($main_frames frames), H.264 (libx264, veryfast, 3 B-frames, GOP $((2 * fps))), ${main_kbps} kbit/s"
  echo "- runs: $runs; each figure is the median, with the range (min–max) over the runs; ratios are computed run by run (run i of flowcast against run i of ffmpeg), then the median and range of those ratios"
  echo "- CPU: user + sys seconds of the whole process (every thread), from GNU time; memory: peak resident set (maxrss)"
  echo
  echo "| benchmark | flowcast | reference | ratio | target | verdict |"
  echo "|---|---|---|---|---|---|"
  echo "| client pipeline cost | $(fmt 3 "$client") s CPU | $(fmt 3 "$ffdec") s CPU, \`ffmpeg -threads 2 -i CLIP -f null -\` | $(fmt 3 "$r1") | ≤ 1.00 | $(verdict "$(med "$r1")" 1.00) |"
  echo "| client against ffmpeg with the client's threading | $(fmt 3 "$client") s CPU | $(fmt 3 "$ffdec1") s CPU, \`ffmpeg -threads 1 -i CLIP -f null -\` | $(fmt 3 "$r1s") | ≤ 1.05 | $(verdict "$(med "$r1s")" 1.05) |"
  echo "| client against ffmpeg's RTP receive | $(fmt 3 "$client") s CPU | $(fmt 3 "$ffrecv") s CPU, \`ffmpeg -i SDP -f null -\` | $(fmt 3 "$r2") | ≤ 0.95 | $(verdict "$(med "$r2")" 0.95) |"
  echo "| server cost | $(fmt 3 "$server") s CPU | $(fmt 3 "$ffsend") s CPU, \`ffmpeg -re -i CLIP -c copy -f rtp\` | $(fmt 3 "$r3") | ≤ 1.0 | $(verdict "$(med "$r3")" 1.0) |"
  echo "| latency, default buffer | p50 $(fmt 1 "$latd") ms | \`--buffer\` $buffer_ms ms | off by $latd_off ms | within 5 ms | $(verdict "$latd_off" 5) |"
  echo "| latency, low-latency mode | p50 $(fmt 1 "$latl") ms | \`--buffer 0ms\`: one frame $frame_ms ms + decode | – | ≤ $lowlat_bound ms | $(verdict "$(med "$latl")" "$lowlat_bound") |"
  echo "| latency, low-latency mode, server \`--pacing burst\` | p50 $(fmt 1 "$latlb") ms | the same, a picture's packets sent at once | – | ≤ $lowlat_bound ms | $(verdict "$(med "$latlb")" "$lowlat_bound") |"
  echo "| latency, low-latency mode, the clip without B-frames | p50 $(fmt 1 "$latl0") ms | \`--buffer 0ms\`, one frame $frame_ms ms + decode | – | ≤ $lowlat_bound ms | $(verdict "$(med "$latl0")" "$lowlat_bound") |"
  echo "| latency, low-latency mode, the clip without B-frames, \`--pacing burst\` | p50 $(fmt 1 "$latl0b") ms | the decode and the render | – | – | – |"
  echo "| client memory | $(fmt 1 "$crss") MiB peak RSS | $(fmt 1 "$frss") MiB, ffmpeg decode-only | $(fmt 3 "$r6") | ≤ 1.15 | $(verdict "$(med "$r6")" 1.15) |"
  echo
  echo "What each millisecond of \`--buffer 0ms\` is (medians): the decode and the render,"
  echo "$(fmt 1 "$latl0b") ms (the clip without B-frames, its packets sent at once); the"
  echo "server's smooth pacing, which spreads a picture's packets over 80% of its interval,"
  echo "adds $(awk -v a="$(med "$latl0")" -v b="$(med "$latl0b")" 'BEGIN { printf "%.1f", a - b }') ms without B-frames and $(awk -v a="$(med "$latl")" -v b="$(med "$latlb")" 'BEGIN { printf "%.1f", a - b }') ms with them; B-frames add"
  echo "$(awk -v a="$(med "$latlb")" -v b="$(med "$latl0b")" 'BEGIN { printf "%.1f", a - b }') ms with burst pacing: the decoder holds two pictures for reordering (the"
  echo "stream's num_reorder_frames), so the median picture comes out one frame interval"
  echo "($frame_ms ms) after its own decode, plus the decode of the picture that releases it."
  echo
  echo "Cost growth: client CPU per frame (the whole process, network to render)"
  echo "against ffmpeg's decode-only CPU per frame, for the same clip."
  echo
  echo "| benchmark | flowcast | ffmpeg decode-only | ratio |"
  echo "|---|---|---|---|"
  for s in $size_steps; do growth_row "$s" $main_rate; done
  for r in $rate_steps; do [ "$r" = $main_rate ] || growth_row $main_size "$r"; done
  echo
  echo "| cost growth | flowcast grows | ffmpeg decode grows | flowcast's excess, pair by pair | target | verdict |"
  echo "|---|---|---|---|---|---|"
  echo "| cost growth, $first_size → $last_size | ×$gs_c | ×$gs_f | ×$(fmt 2 "$gs_x") | ≤ ×1.10 | $growth_size_ok |"
  echo "| cost growth, $first_rate → $last_rate | ×$gr_c | ×$gr_f | ×$(fmt 2 "$gr_x") | ≤ ×1.10 | $growth_rate_ok |"
  echo
  echo "## The commands (first run; \$WORK is the scratch folder, \$BUILD the build)"
  echo
  echo "Each measured command ran as \`/usr/bin/time -f '%e %U %S %M' CMD\`. The flowcast"
  echo "pair and ffmpeg's RTP pair ran at the same time; the decode-only run, the"
  echo "low-latency run and the growth runs (two clients at a time) after them."
  echo "ffmpeg's receiver gets SIGTERM 1 s after its sender ends (ffmpeg sends no"
  echo "BYE); flowcast-server gets SIGTERM once its client has ended."
  echo
  echo '```sh'
  cat "$commands"
  echo '```'
  echo
  if [ -n "$sections" ]; then
    echo "$sections"
    echo
  fi
  if [ -n "$history" ]; then
    echo "$history"
  else
    echo "<!-- history: kept by bench/run.sh -->"
    echo "## History"
    echo
    echo "Figures of earlier runs, by hand (bench/run.sh keeps this part as it is)."
  fi
} >"$out.tmp" && mv "$out.tmp" "$out"
cp "$values" "$out.values.tsv" 2>/dev/null || true
log "wrote $out"
