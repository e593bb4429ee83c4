#pragma once
// What a test needs to know of a clip's sound track, from ffprobe.
#include <algorithm>
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

}  // namespace flowcast::test
