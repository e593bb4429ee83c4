// H.265 (RFC 7798) end to end with real peers: ffmpeg sends a 10-bit HEVC
// file with B-frames as RTP into flowcast-client --listen, GStreamer's RTSP
// server serves one to flowcast-client over TCP and UDP, flowcast-server
// sends one as it is over its own TCP and UDP (the client finds the format
// from the first keyframe) and pushes it to ffmpeg and GStreamer; every
// picture is bit-exact against ffmpeg's decode of the file, or decoded.
// Under loss, damage is counted as for H.264.
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "integration/ffmpeg_peer.hpp"
#include "integration/gst_rtsp_peer.hpp"
#include "integration/stop_server.hpp"
#include "support/binaries.hpp"
#include "support/client_run.hpp"
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

}  // namespace

TEST_CASE(
    "ffmpeg sends 10-bit H.265 with B-frames as RTP, flowcast-client --listen plays it "
    "bit-exact",
    "[peer][h265]") {
  TempDir dir;
  const std::string clip = make_hevc_clip(dir);
  const uint16_t port = free_rtp_port();
  const std::string sdp = dir.file("ffmpeg.sdp");
  // As for H.264 (test_peers.cpp): a first one-frame run writes the SDP.
  CHECK(rtp_sender_sdp(clip, port, false, sdp).find("H265/90000") != std::string::npos);
  Client client(dir, {"--listen", std::to_string(port), "--sdp", sdp},
                {.timeout = 20s, .framemd5 = true});
  REQUIRE(listening_for_rtp(port));
  Process sender(rtp_sender(clip, port, false), dir.file("ffmpeg.log"));
  require_exit(sender, 0, 30s);
  const ClientRun run = client.finish();
  const auto expected = reference(dir, clip);
  REQUIRE(expected.size() == 60);
  CHECK(run.pictures == expected);
  const json& m = run.metrics;
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
  const GstRtspServer server(dir, clip, {"--codec", "h265"});
  const ClientRun run = run_client(dir, {server.url(), "--transport", lower}, {.framemd5 = true});
  CHECK(run.pictures == reference(dir, clip));
  const json& m = run.metrics;
  CHECK(m["transport"] == lower);
  CHECK(m["packets"]["lost"] == 0);
}

namespace {

struct Served {
  std::string server_log;
  json metrics;
  std::vector<std::string> hashes;
};

// flowcast-server serving file, flowcast-client over transport with extra
// server arguments.
Served serve(const TempDir& dir, const std::string& file, const std::string& transport,
             const std::vector<std::string>& server_extra = {},
             const std::vector<std::string>& client_extra = {}) {
  FileServer server(dir, file, server_extra);
  REQUIRE(server.ready());
  std::vector<std::string> args = {server.url(transport), "--transport", transport};
  args.insert(args.end(), client_extra.begin(), client_extra.end());
  const ClientRun run = run_client(dir, args, {.timeout = 60s, .framemd5 = true}, server);
  return {server.log(), run.metrics, run.pictures};
}

}  // namespace

TEST_CASE("flowcast-server sends an H.265 file as it is, over TCP and UDP, bit-exact",
          "[integration][h265]") {
  const std::string transport = GENERATE("tcp", "udp");
  INFO(transport);
  TempDir dir;
  const std::string clip = make_hevc_clip(dir);
  const Served s = serve(dir, clip, transport);
  // It says what it sends; nothing is transcoded.
  CHECK(s.server_log.find("(hevc, sent as is)") != std::string::npos);
  CHECK(s.hashes == reference(dir, clip));
  CHECK(s.metrics["packets"]["lost"] == 0);
  CHECK(s.metrics["frames"]["corrupt"] == 0);
}

