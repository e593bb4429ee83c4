// RtspServerProtocol without a socket: requests go in as bytes, the answers
// come out of a Wire that keeps them, with the real RtspListener (bound on
// loopback, never started) admitting real live RtspSessions, and time
// given by the test.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/rtp/rtcp.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "server/transport/rtsp_listener.hpp"
#include "server/transport/rtsp_server_protocol.hpp"

using namespace flowcast;
using namespace flowcast::server;
using namespace std::chrono_literals;

namespace {

class Host : public SessionHost {
 public:
  void request_keyframe(KeyframeLimiter::Reason) override {}
  void session_ended(const std::shared_ptr<Session>&) override {}
  bool overloaded() const override { return false; }
  void frame_skipped() override {}
  void sent(uint64_t) override {}
};

class KeptWire : public RtspServerProtocol::Wire {
 public:
  void write(std::span<const uint8_t> bytes) override {
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  size_t queued_bytes() const override { return 0; }
  void close_after_write() override { closing = true; }
  void close(const std::string& why) override { reason = why; }

  // What was written since the last call, as the client reads it.
  std::vector<common::RtspStreamReader::Item> read() {
    std::vector<common::RtspStreamReader::Item> items;
    REQUIRE(reader.feed(out, items));
    out.clear();
    return items;
  }
  std::vector<uint8_t> out;
  common::RtspStreamReader reader;
  bool closing = false;
  std::string reason;
};

struct Fixture {
  explicit Fixture(RtspServerConfig config = {})
      : listener(io, asio::ip::make_address("127.0.0.1"), 0, config, host, SessionSource{},
                 [this](Transport, const std::string&, const RtspListener::Make& make) {
                   auto session = make(++admitted);
                   session->begin();
                   return session;
                 }) {
    media::SdpDescription description;
    description.profile_level_id = "42c01e";
    listener.set_description({description});
    protocol = std::make_shared<RtspServerProtocol>(
        listener, wire, asio::ip::make_address("127.0.0.1"), "127.0.0.1:40000", now, [this] {
          char id[17];
          std::snprintf(id, sizeof id, "%016llX", static_cast<unsigned long long>(++ids));
          return std::string(id);
        });
  }
  ~Fixture() { protocol->close("the test ends"); }

