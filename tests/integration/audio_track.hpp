#pragma once
// Clips with sound for the tests, and what a test needs to know of a
// clip's sound track, from ffprobe.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "support/process.hpp"

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

}  // namespace flowcast::test
