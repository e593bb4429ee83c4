// NetworkSource reads the session's in-band description (RTCP APP "FCSD",
// as flowcast-server sends it over its own TCP and UDP) over a real TCP
// connection on loopback: one that does not parse is counted as malformed
// and ignored, the first that does is kept for take_described_audio() (once)
// and tells on_change(), later ones are not read; without describes_in_band
// (an SDP described the session, or --no-audio) none is read.
#include <asio.hpp>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "client/playout/receive_path.hpp"
#include "client/transport/network_source.hpp"
#include "client/transport/tcp_transport.hpp"
#include "common/rtp/rfc4571.hpp"
#include "common/rtp/rtcp.hpp"

using namespace flowcast;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t kServerSsrc = 0x5EED0001;

// The SDP flowcast-server writes for a file with AAC sound (video, audio).
std::string session_sdp(int audio_payload_type) {
  const std::string pt = std::to_string(audio_payload_type);
  return "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=flowcast\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
         "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n"
         "m=audio 0 RTP/AVP " +
         pt + "\r\na=rtpmap:" + pt + " mpeg4-generic/44100/2\r\na=fmtp:" + pt +
         " streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; "
         "indexdeltalength=3; config=1210\r\n";
}

// A report and an APP "FCSD" with `text`, framed as RFC 4571.
void describe(const std::string& text, std::vector<uint8_t>& stream) {
  std::vector<uint8_t> compound;
  common::write_receiver_report({kServerSsrc, {}}, compound);
  REQUIRE(common::write_app({.ssrc = kServerSsrc,
                             .name = common::kAppSessionDescription,
                             .data = {text.begin(), text.end()}},
                            compound));
  REQUIRE(common::frame_rfc4571(compound, stream));
}

void goodbye(std::vector<uint8_t>& stream) {
  std::vector<uint8_t> compound;
  common::write_goodbye(kServerSsrc, "", compound);
  REQUIRE(common::frame_rfc4571(compound, stream));
}

struct Run {
  client::SourceCounters counters;
  std::optional<client::AudioStreamOptions> audio;
  bool taken_twice = false;
  int changes = 0;
};

// A server on loopback that sends `stream` and closes; the source reads it
// to its end.
Run receive(const std::vector<uint8_t>& stream, bool describes_in_band) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  const uint16_t port = acceptor.local_endpoint().port();
  std::thread server([&] {
    asio::ip::tcp::socket peer = acceptor.accept();
    asio::write(peer, asio::buffer(stream));
    peer.shutdown(asio::ip::tcp::socket::shutdown_send);
    std::vector<uint8_t> sink(4096);
    asio::error_code ec;
    while (!ec) peer.read_some(asio::buffer(sink), ec);  // until the client closes
  });
  client::ReceivePath path(client::ReceiveBufferConfig{});
  Run run;
  std::atomic<int> changes{0};
  {
    client::SourceOptions options;
    options.describes_in_band = describes_in_band;
    client::NetworkSource source(
        options, path, std::chrono::steady_clock::now(), [&](asio::io_context& net) {
          return std::make_unique<client::TcpTransport>(net, "127.0.0.1", port, std::nullopt);
        });
    source.on_change([&] { ++changes; });
    source.start();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (source.status() != client::SourceStatus::ended &&
           source.status() != client::SourceStatus::failed &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    CHECK(source.status() == client::SourceStatus::ended);
    run.audio = source.take_described_audio();
    run.taken_twice = source.take_described_audio().has_value();
    source.stop();
    run.counters = source.counters();
  }
  server.join();
  run.changes = changes.load();
  return run;
}

}  // namespace

TEST_CASE("NetworkSource reads the first in-band description that parses, once",
          "[unit][transport][audio]") {
  std::vector<uint8_t> stream;
  describe("not an SDP", stream);
  describe(session_sdp(97), stream);
  describe(session_sdp(98), stream);  // read no more
  goodbye(stream);
  const Run run = receive(stream, true);
  CHECK(run.counters.malformed == 1);
  REQUIRE(run.audio.has_value());
  CHECK(run.audio->payload_type == 97);
  REQUIRE(run.audio->format != nullptr);
  CHECK(std::string(run.audio->format->encoding_name) == "mpeg4-generic");
  CHECK(run.audio->clock_rate == 44100);
  CHECK(run.audio->channels == 2);
  CHECK(run.audio->config == std::vector<uint8_t>{0x12, 0x10});
  CHECK_FALSE(run.taken_twice);
  // Connected, described, ended.
  CHECK(run.changes >= 3);
}

TEST_CASE("NetworkSource reads no in-band description unless asked to",
          "[unit][transport][audio]") {
  std::vector<uint8_t> stream;
  describe("not an SDP", stream);
  describe(session_sdp(97), stream);
  goodbye(stream);
  const Run run = receive(stream, false);
  CHECK(run.counters.malformed == 0);
  CHECK_FALSE(run.audio.has_value());
}

TEST_CASE("an in-band description whose audio has the video's payload type names no audio",
          "[unit][transport][audio]") {
  std::vector<uint8_t> stream;
  describe(session_sdp(96), stream);
  describe(session_sdp(97), stream);  // the first that parsed was the one read
  goodbye(stream);
  const Run run = receive(stream, true);
  CHECK(run.counters.malformed == 0);
  CHECK_FALSE(run.audio.has_value());
}
