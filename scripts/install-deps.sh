#!/usr/bin/env bash
# Installs the Debian packages flowcast needs to build, test and run, and only
# those that are missing. Uses sudo when not run as root.
set -euo pipefail

packages=(
  # toolchain
  g++ make cmake pkg-config
  # media, window, sockets, command line, metrics
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev
  libsdl2-dev libsdl2-ttf-dev fonts-dejavu-core
  libasio-dev libcli11-dev nlohmann-json3-dev
  # sweep files in TOML (flowcast-sweep --file), header-only toml++ 3
  libtomlplusplus-dev
  # tests: Catch2 v2, the ffmpeg command line as a peer, a headless X server,
  # a headless browser that opens the HTML report, a terminal multiplexer
  # that shows the status line at a given width
  catch2 ffmpeg xvfb xdotool chromium tmux
  # GStreamer as a peer: gst-launch-1.0 and its RTP/RTSP elements, and its
  # RTSP server driven from Debian's /usr/bin/python3 (tests/peers/)
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-libav python3-gi gir1.2-gst-rtsp-server-1.0
  # x264enc: the fan-out benchmark (bench/fanout.sh) feeds GStreamer's
  # multiudpsink (-good) the same kind of stream as flowcast's, and the RTSP
  # peer's --test-source encodes its video (its Opus is -base's opusenc, its
  # AAC -libav's avenc_aac)
  gstreamer1.0-plugins-ugly
  # benchmarks (bench/run.sh): GNU time for CPU seconds and peak memory
  time
  # fuzzing (make fuzz): clang and its libFuzzer
  clang libfuzzer-14-dev
  # make format and make format-check (CI): the formatter .clang-format is for
  clang-format
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "flowcast: all ${#packages[@]} Debian packages are installed."
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "flowcast: missing packages (${missing[*]}) and not root, and sudo is not available." >&2
    echo "flowcast: install them as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

echo "flowcast: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
