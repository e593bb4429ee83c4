# shellcheck shell=bash
# Sourced by the benchmarks (run.sh, fanout.sh, sweep.sh, audio.sh,
# jitter.sh): their options, the checks of what they need, the scratch
# folder and the helpers they share. Sets `here` (bench/) and `root` (the
# repository). bench/results_section.sh writes their sections.
#
# A script sets bench_name (the word its messages begin with) and its
# defaults, declares its options, then parses:
#
#   bench_name=fanout
#   runs="" smoke=0 out="" build="$root/build/release" work=""
#   bench_common_options runs smoke out build work  # the shared ones it takes
#   bench_value --viewers counts                     # --viewers LIST, --viewers=LIST
#   bench_flag --no-gstreamer gstreamer 0            # --no-gstreamer sets gstreamer=0
#   bench_parse "$@"
#
# -h and --help print the script's leading comment block (its usage) and
# exit 2, as an unknown option or a value option without its value do.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
bench_name=${bench_name:-bench}

log() { echo "$bench_name: $*" >&2; }
die() { echo "$bench_name: $*" >&2; exit 1; }

# ---- options -------------------------------------------------------------------
declare -A bench_value_var=() bench_flag_var=() bench_flag_set=()

# bench_value --NAME VARIABLE: --NAME VALUE and --NAME=VALUE set VARIABLE.
bench_value() { bench_value_var[$1]=$2; }
# bench_flag --NAME VARIABLE VALUE: --NAME sets VARIABLE to VALUE.
bench_flag() { bench_flag_var[$1]=$2; bench_flag_set[$1]=$3; }
# bench_common_options NAME...: of --runs N, --smoke, --out FILE, --build DIR
# and --work DIR, the ones named, each into the variable of its name.
bench_common_options() {
  local o
  for o in "$@"; do
    case "$o" in
      smoke) bench_flag --smoke smoke 1 ;;
      runs | out | build | work) bench_value "--$o" "$o" ;;
      *) die "bench_common_options: no common option '$o'" ;;
    esac
  done
}

# The script's usage: its leading comment block, shebang left out.
bench_usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}

