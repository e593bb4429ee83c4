// flowcast-client sets up the audio an SDP describes beside the video:
// over RTSP (one SETUP per track in one session, interleaved or on a second
// UDP port pair, one PLAY) against flowcast-server serving a file with AAC
// sound, and with --listen, binding the m=audio ports ffmpeg sends to. The
// audio's packets reach the receiver, which counts them as another payload
// type (metrics packets.foreign_payload_type) while the video stays
// bit-exact; --no-audio sets up and binds nothing for it; audio flowcast
// cannot play is named on stderr and left alone.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "integration/audio_track.hpp"
#include "integration/ffmpeg_peer.hpp"
#include "integration/rtsp_server_fixture.hpp"
#include "support/binaries.hpp"
#include "support/client_run.hpp"
#include "support/process.hpp"
#include "support/udp_peer.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// 2 s of H.264 (320x240, 30 fps, B-frames) and 44.1 kHz stereo AAC in MP4.
std::string make_clip_with_aac(const TempDir& dir) {
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 "
                    "-f lavfi -i sine=frequency=440:sample_rate=44100 -t 2 -c:v libx264 "
                    "-preset veryfast -bf 2 -g 60 -pix_fmt yuv420p -c:a aac -ac 2 '" +
                    clip + "'") == 0);
  return clip;
}

struct Run {
  std::string log;
  json metrics;
  json server;
};

// flowcast-client against a fresh flowcast-server RTSP serving clip.
Run play_rtsp(const std::string& clip, const std::string& lower, bool no_audio) {
  TempDir dir;
  RtspServer server(dir, clip);
  std::vector<std::string> args = {server.url(), "--transport", lower};
  if (no_audio) args.push_back("--no-audio");
  const ClientRun client = run_client(dir, args, {.framemd5 = true}, server);
  CHECK(client.pictures == reference(dir, clip));
  return {client.log, client.metrics, server.finish(dir)};
}

}  // namespace

TEST_CASE("flowcast-client sets up flowcast-server's AAC track beside the video over RTSP",
          "[integration][rtsp][audio]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("--transport " << lower);
  TempDir dir;
  const std::string clip = make_clip_with_aac(dir);
  const Run with = play_rtsp(clip, lower, false);
  const Run without = play_rtsp(clip, lower, true);
  INFO(with.metrics.dump(1));
  INFO(without.metrics.dump(1));
  // The audio's packets reach its own receive path; the video loses
  // nothing by them.
  CHECK(with.metrics["transport"] == lower);
  REQUIRE(with.metrics["audio"].is_object());
  CHECK(with.metrics["audio"]["packets"]["received"].get<int>() >= 40);
  CHECK(with.metrics["audio"]["packets"]["lost"] == 0);
  CHECK(with.metrics["packets"]["foreign_payload_type"] == 0);
  CHECK(with.metrics["packets"]["lost"] == 0);
  CHECK(with.metrics["packets"]["malformed"] == 0);
  CHECK(without.metrics["packets"]["foreign_payload_type"] == 0);
  CHECK(without.metrics["audio"].is_null());
  CHECK(without.metrics["packets"]["lost"] == 0);
  // The server answered one SETUP more, and refused nothing.
  CHECK(with.server["rtsp"]["requests"].get<int>() ==
        without.server["rtsp"]["requests"].get<int>() + 1);
  CHECK(with.server["rtsp"]["error_responses"] == 0);
  CHECK(with.log.find("audio is left out") == std::string::npos);
  CHECK(with.log.find("without its audio") == std::string::npos);
}