TEST_CASE("H.265 over UDP with 2% loss: damage is counted, and freeze recovers at the next IRAP",
          "[integration][h265]") {
  const std::string on_loss = GENERATE("conceal", "freeze");
  INFO("--on-loss " << on_loss);
  TempDir dir;
  const std::string clip = make_hevc_clip(dir);
  const Served s =
      serve(dir, clip, "udp", {"--link-loss", "2%", "--link-seed", "7"}, {"--on-loss", on_loss});
  INFO(s.metrics.dump(1));
  CHECK(s.metrics["packets"]["lost"].get<int>() > 0);
  CHECK(s.metrics["stalls"]["count"] == 0);
  const auto reference_hashes = reference(dir, clip);
  if (on_loss == "conceal") {
    // Damage shows, and is counted as such.
    CHECK(s.metrics["frames"]["damaged"].get<int>() > 0);
  } else {
    // Skipped until an IRAP picture; what is shown is right.
    CHECK(s.metrics["frames"]["skipped"].get<int>() > 0);
    CHECK(s.metrics["frames"]["damaged"] == 0);
    const std::multiset<std::string> right(reference_hashes.begin(), reference_hashes.end());
    size_t wrong = 0;
    for (const auto& h : s.hashes) wrong += right.count(h) == 0;
    CHECK(wrong == 0);
  }
}

TEST_CASE("flowcast-server pushes an H.265 file to ffmpeg and to GStreamer", "[peer][h265][long]") {
  TempDir dir;
  const std::string clip = make_hevc_clip(dir);
  const uint16_t port = free_rtp_port();
  const std::string push = "127.0.0.1:" + std::to_string(port);
  const std::string sdp = dir.file("push.sdp");
  // The SDP is the same every time for a file (test_peers.cpp does the same for H.264).
  const std::string text = push_sdp(dir, clip, push, sdp);
  INFO(text);
  REQUIRE(text.find("a=rtpmap:96 H265/90000") != std::string::npos);
  REQUIRE(text.find("sprop-vps=") != std::string::npos);
  SECTION("ffmpeg reads the SDP: bit-exact") {
    FfmpegDecoder receiver(dir, sdp_input(sdp), false);
    REQUIRE(listening_for_rtp(port));
    Process server(
        {kServer, clip, "--port", std::to_string(free_port()), "--push", push, "--duration", "30s"},
        dir.file("server.log"));
    require_exit(receiver, 0, 30s);
    CHECK(receiver.hashes() == reference(dir, clip));
  }
  SECTION("GStreamer reads the same SDP: every picture decoded") {
    // sdpdemux opens the ports the SDP names; the server's BYE ends it.
    Process receiver(
        {"gst-launch-1.0", "-q", "filesrc", "location=" + sdp, "!", "sdpdemux", "!", "rtph265depay",
         "!", "avdec_h265", "!", "videoconvert", "!", "video/x-raw", "!", "multifilesink",
         "location=" + dir.file("pic-%03d.raw"), "max-files=100"},
        dir.file("gst.log"));
    REQUIRE(listening_for_rtp(port));
    Process server(
        {kServer, clip, "--port", std::to_string(free_port()), "--push", push, "--duration", "30s"},
        dir.file("server.log"));
    REQUIRE(wait_for_log(server, "left (end of stream)", 20s));
    // The last picture written, or 10 s: a missing one fails the count below.
    wait_until([&] { return file_exists(dir.file("pic-059.raw")); }, 10s);
    receiver.signal(SIGINT);
    receiver.wait_for(5s);
    size_t pictures = 0;
    for (int i = 0; i < 100; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "pic-%03d.raw", i);
      pictures += file_exists(dir.file(name));
    }
    INFO(receiver.log());
    CHECK(pictures == 60);
  }
}

