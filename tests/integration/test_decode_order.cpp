// A sender whose RTP timestamps follow decode order, B-frames and all:
// GStreamer's RTSP server serving a raw Annex B file stamped as live555's
// server stamps such files (tests/peers/gst_rtsp_server.py --decode-order:
// each access unit one frame after the one before, in decode order). The
// client recognises it from the decoder's output order and plays every
// picture at a steady rate: none dropped late, no stall, bit-exact.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr int kPictures = 60;  // 2 s at 30 fps

// A raw elementary stream with B-frames between the references; its
// reference pictures (ffmpeg's decode) in `reference`.
std::string make_raw_clip(const TempDir& dir, const std::string& codec) {
  const bool h265 = codec == "h265";
  const std::string clip = dir.file(h265 ? "clip.265" : "clip.264");
  const std::string encoder =
      h265 ? "-c:v libx265 -x265-params log-level=error:bframes=3:keyint=30 -f hevc"
           : "-c:v libx264 -bf 2 -g 30 -f h264";
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 2 " +
                    encoder + " -pix_fmt yuv420p '" + clip + "'") == 0);
  // The premise: decode order is not display order.
  REQUIRE(run_shell("ffprobe -v error -show_frames -select_streams v '" + clip +
                    "' | grep -q pict_type=B") == 0);
  REQUIRE(run_shell("ffmpeg -nostdin -v error -i '" + clip + "' -f framemd5 '" +
                    dir.file("reference.framemd5") + "'") == 0);
  return clip;
}

}  // namespace

TEST_CASE("RTP timestamps in decode order with B-frames: every picture plays, none late",
          "[peer][rtsp]") {
  const std::string codec = GENERATE("h264", "h265");
  INFO("codec " << codec);
  TempDir dir;
  const std::string clip = make_raw_clip(dir, codec);
  const uint16_t port = free_port();
  Process server(
      {"/usr/bin/python3", std::string(FLOWCAST_SOURCE_DIR) + "/tests/peers/gst_rtsp_server.py",
       "--port", std::to_string(port), "--file", clip, "--codec", codec, "--decode-order"},
      dir.file("gst.log"));
  REQUIRE(wait_for_log(server, "ready", 10s));
  Process client(
      {kClient, "rtsp://127.0.0.1:" + std::to_string(port) + "/stream", "--transport", "tcp",
       "--headless", "--framemd5", dir.file("got.framemd5"), "--metrics", dir.file("m.json")},
      dir.file("client.log"));
  const auto code = client.wait_for(30s);
  INFO(client.log());
  REQUIRE(code == 0);
  const json m = read_client_metrics(dir.file("m.json"));
  INFO(m.dump(1));
  const auto expected = framemd5_hashes(dir.file("reference.framemd5"));
  REQUIRE(expected.size() == kPictures);
  CHECK(framemd5_hashes(dir.file("got.framemd5")) == expected);
  CHECK(m["frames"]["decode_order_timestamps"] == true);
  CHECK(m["frames"]["rendered"] == kPictures);
  CHECK(m["frames"]["dropped_late"] == 0);
  CHECK(m["frames"]["sent"] == kPictures);
  CHECK(m["stalls"]["count"] == 0);
  CHECK(m["freezes"]["count"] == 0);
}
