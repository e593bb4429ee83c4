# Sourced by the benchmarks that write one section of bench/RESULTS.md
# (fanout.sh, sweep.sh, audio.sh, jitter.sh); bench/run.sh rewrites the
# rest and keeps them.
#
# write_results_section NAME SECTION OUT: the file SECTION, which begins with
# "<!-- NAME: ..." and ends with "<!-- /NAME -->", replaces OUT's NAME
# section, or goes before its history marker, or at its end; everything
# else in OUT is kept. OUT is replaced at once (a temporary file, then mv).
write_results_section() {
  local name=$1 section=$2 out=$3
  if [ -f "$out" ] && grep -q "^<!-- $name: " "$out"; then
    awk -v f="$section" -v begin="^<!-- $name: " -v end="^<!-- /$name -->$" '
      $0 ~ begin { while ((getline l < f) > 0) print l; skip = 1; next }
      skip && $0 ~ end { skip = 0; next }
      !skip { print }' "$out" >"$out.tmp"
  elif [ -f "$out" ] && grep -q '^<!-- history: ' "$out"; then
    awk -v f="$section" '
      /^<!-- history: / { while ((getline l < f) > 0) print l; print "" }
      { print }' "$out" >"$out.tmp"
  else
    { [ -f "$out" ] && cat "$out" && echo; cat "$section"; } >"$out.tmp"
  fi
  mv "$out.tmp" "$out"
}
