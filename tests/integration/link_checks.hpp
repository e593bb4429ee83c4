#pragma once
// What the link comparison over flowcast's own protocol (test_link.cpp) and
// over RTSP (test_rtsp_server_link.cpp) shares: the clip both play through
// the server's emulated link, the metrics of one such run, and the checks
// that hold over either protocol when the link is capped below the clip's
// bitrate. Each file adds the checks of its own protocol.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "support/process.hpp"

namespace flowcast::test {

// One run through the link: the client's and the server's metrics files.
struct LinkRun {
  nlohmann::json client;
  nlohmann::json server;
};

// A 10 s clip at about 2 Mbit/s (640x360, 30 fps, B-frames, a keyframe
// every 2 s) in dir; its path.
inline std::string make_link_clip(const TempDir& dir) {
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 10 "
                    "-c:v libx264 -preset veryfast -b:v 2M -maxrate 2M -bufsize 1M -bf 2 -g 60 "
                    "-pix_fmt yuv420p '" +
                    clip + "'") == 0);
  return clip;
}

// TCP through a link capped below the bitrate: the client stalls and loses
// nothing; the link delayed packets and dropped none from its queue.
inline void check_tcp_capped(const LinkRun& r) {
  INFO(r.client.dump(1));
  INFO(r.server.dump(1));
  CHECK(r.client["stalls"]["count"].get<int>() >= 1);
  CHECK(r.client["packets"]["lost"] == 0);
  CHECK(r.client["frames"]["corrupt"] == 0);
  CHECK(r.server["link"]["dropped_queue"] == 0);
  CHECK(r.server["link"]["delayed"].get<int>() > 0);
}

// UDP through a link capped below the bitrate: the client never stalls, it
// loses packets and shows damaged pictures, and what it missed is what the
// link dropped, give or take the packets still in flight when the run ended.
inline void check_udp_capped(const LinkRun& r) {
  INFO(r.client.dump(1));
  INFO(r.server.dump(1));
  CHECK(r.client["stalls"]["count"] == 0);
  CHECK(r.client["packets"]["lost"].get<int>() > 0);
  CHECK(r.client["frames"]["corrupt"].get<int>() + r.client["frames"]["tainted"].get<int>() > 0);
  const int link_dropped =
      r.server["link"]["dropped_queue"].get<int>() + r.server["link"]["dropped_loss"].get<int>();
  CHECK(link_dropped > 0);
  CHECK(std::abs(r.client["packets"]["lost"].get<int>() - link_dropped) <= 10);
}

}  // namespace flowcast::test
