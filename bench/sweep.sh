#!/usr/bin/env bash
# flowcast-sweep's own cost (issue #28): how much CPU the sweep process
# itself spends per run beyond the flowcast-server and flowcast-client it
# starts, and how many runs at once (--jobs) this machine holds without
# invalid runs (runs whose server said the machine was too busy:
# docs/SWEEPS.md, "Runs").
#
# Usage: bench/sweep.sh [--jobs "N ..."] [--seeds N] [--duration D] [--pattern WxH@FPS]
#                       [--out FILE] [--build DIR] [--work DIR]
#   --jobs LIST     the --jobs levels, each a fresh sweep of the same grid
#                   (default "1 2 4 6 8 10 12")
#   --seeds N       link seeds per condition (default 4; the grid has 3
#                   conditions: tcp, udp, rtsp-tcp, so 12 runs a level)
#   --duration D    each run's length, in s or ms (default 4s)
#   --pattern P     the server's pattern (default 640x360@30, the sweep's own
#                   default: what a user's sweep runs)
#   --out FILE      the results file whose "Sweeps" section is rewritten
#                   (default bench/RESULTS.md; the rest of it is kept)
#   --build DIR     the build whose binaries are measured (default build/release)
#   --work DIR      the sweeps' folders and logs (default: a temporary folder, removed)
#
# Each level runs `flowcast-sweep --retries 0 --verbose`: an invalid run is
# not tried again, so the invalid count is what the machine spoilt. CPU is
# what flowcast-sweep reports at the end with --verbose: getrusage(2)
# RUSAGE_SELF (the sweep's own threads) and RUSAGE_CHILDREN (the servers and
# clients it ran and reaped). Other work on the machine shows in the load
# average, written with the results. Takes about runs x (duration + 0.3 s)
# / jobs per level, while the machine keeps up: about 2.5 minutes with the
# defaults.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/options.sh
. "$here/options.sh"
# shellcheck source=bench/results_section.sh
. "$here/results_section.sh"
bench_name=sweep-bench
levels="1 2 4 6 8 10 12"
seeds=4
duration=4s
pattern=640x360@30
out=""
build="$root/build/release"
work=""
bench_value --jobs levels
bench_value --seeds seeds
bench_value --duration duration
bench_value --pattern pattern
bench_common_options out build work
bench_parse "$@"
for n in $levels $seeds; do
  case "$n" in ''|*[!0-9]*|0) echo "sweep-bench: --jobs and --seeds take numbers, 1 or more" >&2; exit 2 ;; esac
done
[ -n "$levels" ] || { echo "sweep-bench: --jobs needs at least one level" >&2; exit 2; }
bench_out
bench_build
sweep_bin="$build/client/flowcast-sweep"
bench_need_bins "$sweep_bin" "$build/server/flowcast-server" "$build/client/flowcast-client"
bench_need_tools -m " (it reads runs.jsonl)" python3
bench_work flowcast-sweep-bench

started=$(bench_started)
commit=$(bench_commit)
cpu_model=$(bench_cpu_model | awk '{ print $1, $2 }')
load_before=$(bench_load)
grid=(--bitrate 600k --link-rate 2M --transport tcp,udp,rtsp-tcp --seeds "$seeds"
      --duration "$duration" --pattern "$pattern" --retries 0 --verbose)
values="$work/values.tsv"
printf 'jobs\truns\tok\tinvalid\tfailed\twall_s\tsweep_cpu_s\tchildren_cpu_s\textra_wall_median_s\tload_before\tload_after\treasons\n' >"$values"

for jobs in $levels; do
  dir="$work/jobs-$jobs"
  rm -rf "$dir"
  log "--jobs $jobs: $(( 3 * seeds )) runs of $duration"
  load_at=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s.%N)
  "$sweep_bin" "${grid[@]}" --jobs "$jobs" --out "$dir" >"$dir.log" 2>&1
  code=$?
  t1=$(date +%s.%N)
  [ $code -le 1 ] || { log "flowcast-sweep exited $code: see $dir.log"; cat "$dir.log" >&2; exit 1; }
  load_end=$(cut -d' ' -f1 /proc/loadavg)
  cpu_line=$(grep 'CPU .* in the sweep itself' "$dir.log" | tail -n1)
  [ -n "$cpu_line" ] || { log "no CPU line in $dir.log"; exit 1; }
  sweep_cpu=$(echo "$cpu_line" | sed -E 's/.*CPU ([0-9.]+) s in the sweep itself.*/\1/')
  children_cpu=$(echo "$cpu_line" | sed -E 's/.*, ([0-9.]+) s in the servers and clients.*/\1/')
  python3 - "$dir/runs.jsonl" "$duration" "$jobs" "$t0" "$t1" "$sweep_cpu" "$children_cpu" \
    "$load_at" "$load_end" >>"$values" <<'EOF'
import collections, json, re, statistics, sys
path, duration, jobs, t0, t1, sweep_cpu, children_cpu, load_at, load_end = sys.argv[1:]
seconds = float(duration[:-2]) / 1000 if duration.endswith("ms") else float(duration.rstrip("s"))
last = {}
for line in open(path):
    line = line.strip()
    if line:
        r = json.loads(line)
        last[r["id"]] = r
