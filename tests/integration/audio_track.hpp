#pragma once
// What a test needs to know of a clip's sound track, from ffprobe.
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

}  // namespace flowcast::test
