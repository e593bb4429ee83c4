// H.265 (RFC 7798) end to end with real peers: ffmpeg sends a 10-bit HEVC
// file with B-frames as RTP into flowcast-client --listen, and GStreamer's
// RTSP server serves one to flowcast-client over TCP and UDP; every picture
// is bit-exact against ffmpeg's decode of the file.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "support/binaries.hpp"
#include "support/process.hpp"
#include "support/udp_peer.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// 2 s of the pattern, 10-bit 4:2:0, B-frames, an IRAP picture every second.
std::string make_hevc_clip(const TempDir& dir) {
  const std::string clip = dir.file("hevc.mp4");
  REQUIRE(
      run_shell(
          "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 2 "
          "-c:v libx265 -pix_fmt yuv420p10le -x265-params log-level=error:bframes=3:keyint=30 '" +
          clip + "'") == 0);
  return clip;
}

std::vector<std::string> reference(const TempDir& dir, const std::string& clip) {
  REQUIRE(make_reference_framemd5(clip, dir.file("reference.framemd5")));
  return framemd5_hashes(dir.file("reference.framemd5"));
}

}  // namespace

TEST_CASE(
    "ffmpeg sends 10-bit H.265 with B-frames as RTP, flowcast-client --listen plays it "
    "bit-exact",
    "[peer][h265]") {
  TempDir dir;
  const std::string clip = make_hevc_clip(dir);
  const uint16_t port = free_rtp_port();
  const std::string url = "rtp://127.0.0.1:" + std::to_string(port);
  const std::string sdp = dir.file("ffmpeg.sdp");
  // As for H.264 (test_peers.cpp): a first one-frame run writes the SDP.
  REQUIRE(run_shell("ffmpeg -nostdin -v error -i '" + clip + "' -an -c copy -f rtp -sdp_file '" +
                    sdp + "' -frames:v 1 " + url + " > /dev/null") == 0);
  CHECK(read_file(sdp).find("H265/90000") != std::string::npos);
  Process client({kClient, "--listen", std::to_string(port), "--sdp", sdp, "--headless",
                  "--framemd5", dir.file("got.framemd5"), "--metrics", dir.file("m.json")},
                 dir.file("client.log"));
  REQUIRE(listening_for_rtp(port));
  Process sender({"ffmpeg", "-nostdin", "-v", "error", "-re", "-i", clip, "-an", "-c", "copy", "-f",
                  "rtp", url},
                 dir.file("ffmpeg.log"));
  REQUIRE(sender.wait_for(30s) == 0);
  const auto code = client.wait_for(20s);
  INFO(client.log());
  REQUIRE(code == 0);
  const auto expected = reference(dir, clip);
  REQUIRE(expected.size() == 60);
  CHECK(framemd5_hashes(dir.file("got.framemd5")) == expected);
  const json m = read_json(dir.file("m.json"));
  INFO(m.dump(1));
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["frames"]["corrupt"] == 0);
  CHECK(m["frames"]["incomplete_access_units"] == 0);
}

TEST_CASE("GStreamer's RTSP server serves H.265, flowcast-client plays it bit-exact",
          "[peer][h265][rtsp]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("--transport " << lower);
  TempDir dir;
  const std::string clip = make_hevc_clip(dir);
  const uint16_t port = free_port();
  Process server(
      {"/usr/bin/python3", std::string(FLOWCAST_SOURCE_DIR) + "/tests/peers/gst_rtsp_server.py",
       "--port", std::to_string(port), "--file", clip, "--codec", "h265"},
      dir.file("gst.log"));
  REQUIRE(wait_for_log(server, "ready", 10s));
  Process client(
      {kClient, "rtsp://127.0.0.1:" + std::to_string(port) + "/stream", "--transport", lower,
       "--headless", "--framemd5", dir.file("got.framemd5"), "--metrics", dir.file("m.json")},
      dir.file("client.log"));
  const auto code = client.wait_for(30s);
  INFO(client.log());
  REQUIRE(code == 0);
  CHECK(framemd5_hashes(dir.file("got.framemd5")) == reference(dir, clip));
  const json m = read_json(dir.file("m.json"));
  CHECK(m["transport"] == lower);
  CHECK(m["packets"]["lost"] == 0);
}
