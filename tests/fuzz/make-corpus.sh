#!/usr/bin/env bash
# Regenerates the seed corpora (tests/fuzz/corpus/) and the written
# regression inputs from real packets: ffmpeg encodes three frames of the
# test pattern with libx264 (and one frame in other shapes, for their SPSs)
# and writes the SDP it would send them with; fuzz_make_corpus packetizes and
# frames them with flowcast's own writers.
#   tests/fuzz/make-corpus.sh [BUILD_DIR]   (default build/release, configured)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build/release}

cmake --build "$build" --target fuzz_make_corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pattern=testsrc2=size=320x240:rate=30
# Access unit delimiters mark where each access unit begins.
ffmpeg -nostdin -loglevel error -f lavfi -i "$pattern" -frames:v 3 -c:v libx264 \
  -bsf:v h264_mp4toannexb,h264_metadata=aud=insert -f h264 "$tmp/stream.264"
# global_header puts the SPS and PPS in the SDP (sprop-parameter-sets). The
# packets go to a port nobody listens on.
ffmpeg -nostdin -loglevel error -f lavfi -i "$pattern" -frames:v 1 -c:v libx264 \
  -flags:v +global_header -f rtp -sdp_file "$tmp/stream.sdp" rtp://127.0.0.1:9
# More SPS shapes for the SPS reader: Baseline (no chroma fields, POC type 2),
# High 4:4:4 with scaling matrices, interlaced (field macroblock pairs), 720p.
sps() {
  local name=$1
  shift
  ffmpeg -nostdin -loglevel error -f lavfi -i "testsrc2=size=${SIZE:-320x240}:rate=30" \
    -frames:v 1 -c:v libx264 "$@" -f h264 "$tmp/$name.264"
}
sps baseline -profile:v baseline
sps high444-cqm -pix_fmt yuv444p -x264-params cqm=jvt
sps interlaced -x264-params interlaced=1
SIZE=1280x720 sps hd
# Three H.265 frames with AUDs: the payload target's H.265 seeds.
ffmpeg -nostdin -loglevel error -f lavfi -i "$pattern" -frames:v 3 -c:v libx265 \
  -x265-params log-level=error -bsf:v hevc_metadata=aud=insert -f hevc "$tmp/stream.265"
"$build/tests/fuzz/fuzz_make_corpus" "$here" "$tmp/stream.264" "$tmp/stream.sdp" \
  "$tmp/baseline.264" "$tmp/high444-cqm.264" "$tmp/interlaced.264" "$tmp/hd.264" \
  "$tmp/stream.265"
for dir in "$here"/corpus/*/; do
  printf '%-20s %3d seeds, %6d bytes\n' "$(basename "$dir")" "$(ls "$dir" | wc -l)" \
    "$(cat "$dir"/* | wc -c)"
done
