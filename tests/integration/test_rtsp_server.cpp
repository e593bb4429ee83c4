// flowcast-server's RTSP side (RFC 2326) against real RTSP clients on
// loopback: ffmpeg, GStreamer's rtspsrc and flowcast-client, over RTP
// interleaved on the RTSP connection and over UDP, and a relay of
// GStreamer's RTSP server. Sessions driven by hand and hostile connections
// are in test_rtsp_server_session.cpp, the emulated link in
// test_rtsp_server_link.cpp.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "integration/ffmpeg_peer.hpp"
#include "integration/gst_rtsp_peer.hpp"
#include "integration/rtsp_server_fixture.hpp"
#include "support/binaries.hpp"
#include "support/client_run.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("ffmpeg plays flowcast-server's RTSP stream bit-exact over TCP and UDP",
          "[peer][rtsp][rtsp-server]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("-rtsp_transport " << lower);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 2));
  RtspServer server(dir, clip);
  FfmpegDecoder ffmpeg(dir, rtsp_input(server.url(), lower), false);
  require_exit(ffmpeg, 0, 30s, server);
  CHECK(ffmpeg.hashes() == reference(dir, clip));
  const json metrics = server.finish(dir);
  INFO(metrics.dump(1));
  REQUIRE(metrics["sessions"].size() == 1);
  CHECK(metrics["sessions"][0]["protocol"] == "rtsp");
  CHECK(metrics["sessions"][0]["transport"] == lower);
  CHECK(metrics["rtsp"]["requests"].get<int>() >= 4);
  CHECK(metrics["rtsp"]["bad_requests"] == 0);
}

TEST_CASE("an H.265 file goes out over RTSP as it is: ffmpeg plays it bit-exact",
          "[peer][rtsp][rtsp-server]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("-rtsp_transport " << lower);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 2 "
                    "-c:v libx265 -x265-params log-level=error -bf 2 -g 30 -pix_fmt yuv420p "
                    "-tag:v hvc1 '" +
                    clip + "'") == 0);
  RtspServer server(dir, clip);
  FfmpegDecoder ffmpeg(dir, rtsp_input(server.url(), lower), false);
  require_exit(ffmpeg, 0, 30s, server);
  CHECK(ffmpeg.hashes() == reference(dir, clip));
}

TEST_CASE("GStreamer's rtspsrc decodes every picture of flowcast-server's RTSP stream",
          "[peer][rtsp][rtsp-server]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("protocols=" << lower);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 2));
  RtspServer server(dir, clip);
  // fakesink's last-message, printed by -v, has one "chain" line per picture.
  Process gst({"gst-launch-1.0", "-v", "rtspsrc", "location=" + server.url(), "protocols=" + lower,
               "!", "rtph264depay", "!", "avdec_h264", "!", "fakesink", "silent=false"},
              dir.file("gst.log"));
  const auto code = gst.wait_for(30s);
  const std::string log = gst.log();
  INFO(server.log());
  REQUIRE(code == 0);
  size_t pictures = 0;
  for (size_t at = log.find("last-message = chain"); at != std::string::npos;
       at = log.find("last-message = chain", at + 1))
    ++pictures;
  CHECK(pictures == 60);
  // Played to its end without a word of complaint: the connection and the
  // session last until the player's own TEARDOWN.
  CHECK(log.find("WARNING") == std::string::npos);
  CHECK(log.find("Could not read from resource") == std::string::npos);
  const json metrics = server.finish(dir);
  INFO(metrics.dump(1));
  CHECK(metrics["sessions"][0]["transport"] == lower);
  CHECK(metrics["rtsp"]["error_responses"] == 0);
  CHECK(metrics["rtsp"]["connections"] == 1);
}

TEST_CASE("flowcast-client plays flowcast-server over RTSP bit-exact over TCP and UDP",
          "[integration][rtsp][rtsp-server]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("--transport " << lower);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 2));
  RtspServer server(dir, clip);
  const ClientRun run =
      run_client(dir, {server.url(), "--transport", lower}, {.framemd5 = true}, server);
  const json& m = run.metrics;
  INFO(m.dump(1));
  CHECK(run.pictures == reference(dir, clip));
  CHECK(m["session"]["protocol"] == "rtsp");
  CHECK(m["transport"] == lower);
  CHECK(m["packets"]["lost"] == 0);
  const json s = server.finish(dir);
  INFO(s.dump(1));
  REQUIRE(s["sessions"].size() == 1);
  CHECK(s["sessions"][0]["protocol"] == "rtsp");
  CHECK(s["sessions"][0]["receiver_reports"].get<int>() > 0);
}

TEST_CASE("flowcast-server relays GStreamer's RTSP server live, and adds no loss",
          "[peer][rtsp][rtsp-server][relay]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  // A keyframe every half second: a viewer joins the live relay at the next.
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 6 "
                    "-c:v libx264 -g 15 -bf 0 -pix_fmt yuv420p '" +
                    clip + "'") == 0);
  const GstRtspServer gst(dir, clip);
  FileServer server(dir, gst.url(), {"--metrics", dir.file("server.json")});
  REQUIRE(server.ready(15s));
  CHECK(server.log().find("relayed live") != std::string::npos);
  const ClientRun run = run_client(dir, {server.url("tcp"), "--transport", "tcp"}, {}, server);
  const json& m = run.metrics;
  INFO(m.dump(1));
  // The relay ends with its source, about 6 s in: most of it is shown.
  CHECK(m["frames"]["rendered"].get<int>() >= 60);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["frames"]["corrupt"] == 0);
  REQUIRE(server.wait_for(10s) == 0);
  CHECK(server.log().find("the source ended") != std::string::npos);
}
