// Over flowcast's own TCP and UDP no SDP reaches the client: a session of a
// file with sound describes itself in band, in an RTCP APP "FCSD" with its
// first report, before any media (over UDP again with each report until the
// client's RTCP comes). flowcast-client reads it and plays the sound: the
// whole track but the packets that came before its audio path existed,
// which it counts as foreign_payload_type, and the video bit-exact. A file
// without sound sends no APP; --no-audio plays the video only.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "integration/audio_track.hpp"
#include "integration/rtsp_server_fixture.hpp"
#include "media/sdp/sdp.hpp"
#include "support/binaries.hpp"
#include "support/client_run.hpp"
#include "support/process.hpp"
#include "support/rtp_peer.hpp"

using namespace flowcast;
using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// 2 s of H.264 (320x240, 30 fps, B-frames), with a stereo 440 Hz tone as
// AAC at 44.1 kHz in MP4, or without sound.
void make_clip(const std::string& path, bool sound) {
  REQUIRE(
      run_shell(std::string("ffmpeg -nostdin -v error -y -f lavfi -i "
                            "testsrc2=size=320x240:rate=30 ") +
                (sound ? "-f lavfi -i sine=frequency=440:sample_rate=44100 -c:a aac -ac 2 " : "") +
                "-t 2 -c:v libx264 -preset veryfast -bf 2 -g 60 -pix_fmt yuv420p '" + path + "'") ==
      0);
}

struct Server {
  explicit Server(const TempDir& dir, const std::string& clip)
      : port(free_port()),
        process({kServer, clip, "--port", std::to_string(port), "--rtsp-port", "0", "--duration",
                 "60s"},
                dir.file("server.log")) {
    REQUIRE(wait_for_log(process, "streaming", 10s));
  }
  uint16_t port;
  Process process;
};

}  // namespace

TEST_CASE("flowcast-client plays a file's sound over flowcast's own TCP and UDP, described in band",
          "[integration][audio]") {
  const std::string transport = GENERATE("tcp", "udp");
  INFO("--transport " << transport);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  make_clip(clip, true);
  Server server(dir, clip);
  const ClientRun run =
      run_client(dir, {"127.0.0.1:" + std::to_string(server.port), "--transport", transport},
                 {.framemd5 = true}, server.process);
  const json& m = run.metrics;
  INFO(m.dump(1));
  CHECK(run.pictures == reference(dir, clip));
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["packets"]["malformed"] == 0);
  REQUIRE(m["audio"].is_object());
  const json& a = m["audio"];
  CHECK(a["sample_rate"] == 44100);
  CHECK(a["channels"] == 2);
  CHECK(a["packets"]["lost"] == 0);
  CHECK(a["frames_rejected"] == 0);
  CHECK(a["concealedSamples"] == 0);
  // The description comes before the first media packet; the audio's
  // packets that arrive while the render loop, woken at once, builds the
  // decoder and posts the audio path to the network thread are counted as
  // another payload type. The server sends one AAC frame (1024 samples,
  // 23 ms) a packet at the file's pace, so 8 is 186 ms: a few scheduling
  // slices of a busy two-core machine, far below the 2 s track (and under
  // --buffer's 500 ms, so the sound still starts with the video).
  const auto foreign = m["packets"]["foreign_payload_type"].get<int64_t>();
  CHECK(foreign <= 8);
  // The whole track, but for those packets: within one packet of it, plus
  // the encoder's priming that the container's duration leaves out (as
  // test_client_audio.cpp allows).
  const double expected = track_samples(clip, dir);
  const double got = a["totalSamplesReceived"].get<double>();
  CHECK(got > 0);
  CHECK(std::abs(got + static_cast<double>(foreign) * 1024 - expected) <= 2 * 1024);
  // Both streams' sender reports place the sound against the pictures.
  CHECK(m["av_sync"]["pictures"].get<int>() > 0);
  server.process.signal(SIGTERM);
  CHECK(server.process.wait_for(10s) == 0);
}

TEST_CASE("flowcast-client --no-audio plays the video of a file with sound over its own TCP",
          "[integration][audio]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  make_clip(clip, true);
  Server server(dir, clip);
  const ClientRun run = run_client(
      dir, {"127.0.0.1:" + std::to_string(server.port), "--transport", "tcp", "--no-audio"},
      {.framemd5 = true});
  const json& m = run.metrics;
  INFO(m.dump(1));
  CHECK(m["audio"].is_null());
  CHECK(run.pictures == reference(dir, clip));
  // Every audio packet of the 2 s track (about 86) is another payload type.
  CHECK(m["packets"]["foreign_payload_type"].get<int>() >= 80);
  server.process.signal(SIGTERM);
  CHECK(server.process.wait_for(10s) == 0);
}

TEST_CASE("the session's description goes in band before its media, only with sound",
          "[integration][audio]") {
  TempDir dir;
  const std::string sound = dir.file("sound.mp4");
  const std::string silent = dir.file("silent.mp4");
  make_clip(sound, true);
  make_clip(silent, false);

  SECTION("over TCP, once, in the first report, with the SDP DESCRIBE has") {
    Server server(dir, sound);
    TcpRtpPeer peer(server.port);
    // Reports every 250 ms: a second holds four more without it.
    peer.receive_until(Clock::now() + 1500ms);
    const RtpCount& count = peer.tally().count();
    REQUIRE(count.packets > 0);
    CHECK(count.descriptions == 1);
    CHECK(count.packets_before_description == 0u);
    const media::SdpSession session = media::parse_sdp_session(peer.tally().description());
    CHECK(session.video.encoding_name == "H264");
    CHECK(session.video.payload_type == 96);
    REQUIRE(session.audio.has_value());
    CHECK(session.audio->payload_type == 97);
    CHECK(session.audio->encoding_name == "mpeg4-generic");
    CHECK(session.audio->clock_rate == 44100);
    CHECK(session.audio->channels == 2);
    CHECK_FALSE(session.audio->config.empty());
  }
  SECTION("over UDP, with each report until the client's RTCP comes") {
    Server server(dir, sound);
    UdpRtpPeer peer(server.port);
    REQUIRE(peer.handshake(5s) == common::HandshakeType::accept);
    peer.receive_until(Clock::now() + 800ms);
    const uint64_t before = peer.tally().count().descriptions;
    const uint64_t rtcp_before = peer.tally().count().rtcp;
    // The first report at once, then one every 250 ms: four by now, unless
    // the machine is busy.
    CHECK(before >= 2);
    CHECK(peer.tally().count().packets_before_description == 0u);
    REQUIRE(peer.send(rtcp_receiver_report(peer.tally())));
    peer.receive_until(Clock::now() + 1000ms);
    // The reports go on (two compounds each, one per stream), without it:
    // at most one was on its way as the client's RTCP came.
    CHECK(peer.tally().count().rtcp >= rtcp_before + 4);
    CHECK(peer.tally().count().descriptions <= before + 1);
    CHECK(media::parse_sdp_session(peer.tally().description()).audio.has_value());
  }
  SECTION("a file without sound sends none, over TCP and UDP") {
    Server server(dir, silent);
    TcpRtpPeer tcp(server.port);
    UdpRtpPeer udp(server.port);
    REQUIRE(udp.handshake(5s) == common::HandshakeType::accept);
    const auto until = Clock::now() + 1200ms;
    tcp.receive_until(until);
    udp.receive_until(until);
    for (const RtpCount* count : {&tcp.tally().count(), &udp.tally().count()}) {
      CHECK(count->packets > 0);
      CHECK(count->rtcp >= 3);
      CHECK(count->descriptions == 0);
    }
  }
}
