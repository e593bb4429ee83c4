// --listen with an SDP that has audio: read_listen_options takes the audio
// flowcast plays (its m= port and RTCP port, rate, channels, config) or says
// why it does not, and ListenTransport binds its ports too and pushes its
// RTP and RTCP into the same receiver as the video's. Real UDP sockets on
// loopback, one io_context run by the test.
#include <asio.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "client/transport/listen_options.hpp"
#include "client/transport/listen_transport.hpp"
#include "support/process.hpp"
#include "support/udp_peer.hpp"

using namespace flowcast;
using namespace flowcast::test;
using namespace std::chrono_literals;

namespace {

std::string write_sdp_file(const TempDir& dir, const std::string& text) {
  const std::string path = dir.file("stream.sdp");
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string sdp_with_audio(uint16_t video_port, const std::string& audio) {
  return "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=video " +
         std::to_string(video_port) + " RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" + audio;
}

std::string aac_section(uint16_t port, const std::string& extra = "") {
  return "m=audio " + std::to_string(port) +
         " RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/44100/2\r\n"
         "a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
         "indexdeltalength=3; config=1210\r\n" +
         extra;
}

struct Receiver : common::Writable<client::ReceivedDatagram> {
  bool write(client::ReceivedDatagram packet) override {
    packets.emplace_back(packet.begin(), packet.end());
    return true;
  }
  void end() override {}
  std::vector<std::vector<uint8_t>> packets;
};

struct Events : client::TransportEvents {
  void on_connected(int) override { connected = true; }
  void on_stray() override { ++strays; }
  void on_kernel_drops(uint32_t) override {}
  void on_failed(const std::string& m) override { failure = m; }
  void on_read_done() override {}
  bool connected = false;
  int strays = 0;
  std::string failure;
};

// An RTP packet (version 2) of this payload type, or an RTCP BYE.
std::vector<uint8_t> rtp_packet(uint8_t payload_type) {
  return {0x80, payload_type, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0xaa, 0xbb};
}
const std::vector<uint8_t> kBye = {0x81, 203, 0, 1, 0, 0, 0, 7};

}  // namespace

TEST_CASE("read_listen_options takes the SDP's AAC with its ports, rate, channels and config",
          "[unit][listen][audio]") {
  TempDir dir;
  const auto o = client::read_listen_options(
      5004, write_sdp_file(dir, sdp_with_audio(5004, aac_section(5006))));
  REQUIRE(o.audio);
  CHECK(o.audio_ignored.empty());
  CHECK(o.audio->format == &media::aac_payload_format());
  CHECK(o.audio->payload_type == 97);
  CHECK(o.audio->clock_rate == 44100);
  CHECK(o.audio->channels == 2);
  CHECK(o.audio->config == std::vector<uint8_t>{0x12, 0x10});
  CHECK(o.audio->port == 5006);
  CHECK(o.audio->rtcp_port == std::optional<uint16_t>(5007));
  // The video's part is as before.
  CHECK(o.payload_type == 96);
  CHECK(o.rtcp_port == std::optional<uint16_t>(5005));

  const auto muxed = client::read_listen_options(
      5004, write_sdp_file(dir, sdp_with_audio(5004, aac_section(5010, "a=rtcp-mux\r\n"))));
  REQUIRE(muxed.audio);
  CHECK_FALSE(muxed.audio->rtcp_port);
  const auto own_rtcp = client::read_listen_options(
      5004, write_sdp_file(dir, sdp_with_audio(5004, aac_section(5010, "a=rtcp:6001\r\n"))));
  REQUIRE(own_rtcp.audio);
  CHECK(own_rtcp.audio->rtcp_port == std::optional<uint16_t>(6001));
}

TEST_CASE("read_listen_options leaves out audio it cannot receive, and says why",
          "[unit][listen][audio]") {
  TempDir dir;
  struct Case {
    uint16_t listen;
    std::string audio;
    std::string said;
  };
  const std::vector<Case> cases = {
      {5004, "m=audio 5006 RTP/AVP 97\r\na=rtpmap:97 MP4A-LATM/44100/2\r\n", "MP4A-LATM"},
      {5004, aac_section(0), "port 0"},
      // --listen 5006 while the SDP's audio is on 5006.
      {5006, aac_section(5006), "clash"},
      {5004, aac_section(5005), "clash"},                     // on the video's RTCP port
      {5004, aac_section(5003), "clash"},                     // its RTCP on the video's RTP port
      {5004, aac_section(5008, "a=rtcp:5008\r\n"), "clash"},  // RTCP on its RTP port
  };
  for (const auto& c : cases) {
    INFO(c.audio);
    const auto o =
        client::read_listen_options(c.listen, write_sdp_file(dir, sdp_with_audio(5004, c.audio)));
    CHECK_FALSE(o.audio);
    CHECK(o.audio_ignored.find(c.said) != std::string::npos);
  }
  // Next to the video's ports, but on none of them: taken.
  CHECK(client::read_listen_options(5004,
                                    write_sdp_file(dir, sdp_with_audio(5004, aac_section(5002))))
            .audio);
}

TEST_CASE("ListenTransport receives the audio's RTP and RTCP beside the video's, into one receiver",
          "[unit][listen][audio]") {
  const uint16_t video = free_rtp_port();
  uint16_t audio = free_rtp_port();
  for (int i = 0; i < 20 && (audio == video || audio == video + 2); ++i) audio = free_rtp_port();
  REQUIRE(audio != video);
  client::ListenOptions options;
  options.port = video;
  options.rtcp_port = static_cast<uint16_t>(video + 1);
  options.format = &media::h264_payload_format();
  client::AudioStreamOptions a;
  a.format = &media::aac_payload_format();
  a.port = audio;
  a.rtcp_port = static_cast<uint16_t>(audio + 1);
  options.audio = a;

  asio::io_context io;
  Receiver receiver;
  Events events;
  client::ListenTransport transport(io, options, std::nullopt);
  transport.pipe_receiver(receiver);
  transport.start(events);
  REQUIRE(events.failure.empty());
  REQUIRE(events.connected);
  CHECK(udp_port_bound(audio));
  CHECK(udp_port_bound(static_cast<uint16_t>(audio + 1)));

  UdpSender peer;
  REQUIRE(peer.send(rtp_packet(96), video));
  REQUIRE(peer.send(rtp_packet(97), audio));
  REQUIRE(peer.send(kBye, static_cast<uint16_t>(audio + 1)));
  REQUIRE(peer.send(kBye, static_cast<uint16_t>(video + 1)));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (receiver.packets.size() < 4 && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(10ms);
  }
  REQUIRE(receiver.packets.size() == 4);
  int audio_rtp = 0, video_rtp = 0, byes = 0;
  for (const auto& p : receiver.packets) {
    if (p == rtp_packet(97)) ++audio_rtp;
    if (p == rtp_packet(96)) ++video_rtp;
    if (p == kBye) ++byes;
  }
  CHECK(audio_rtp == 1);
  CHECK(video_rtp == 1);
  CHECK(byes == 2);
  CHECK(events.strays == 0);
  transport.close();
  CHECK_FALSE(udp_port_bound(audio));

  SECTION("an audio port another socket holds fails the start, naming the audio") {
    asio::ip::udp::socket squatter(io, asio::ip::udp::endpoint(asio::ip::udp::v4(), audio));
    client::ListenTransport again(io, options, std::nullopt);
    Receiver r;
    Events e;
    again.pipe_receiver(r);
    again.start(e);
    CHECK(e.failure.find("for the audio on UDP port " + std::to_string(audio)) !=
          std::string::npos);
    CHECK(e.failure.find("--no-audio") != std::string::npos);
  }
}
