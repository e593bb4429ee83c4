#pragma once
// What a test needs to know of a clip's sound track, from ffprobe, and the
// ports to send a clip with sound to flowcast-client --listen.
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