TEST_CASE("flowcast-client --listen binds the audio ports of ffmpeg's SDP and receives both",
          "[peer][audio]") {
  TempDir dir;
  const std::string clip = make_clip_with_aac(dir);
  const uint16_t port = free_port_quad();
  const std::string sdp = dir.file("ffmpeg.sdp");
  // As in test_peers.cpp: the SDP from a run while nobody listens (it is the
  // same for the same clip and addresses), so the client binds first.
  const std::string text = rtp_sender_sdp(clip, port, true, sdp);
  INFO(text);
  REQUIRE(text.find("m=audio " + std::to_string(port + 2)) != std::string::npos);

  SECTION("with the audio") {
    Client client(dir, {"--listen", std::to_string(port), "--sdp", sdp},
                  {.timeout = 20s, .framemd5 = true});
    REQUIRE(listening_for_rtp(port));
    REQUIRE(listening_for_rtp(static_cast<uint16_t>(port + 2)));
    Process sender(rtp_sender(clip, port, true, dir.file("sender.sdp")), dir.file("ffmpeg.log"));
    require_exit(sender, 0, 30s);
    CHECK(read_file(dir.file("sender.sdp")) == text);
    // ffmpeg sends no BYE: the client ends 5 s after the media stops.
    const ClientRun run = client.finish();
    const json& m = run.metrics;
    INFO(m.dump(1));
    CHECK(run.pictures == reference(dir, clip));
    CHECK(m["packets"]["lost"] == 0);
    // About 86 AAC frames in 2 s; ffmpeg puts three in one packet, and
    // keeps its last packet's frames unsent at the end. Every frame that
    // came decoded, 1024 samples each, nothing concealed.
    REQUIRE(m["audio"].is_object());
    const json& a = m["audio"];
    CHECK(a["packets"]["received"].get<int>() >= 10);
    CHECK(a["packets"]["lost"] == 0);
    CHECK(a["frames_rejected"] == 0);
    CHECK(a["concealedSamples"] == 0);
    CHECK(a["totalSamplesReceived"].get<double>() == a["frames_decoded"].get<double>() * 1024);
    CHECK(a["totalSamplesReceived"].get<double>() >= 2.0 * 44100 - 4 * 1024);
    // ffmpeg's sender reports place both streams: the offset is measured.
    CHECK(m["av_sync"]["pictures"].get<int>() > 0);
    CHECK(m["packets"]["foreign_payload_type"] == 0);
    CHECK(m["packets"]["malformed"] == 0);
  }
  SECTION("--no-audio binds only the video's ports") {
    Process client({kClient, "--listen", std::to_string(port), "--sdp", sdp, "--headless",
                    "--no-audio", "--duration", "1s"},
                   dir.file("client.log"));
    REQUIRE(listening_for_rtp(port));
    CHECK_FALSE(udp_port_bound(static_cast<uint16_t>(port + 2)));
    CHECK_FALSE(udp_port_bound(static_cast<uint16_t>(port + 3)));
    CHECK(client.wait_for(10s).has_value());
    CHECK(client.log().find("audio is left out") == std::string::npos);
  }
}

TEST_CASE("audio flowcast cannot play is named once on stderr, and its ports are left alone",
          "[peer][audio]") {
  TempDir dir;
  const std::string clip = make_clip_with_aac(dir);
  const uint16_t port = free_port_quad();
  const std::string sdp = dir.file("latm.sdp");
  // AAC as RFC 6416 MP4A-LATM, which flowcast does not depacketize.
  REQUIRE(run_shell("ffmpeg -nostdin -v error -t 0.1 -i '" + clip +
                    "' -map 0:v -c copy -f rtp rtp://127.0.0.1:" + std::to_string(port) +
                    " -map 0:a -c copy -f rtp -rtpflags latm rtp://127.0.0.1:" +
                    std::to_string(port + 2) + " -sdp_file '" + sdp + "' > /dev/null") == 0);
  Process client(
      {kClient, "--listen", std::to_string(port), "--sdp", sdp, "--headless", "--duration", "1s"},
      dir.file("client.log"));
  REQUIRE(listening_for_rtp(port));
  CHECK_FALSE(udp_port_bound(static_cast<uint16_t>(port + 2)));
  CHECK(client.wait_for(10s).has_value());
  const std::string log = client.log();
  INFO(log);
  CHECK(log.find("the stream's audio is left out: its audio is MP4A-LATM/44100/2") !=
        std::string::npos);
}