runs = list(last.values())
count = lambda status: sum(1 for r in runs if r["status"] == status)
extra = [r["seconds"] - seconds for r in runs if r["status"] == "ok"]
# Why runs were not ok, their numbers left out, with how many runs each.
why = collections.Counter(re.sub(r"[0-9]+", "N", r["error"].split(": ", 1)[-1])
                          for r in runs if r["status"] != "ok")
reasons = ", ".join("%s (%d)" % (text, n) for text, n in why.most_common())
print("\t".join([jobs, str(len(runs)), str(count("ok")), str(count("invalid")),
                 str(count("failed")), "%.1f" % (float(t1) - float(t0)), sweep_cpu,
                 children_cpu, "%.2f" % statistics.median(extra) if extra else "",
                 load_at, load_end, reasons]))
EOF
done
load_after=$(bench_load)

# The section: one row per level, and the largest level without an invalid run.
section="$work/section.md"
python3 - "$values" "$duration" "$(nproc)" >"$work/table.md" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
duration, cores = sys.argv[2], int(sys.argv[3])
seconds = float(duration[:-2]) / 1000 if duration.endswith("ms") else float(duration.rstrip("s"))
print("| --jobs | runs | ok | invalid | failed | wall (s) | runs per minute | sweep CPU (s) | sweep CPU per run (ms) | servers' and clients' CPU (s) | their cores per run | the sweep's share of the CPU | wall per ok run beyond --duration, median (s) | load average (1 min) before → after |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
held, missed = None, False
for r in rows:
    runs, wall = int(r["runs"]), float(r["wall_s"])
    sweep, children = float(r["sweep_cpu_s"]), float(r["children_cpu_s"])
    share = "%.2f %%" % (100 * sweep / (sweep + children)) if sweep + children > 0 else "–"
    print("| %s | %d | %s | %s | %s | %.1f | %.1f | %.2f | %.0f | %.1f | %.2f | %s | %s | %s → %s |" % (
        r["jobs"], runs, r["ok"], r["invalid"], r["failed"], wall, 60 * runs / wall, sweep,
        1000 * sweep / runs if runs else 0, children, children / runs / seconds, share, r["extra_wall_median_s"] or "–",
        r["load_before"], r["load_after"]))
    if not missed and r["invalid"] == "0" and r["failed"] == "0":
        held = r["jobs"]
    else:
        missed = True
per_run = sorted(float(r["children_cpu_s"]) / int(r["runs"]) / seconds for r in rows)[len(rows) // 2]
print()
print("A run's server and client use %.2f cores while it runs (the median over the levels): "
      "%d idle cores would hold about %.0f runs at once; the starts of many runs at once "
      "(each server opening its encoder) come on top." % (per_run, cores, cores / per_run))
print()
print("Largest --jobs with every run ok, at it and every level below (no invalid, no failed): %s%s." % (
    held or "none", " (the largest level tried: the machine may hold more)" if held == rows[-1]["jobs"] else ""))
why = [(r["jobs"], r["reasons"]) for r in rows if r["reasons"]]
if why:
    print()
    print("Why runs were not ok:")
    print()
    for jobs, reasons in why:
        print("- --jobs %s: %s" % (jobs, reasons))
EOF
{
  echo "<!-- sweep: written by bench/sweep.sh; bench/run.sh keeps it -->"
  echo "## Sweeps: the sweep's own cost, and runs at once"
  echo
  echo "Written by \`bench/sweep.sh\`."
  echo
  echo "- date: $started; commit $commit"
  echo "- machine: $(nproc) cores (nproc), $cpu_model; load average at the start: $load_before, at the end: $load_after (a load from other work near the core count would make runs invalid sooner: the invalid counts are this machine under its load then)"
  echo "- grid: a ${pattern} pattern at 600k over a 2M link, transport tcp, udp, rtsp-tcp, $seeds seeds: $(( 3 * seeds )) runs of $duration per level; each level a fresh sweep with \`--retries 0\` (an invalid run is counted, not tried again)"
  echo "- CPU: flowcast-sweep's own (getrusage RUSAGE_SELF: its worker threads starting, watching and recording the runs, and writing the tables) against that of the servers and clients it started (RUSAGE_CHILDREN), as it prints with \`--verbose\`; wall per run: the run's \`seconds\` in runs.jsonl (server start to server stop) less \`--duration\`"
  echo
  cat "$work/table.md"
  echo
  echo "### The commands (\$WORK is the scratch folder, \$BUILD the build)"
  echo
  echo '```sh'
  for jobs in $levels; do
    echo "\$BUILD/client/flowcast-sweep ${grid[*]} --jobs $jobs --out \$WORK/jobs-$jobs"
  done
  echo '```'
  echo "<!-- /sweep -->"
} >"$section"

# The section replaces the old one; everything else in the file is kept.
write_results_section sweep "$section" "$out"
cp "$values" "$out.sweep.tsv" 2>/dev/null || true
cat "$work/table.md"
log "wrote the Sweeps section of $out"
