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

#include "integration/gst_rtsp_peer.hpp"
#include "support/binaries.hpp"
#include "support/client_run.hpp"
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
  const GstRtspServer server(dir, clip, {"--codec", codec, "--decode-order"});
  const ClientRun run = run_client(dir, {server.url(), "--transport", "tcp"}, {.framemd5 = true});
  const json& m = run.metrics;
  INFO(m.dump(1));
  const auto expected = framemd5_hashes(dir.file("reference.framemd5"));
  REQUIRE(expected.size() == kPictures);
  CHECK(run.pictures == expected);
  CHECK(m["frames"]["decode_order_timestamps"] == true);
  CHECK(m["frames"]["rendered"] == kPictures);
  CHECK(m["frames"]["dropped_late"] == 0);
  CHECK(m["frames"]["sent"] == kPictures);
  CHECK(m["stalls"]["count"] == 0);
  CHECK(m["freezes"]["count"] == 0);
}