TEST_CASE(
    "the live pattern as H.265 (--codec h265): clean over TCP, and under loss a PLI "
    "brings an IRAP picture",
    "[integration][h265]") {
  const bool lossy = GENERATE(false, true);
  INFO((lossy ? "UDP, 3% loss, --on-loss freeze" : "TCP, clean"));
  TempDir dir;
  const std::string port = std::to_string(free_port());
  Process server({kServer, "--codec", "h265", "--pattern", "320x240@15", "--bitrate", "400k",
                  "--gop", "150", "--port", port, "--duration", "60s", "--link-loss",
                  lossy ? "3%" : "0%", "--link-seed", "3", "--metrics", dir.file("server.json")},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "(H265)", 10s));
  std::vector<std::string> args = {"127.0.0.1:" + port, "--duration", "4s"};
  for (std::string a : lossy ? std::vector<std::string>{"--transport", "udp", "--on-loss", "freeze"}
                             : std::vector<std::string>{"--transport", "tcp"})
    args.push_back(a);
  const json m = run_client(dir, args).metrics;
  const json sm = stop_and_read(server, dir.file("server.json"));
  INFO(m.dump(1));
  INFO(sm["keyframes"].dump());
  CHECK(m["frames"]["rendered"].get<int>() > 0);
  CHECK(m["frames"]["damaged"] == 0);
  if (!lossy) {
    CHECK(m["frames"]["corrupt"] == 0);
    CHECK(m["packets"]["lost"] == 0);
  } else {
    // A keyframe every 10 s: within the run only a PLI brings one, and the
    // encoder makes it (the join's keyframe, then at least one asked for).
    CHECK(m["packets"]["lost"].get<int>() > 0);
    CHECK(m["packets"]["plis_sent"].get<int>() > 0);
    CHECK(m["frames"]["skipped"].get<int>() > 0);
    CHECK(sm["keyframes"]["forced"].get<int>() >= 2);
  }
}

TEST_CASE(
    "the 1280x720@30 pattern as H.265 for 10 s: no freeze, or the server says its "
    "encoder fell behind and by how much",
    "[integration][h265][load][long]") {
  TempDir dir;
  const std::string port = std::to_string(free_port());
  Process server({kServer, "--codec", "h265", "--port", port, "--rtsp-port", "0", "--duration",
                  "60s", "--metrics", dir.file("server.json")},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "(H265)", 10s));
  const json m =
      run_client(dir, {"127.0.0.1:" + port, "--transport", "tcp", "--quiet", "--duration", "10s"},
                 {.timeout = 40s})
          .metrics;
  const json sm = stop_and_read(server, dir.file("server.json"));
  const std::string log = server.log();
  const json& e = sm["load"]["encoder"];
  INFO(log);
  INFO(e.dump(1));
  INFO("client freezes " << m["freezes"].dump() << ", frames " << m["frames"].dump());
  // The encoder is measured, with the settings meant for live H.265.
  CHECK(e["codec"] == "h265");
  CHECK(e["preset"] == "ultrafast");
  CHECK(e["target_fps"] == 30);
  CHECK(e["pictures_encoded"].get<uint64_t>() > 0);
  CHECK(e["pictures_per_second_mean"].get<double>() > 0);
  CHECK(e["pictures_per_second_mean"].get<double>() <= 31);
  CHECK(e["picture_ms_mean"].get<double>() > 0);
  // And shown beside the network thread in the status line.
  CHECK(log.find("H.265 encoder ") != std::string::npos);
  // Either the viewer saw no freeze, or the server says why.
  if (m["freezes"]["count"].get<int>() > 0) CHECK(e["fell_behind"] == true);
  const auto warning = log.find("encoder cannot keep up");
  if (e["fell_behind"].get<bool>()) {
    // Said once as it happened, with the rate it kept, and at the end by how much.
    CHECK(warning != std::string::npos);
    CHECK(log.find("encoder fell behind: " + std::to_string(e["pictures_encoded"].get<uint64_t>()) +
                   " pictures encoded") != std::string::npos);
    CHECK(e["pictures_per_second_min"].get<double>() < 30);
  } else {
    CHECK(warning == std::string::npos);
    CHECK(m["freezes"]["count"] == 0);
  }
  if (warning != std::string::npos)
    CHECK(log.find("encoder cannot keep up", warning + 1) == std::string::npos);
}