bench_parse() {
  local arg name
  while [ $# -gt 0 ]; do
    arg=$1
    name=${arg%%=*}
    if [ "$arg" = -h ] || [ "$arg" = --help ]; then
      bench_usage
    elif [ -n "${bench_value_var[$name]+set}" ]; then
      if [ "$name" != "$arg" ]; then
        printf -v "${bench_value_var[$name]}" '%s' "${arg#*=}"
        shift
      elif [ $# -ge 2 ]; then
        printf -v "${bench_value_var[$name]}" '%s' "$2"
        shift 2
      else
        echo "$bench_name: $name needs a value" >&2
        bench_usage
      fi
    elif [ "$name" = "$arg" ] && [ -n "${bench_flag_var[$arg]+set}" ]; then
      printf -v "${bench_flag_var[$arg]}" '%s' "${bench_flag_set[$arg]}"
      shift
    else
      echo "$bench_name: unknown option '$arg'" >&2
      bench_usage
    fi
  done
}

# bench_runs DEFAULT [SMOKE_DEFAULT]: fills in --runs (SMOKE_DEFAULT with
# --smoke) and checks it is a number of runs; fills in --out.
bench_runs() {
  [ -n "$runs" ] || runs=$([ "${smoke:-0}" = 1 ] && echo "${2:-$1}" || echo "$1")
  case "$runs" in
    '' | *[!0-9]* | 0) echo "$bench_name: --runs takes a number of runs, 1 or more" >&2; exit 2 ;;
  esac
  bench_out
}
bench_out() { [ -n "$out" ] || out="$here/RESULTS.md"; }

# ---- what the benchmark needs ----------------------------------------------------
# bench_build: `build` made absolute, or the script ends.
bench_build() {
  local given=$build
  build=$(cd "$build" 2>/dev/null && pwd) ||
    { echo "$bench_name: no build folder '$given': run 'make build' first" >&2; exit 1; }
}
# bench_need_bins BIN...: each is an executable file.
bench_need_bins() {
  local bin
  for bin in "$@"; do
    [ -x "$bin" ] || { echo "$bench_name: $bin is missing: run 'make build' first" >&2; exit 1; }
  done
}
# bench_need_tools [-m SUFFIX] TOOL...: each is on PATH; the message ends in SUFFIX.
bench_need_tools() {
  local suffix="" tool
  [ "${1:-}" = -m ] && { suffix=$2; shift 2; }
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$bench_name: $tool is missing$suffix" >&2; exit 1; }
  done
}
bench_need_gnu_time() {
  [ -x /usr/bin/time ] ||
    { echo "$bench_name: GNU time (/usr/bin/time) is missing: apt-get install time" >&2; exit 1; }
}

# ---- the scratch folder, and what ends with the script -------------------------------
# Processes the script started in the background and registered here get
# SIGTERM when it ends, ctrl-C included; a scratch folder it made is removed.
bench_pids=()
bench_own_work=""
bench_exit() {
  local p
  for p in "${bench_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${bench_pids[@]}"; do wait "$p" 2>/dev/null; done
  [ -n "$bench_own_work" ] && rm -rf "$work"
  return 0
}
trap bench_exit EXIT
trap 'exit 130' INT TERM

# bench_work PREFIX: `work` made (/tmp/PREFIX.XXXXXX unless --work named one)
# and absolute.
bench_work() {
  if [ -z "$work" ]; then
    work=$(mktemp -d "/tmp/$1.XXXXXX") || die "cannot make a scratch folder in /tmp"
    bench_own_work=1
  fi
  mkdir -p "$work" || die "cannot make the scratch folder $work"
  work=$(cd "$work" && pwd)
}

# ---- recording -------------------------------------------------------------------
# record FIELD...: one line of $values (the script names that file), the
# fields tab-separated.
record() {
  local IFS=$'\t'
  printf '%s\n' "$*" >>"$values"
}
# note_command CMD...: the command line, in the first run only ($run unset
# or 1), into $commands (the script names that file), with $WORK and $BUILD
# for the folders.
note_command() {
  [ "${run:-1}" = 1 ] && printf '%s\n' "$*" | sed "s#$work#\$WORK#g; s#$build#\$BUILD#g" >>"$commands"
  return 0
}
# note_kind KIND CMD...: the first command line of each KIND into $commands,
# with $WORK and $BUILD for the folders and P for the ports it chose.
bench_noted=""
note_kind() {
  local kind=$1
  shift
  case " $bench_noted " in *" $kind "*) return 0 ;; esac
  bench_noted="$bench_noted $kind"
  printf '%s\n' "$*" | sed "s#$work#\$WORK#g; s#$build#\$BUILD#g" |
    sed -E 's/(--port|--passive|--rtsp-port) [1-9][0-9]*/\1 P/g; s/127\.0\.0\.1:[0-9]+/127.0.0.1:P/g; s/ +$//' >>"$commands"
}
# The date, commit, machine and load figures every section begins with.
bench_started() { date -u '+%Y-%m-%d %H:%M UTC'; }
bench_load() { cut -d' ' -f1-3 /proc/loadavg; }
bench_commit() { # "abc1234" or "abc1234 (with uncommitted changes)"
  local c
  c=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | grep -q . &&
    c="$c (with uncommitted changes)"
  echo "$c"
}
bench_cpu_model() {
  local m
  m=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  [ -n "$m" ] || m=$(lscpu 2>/dev/null | awk -F': *' '/Model name/ { print $2; exit }')
  echo "$m"
}

