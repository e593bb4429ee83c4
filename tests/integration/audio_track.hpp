#pragma once
// Clips with sound for the tests, and what a test needs to know of a
// clip's sound track, from ffprobe; the ports to send a clip with sound to
// flowcast-client --listen.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <sstream>
#include <string>

#include "support/process.hpp"
#include "support/udp_peer.hpp"

namespace flowcast::test {

// The audio track's length in samples: the samples ffmpeg decodes from it.
inline double track_samples(const std::string& clip, const TempDir& dir) {
  REQUIRE(run_shell("ffprobe -v error -select_streams a:0 -show_entries frame=nb_samples -of "
                    "csv=p=0 '" +
                    clip + "' > '" + dir.file("track.txt") + "'") == 0);
  std::istringstream in(read_file(dir.file("track.txt")));
  double samples = 0;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) samples += std::stod(line);
  REQUIRE(samples > 0);
  return samples;
}

// 2 s of H.264 (320x240, 30 fps, B-frames) and a stereo 440 Hz tone: AAC at
// 44.1 kHz, or (codec "opus") Opus at 48 kHz; path's extension picks the
// container (.mp4, .mkv).
inline void make_clip_with_sound(const std::string& path, const std::string& codec = "aac") {
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 "
                    "-f lavfi -i sine=frequency=440:sample_rate=" +
                    std::string(codec == "aac" ? "44100" : "48000") +
                    " -t 2 -c:v libx264 -preset veryfast -bf 2 -g 60 -pix_fmt yuv420p -c:a " +
                    (codec == "aac" ? "aac" : "libopus") + " -ac 2 '" + path + "'") == 0);
}

// When a stream of the clip starts (ffprobe's start_time, in seconds);
// `selector` as ffprobe's -select_streams ("v:0", "a:0").
inline double start_time_s(const std::string& clip, const TempDir& dir,
                           const std::string& selector) {
  const std::string out = dir.file("start-" + selector.substr(0, 1) + ".txt");
  REQUIRE(run_shell("ffprobe -v error -select_streams " + selector +
                    " -show_entries stream=start_time -of csv=p=0 '" + clip + "' > '" + out +
                    "'") == 0);
  return std::stod(read_file(out));
}

// The audio track's samples a receiver gets at `rate` Hz beside the video:
// the track's length in samples (track_samples) at that rate, less the
// sound before the video's start, which has no picture to go with.
inline double samples_from_video_start(const std::string& clip, const TempDir& dir,
                                       double track_rate, double rate) {
  const double early = start_time_s(clip, dir, "v:0") - start_time_s(clip, dir, "a:0");
  return track_samples(clip, dir) * rate / track_rate - std::max(0.0, early) * rate;
}

// An even port P with P..P+3 free: the video's RTP and RTCP, then the audio's.
inline uint16_t free_port_quad() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const uint16_t port = free_rtp_port();
    if (port && port < 65532 && !udp_port_bound(static_cast<uint16_t>(port + 2)) &&
        !udp_port_bound(static_cast<uint16_t>(port + 3)))
      return port;
  }
  FAIL("no four free UDP ports in a row");
  return 0;
}

}  // namespace flowcast::test