  void feed(const std::string& text) {
    protocol->feed({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, now);
  }
  // The one response to what was fed.
  common::RtspMessage answer() {
    auto items = wire.read();
    REQUIRE(items.size() == 1);
    auto* m = std::get_if<common::RtspMessage>(&items[0]);
    REQUIRE(m);
    REQUIRE(m->is_response);
    return *m;
  }

  asio::io_context io;
  Host host;
  uint64_t admitted = 0;
  uint64_t ids = 0;
  RtspListener listener;
  KeptWire wire;
  RtspServerProtocol::Clock::time_point now = RtspServerProtocol::Clock::now();
  std::shared_ptr<RtspServerProtocol> protocol;
};

const std::string kUrl = "rtsp://127.0.0.1:8554/stream";
const std::string kSession = "0000000000000001";

std::string request(const std::string& method, const std::string& uri, int cseq,
                    const std::string& more = "") {
  return method + " " + uri + " RTSP/1.0\r\nCSeq: " + std::to_string(cseq) + "\r\n" + more + "\r\n";
}

}  // namespace

TEST_CASE("an ffmpeg-like session over TCP gets the right answers, in order", "[unit]") {
  Fixture f;
  f.feed(request("OPTIONS", kUrl, 1));
  auto options = f.answer();
  CHECK(options.status == 200);
  CHECK(options.header("CSeq") == std::string_view("1"));
  CHECK(options.header("Public")->find("SETUP") != std::string_view::npos);

  f.feed(request("DESCRIBE", kUrl, 2, "Accept: application/sdp\r\n"));
  auto describe = f.answer();
  CHECK(describe.status == 200);
  CHECK(describe.header("Content-Base") == std::string_view(kUrl + "/"));
  CHECK(describe.header("Content-Type") == std::string_view("application/sdp"));
  CHECK(describe.body.find("a=control:track1") != std::string::npos);

  f.feed(
      request("SETUP", kUrl + "/track1", 3, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
  auto setup = f.answer();
  REQUIRE(setup.status == 200);
  CHECK(setup.header("Session") == std::string_view(kSession + ";timeout=60"));
  const auto transport = common::parse_transport(*setup.header("Transport"));
  REQUIRE(transport);
  CHECK(transport->tcp);
  CHECK(transport->interleaved == std::pair<uint8_t, uint8_t>{0, 1});
  CHECK(f.admitted == 1);

  f.feed(request("PLAY", kUrl + "/", 4, "Session: " + kSession + "\r\nRange: npt=0.000-\r\n"));
  auto play = f.answer();
  CHECK(play.status == 200);
  CHECK(play.header("Range") == std::string_view("npt=now-"));  // live
  const auto info = common::parse_rtp_info(*play.header("RTP-Info"));
  REQUIRE(info.size() == 1);
  CHECK(info[0].url == kUrl + "/track1");
  CHECK(info[0].seq);

  // TEARDOWN: its answer, then the session's BYE on the RTCP channel.
  f.feed(request("TEARDOWN", kUrl + "/", 5, "Session: " + kSession + "\r\n"));
  auto items = f.wire.read();
  REQUIRE(items.size() == 2);
  CHECK(std::get<common::RtspMessage>(items[0]).status == 200);
  const auto& bye = std::get<common::InterleavedFrame>(items[1]);
  CHECK(bye.channel == 1);
  const auto rtcp = common::parse_rtcp(bye.data);
  REQUIRE(rtcp);
  CHECK(rtcp->byes.size() == 1);
  CHECK(f.protocol->session_count() == 0);
}

TEST_CASE("requests split one byte at a time and pipelined are answered in order", "[unit]") {
  Fixture f;
  const std::string stream = request("OPTIONS", kUrl, 7) +
                             request("SETUP", kUrl + "/track1", 8,
                                     "Transport: RTP/AVP;unicast;client_port=41000-41001\r\n") +
                             request("GET_PARAMETER", kUrl, 9, "Session: " + kSession + "\r\n") +
                             request("PAUSE", kUrl, 10, "Session: " + kSession + "\r\n");
  for (char c : stream) f.feed(std::string(1, c));
  const auto items = f.wire.read();
  REQUIRE(items.size() == 4);
  for (int i = 0; i < 4; ++i) {
    const auto& m = std::get<common::RtspMessage>(items[static_cast<size_t>(i)]);
    CHECK(m.status == 200);
    CHECK(m.header("CSeq") == std::string_view(std::to_string(7 + i)));
  }
  const auto transport =
      common::parse_transport(*std::get<common::RtspMessage>(items[1]).header("Transport"));
  REQUIRE(transport);
  CHECK(transport->client_port == std::pair<uint16_t, uint16_t>{41000, 41001});
  CHECK(transport->server_port);
}

TEST_CASE("interleaved RTCP between requests reaches the session, not the answers", "[unit]") {
  Fixture f;
  f.feed(request("SETUP", kUrl, 1, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
  REQUIRE(f.answer().status == 200);
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> rr;
  common::write_receiver_report(common::ReceiverReport{0x5eed, {}}, rr);
  common::write_interleaved(1, rr, bytes);
  const std::string options = request("OPTIONS", kUrl, 2);
  bytes.insert(bytes.end(), options.begin(), options.end());
  f.protocol->feed(bytes, f.now);
  CHECK(f.answer().header("CSeq") == std::string_view("2"));
}

TEST_CASE("the answers name what is wrong with a request", "[unit]") {
  RtspServerConfig config;
  config.allow_udp = false;
  Fixture f(config);
  f.feed(request("PLAY", kUrl, 1, "Session: 0123456789ABCDEF\r\n"));
  CHECK(f.answer().status == 454);
  f.feed(request("SETUP", kUrl, 2, "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"));
  CHECK(f.answer().status == 461);  // UDP is off
  f.feed(request("SETUP", "rtsp://127.0.0.1:8554/other", 3,
                 "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
  CHECK(f.answer().status == 404);
  f.feed(request("SETUP", kUrl, 4, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
  REQUIRE(f.answer().status == 200);
  f.feed(
      request("SETUP", kUrl, 5,
              "Session: " + kSession + "\r\nTransport: RTP/AVP/TCP;unicast;interleaved=2-3\r\n"));
  CHECK(f.answer().status == 459);
  f.feed(request("RECORD", kUrl, 6));
  CHECK(f.answer().status == 405);
  f.feed(request("FLY", kUrl, 7));
  CHECK(f.answer().status == 501);
  f.feed("OPTIONS * RTSP/1.0\r\nUser-Agent: forgot the CSeq\r\n\r\n");
  CHECK(f.answer().status == 400);
  CHECK_FALSE(f.wire.closing);  // a missing CSeq does not end the connection
}

TEST_CASE("a request URI too long to copy into an answer is answered 414", "[unit]") {
  Fixture f;
  f.feed(request("SETUP", kUrl, 1, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
  REQUIRE(f.answer().status == 200);
  // PLAY's RTP-Info would copy it past the line a client reads (RtspLimits).
  const std::string uri = kUrl + "/" + std::string(RtspServerProtocol::kMaxUriBytes, 'a');
  f.feed(request("PLAY", uri, 2, "Session: " + kSession + "\r\n"));
  const auto answer = f.answer();
  CHECK(answer.status == 414);
  CHECK(answer.reason == "Request-URI Too Large");
  f.feed(request("PLAY", kUrl, 3, "Session: " + kSession + "\r\n"));
  CHECK(f.answer().status == 200);
}

TEST_CASE("a stream that is not RTSP is answered 400 and closed; nothing after is read", "[unit]") {
  Fixture f;
  f.feed("GET / HTTP/1.1\r\n\r\n");
  const auto bad = f.answer();
  CHECK(bad.status == 400);
  CHECK_FALSE(bad.header("CSeq"));
  CHECK(f.wire.closing);
  CHECK(f.protocol->closing());
  f.feed(request("OPTIONS", kUrl, 1));
  CHECK(f.wire.out.empty());
}

TEST_CASE("a request begun and not finished within request_timeout closes the connection",
          "[unit]") {
  Fixture f;
  f.feed("OPTIONS " + kUrl + " RTSP/1.0\r\nCSeq: 1\r\n");
  f.protocol->tick(f.now + 9s);
  CHECK_FALSE(f.protocol->closed());
  f.protocol->tick(f.now + 11s);
  CHECK(f.protocol->closed());
  CHECK(f.wire.reason.find("not finished") != std::string::npos);
}

TEST_CASE("a connection without a session and without requests is closed when idle", "[unit]") {
  Fixture f;
  f.feed(request("OPTIONS", kUrl, 1));
  f.answer();
  f.protocol->tick(f.now + 10s);
  CHECK_FALSE(f.protocol->closed());
  f.protocol->tick(f.now + 10s + 1ms);
  CHECK(f.protocol->closed());
}