# ---- measuring ---------------------------------------------------------------------
# timed OUT PIDFILE CMD...: runs CMD under GNU time; OUT gets
# "elapsed user sys maxrss_kb" and PIDFILE the command's own pid.
timed() {
  local o=$1 p=$2
  shift 2
  /usr/bin/time -o "$o" -f '%e %U %S %M' sh -c 'echo $$ >"$0"; exec "$@"' "$p" "$@"
}
cpu_of() { tail -n1 "$1" | awk '{ printf "%.4f", $2 + $3 }'; }
rss_mib() { tail -n1 "$1" | awk '{ printf "%.2f", $4 / 1024 }'; }
# metric FILE KEY...: the value at that path of a JSON file, "" when null or absent.
metric() {
  python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)' "$@"
}
# server_port LOG PID: the UDP port flowcast-server (PID) says it streams on
# in LOG, within 10 s; fails when it does not say it or ends first.
server_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$1" | head -n1)
    [ -n "$port" ] && { echo "$port"; return 0; }
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# ---- the clips ---------------------------------------------------------------------
# The benchmarks' clips: testsrc2 at $fps fps, $seconds s long, H.264 from
# libx264 (veryfast, a GOP of 2 s, the bitrate capped at RATE with a buffer
# of one second's worth), in $work.
clip_name() { echo "clip-$1-$2${3:+-bf$3}.mp4"; }
encode_clip() { # encode_clip SIZE RATE [B-FRAMES]: 3 B-frames unless told
  local f
  f="$work/$(clip_name "$1" "$2" "${3:-}")"
  [ -s "$f" ] && return 0
  local cmd=(ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=$1:rate=$fps" -t "$seconds"
    -c:v libx264 -preset veryfast -bf "${3:-3}" -g $((2 * fps)) -b:v "$2" -maxrate "$2" -bufsize "$2"
    -pix_fmt yuv420p "$f")
  run=1 note_command "${cmd[@]}"
  "${cmd[@]}" || die "encoding the clip $1 at $2 failed"
}

# ---- ports -----------------------------------------------------------------------
port_bound() { # port_bound PORT FILE...: a socket in those /proc/net tables has this port
  local hex
  hex=$(printf ':%04X' "$1")
  shift
  awk -v h="$hex" 'NR > 1 && substr($2, length($2) - 4) == h { found = 1 } END { exit !found }' \
    "$@" 2>/dev/null
}
udp_bound() { port_bound "$1" /proc/net/udp /proc/net/udp6; }
tcp_bound() { port_bound "$1" /proc/net/tcp /proc/net/tcp6; }
free_rtp_port() { # an even port whose pair is free for UDP
  local p
  for _ in $(seq 1 100); do
    p=$(((RANDOM % 10000) * 2 + 30000))
    udp_bound $p || udp_bound $((p + 1)) || { echo $p; return 0; }
  done
  die "no free pair of UDP ports"
}
# free_ports N: the first of N consecutive ports that nothing binds, UDP or TCP.
free_ports() {
  local n=$1 base
  for _ in $(seq 1 50); do
    base=$(((RANDOM % 200) * 100 + 30000))
    if awk -v lo=$base -v hi=$((base + n - 1)) '
        function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1; return v }
        NR > 1 { p = hex(substr($2, length($2) - 3)); if (p >= lo && p <= hi) busy = 1 }
        END { exit busy }' /proc/net/udp /proc/net/udp6 /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      echo $base
      return 0
    fi
  done
  die "no $n free consecutive ports"
}
wait_until() { # wait_until SECONDS CMD...
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.05
  done
}

# ---- the report -------------------------------------------------------------------
# stats KEY [KEY2 [OP]]: "median min max" over the runs of KEY in $values
# (run <TAB> key <TAB> value), or of KEY/KEY2 (KEY-KEY2 with OP "-") taken
# run by run; "nan nan nan" without a value.
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
# fmt DIGITS "median min max" -> "median (min–max)"
fmt() { echo "$2" | awk -v d="$1" '{ printf "%.*f (%.*f–%.*f)", d, $1, d, $2, d, $3 }'; }
