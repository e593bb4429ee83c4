#include <catch2/catch.hpp>
#include <string>

#include "common/rtsp/rtsp_auth.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "media/ffmpeg/base64.hpp"
#include "media/ffmpeg/md5.hpp"

using namespace flowcast::common;

namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string b64(std::string_view s) {
  return flowcast::media::base64_encode(s);
}
std::string md5(std::string_view s) {
  return flowcast::media::md5_hex(s);
}
const AuthHashes kHashes{&md5, &b64};

}  // namespace

TEST_CASE("RTSP: a request is written and read back, body and all", "[unit][rtsp]") {
  RtspMessage request;
  request.method = "ANNOUNCE";
  request.uri = "rtsp://127.0.0.1:8554/stream";
  request.set_header("CSeq", "7");
  request.set_header("Content-Type", "application/sdp");
  request.body = "v=0\r\n";
  const std::string text = write_rtsp(request);
  CHECK(text.find("Content-Length: 5\r\n") != std::string::npos);
  RtspStreamReader reader;
  std::vector<RtspStreamReader::Item> items;
  // Byte by byte: a message split anywhere is read whole.
  for (char c : text) REQUIRE(reader.feed(bytes(std::string(1, c)), items));
  REQUIRE(items.size() == 1);
  const auto& m = std::get<RtspMessage>(items[0]);
  CHECK_FALSE(m.is_response);
  CHECK(m.method == "ANNOUNCE");
  CHECK(m.uri == "rtsp://127.0.0.1:8554/stream");
  CHECK(m.cseq() == 7u);
  CHECK(m.header("content-type") == "application/sdp");
  CHECK(m.body == "v=0\r\n");
  CHECK(reader.pending() == 0);
}

TEST_CASE("RTSP: a folded header is one value without spaces at either end", "[unit][rtsp]") {
  RtspStreamReader reader;
  std::vector<RtspStreamReader::Item> items;
  REQUIRE(reader.feed(bytes("OPTIONS * RTSP/1.0\nCSeq:\n\t\nSession: 12\n  ;timeout=60\n"
                            "X-Empty:\n \n  \n\n"),
                      items));
  REQUIRE(items.size() == 1);
  const auto& m = std::get<RtspMessage>(items[0]);
  CHECK(m.header("CSeq") == "");  // a server echoes it: it must read back the same
  CHECK(m.header("Session") == "12 ;timeout=60");
  CHECK(m.header("X-Empty") == "");
  std::vector<RtspStreamReader::Item> again;
  RtspStreamReader second;
  REQUIRE(second.feed(bytes(write_rtsp(m)), again));
  REQUIRE(again.size() == 1);
  CHECK(std::get<RtspMessage>(again[0]).headers == m.headers);
}

TEST_CASE("RTSP: responses and interleaved frames share the stream in order", "[unit][rtsp]") {
  std::string stream = "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 1234abcd;timeout=60\r\n\r\n";
  std::vector<uint8_t> frame;
  write_interleaved(1, std::vector<uint8_t>{0x80, 0xC9, 0, 1}, frame);
  stream.append(frame.begin(), frame.end());
  stream += "RTSP/1.0 454 Session Not Found\r\nCSeq: 4\r\n\r\n";
  RtspStreamReader reader;
  std::vector<RtspStreamReader::Item> items;
  REQUIRE(reader.feed(bytes(stream), items));
  REQUIRE(items.size() == 3);
  const auto& ok = std::get<RtspMessage>(items[0]);
  CHECK(ok.is_response);
  CHECK(ok.status == 200);
  CHECK(ok.reason == "OK");
  const auto session = parse_session(*ok.header("Session"));
  REQUIRE(session);
  CHECK(session->id == "1234abcd");
  CHECK(session->timeout_s == 60);
  const auto& f = std::get<InterleavedFrame>(items[1]);
  CHECK(f.channel == 1);
  CHECK(f.data == std::vector<uint8_t>{0x80, 0xC9, 0, 1});
  CHECK(std::get<RtspMessage>(items[2]).status == 454);
}

TEST_CASE("RTSP: what cannot be read is an error, and the reader stays bounded",
          "[unit][rtsp][hostile]") {
  const auto fails = [](const std::string& text, RtspLimits limits = {}) {
    RtspStreamReader reader(limits);
    std::vector<RtspStreamReader::Item> items;
    const bool ok = reader.feed(bytes(text), items);
    INFO(reader.error());
    return !ok && !reader.error().empty() && reader.pending() == 0;
  };
  CHECK(fails("GET / HTTP/1.1\r\n\r\n"));
  CHECK(fails("OPTIONS rtsp://x/ RTSP/1.0\r\nno colon here\r\n\r\n"));
  CHECK(fails("RTSP/1.0 401 Unauthorized\r\n   : a name of blanks\r\n\r\n"));
  CHECK(fails("OPTIONS rtsp://x/ RTSP/1.0\r\nContent-Length: lots\r\n\r\n"));
  CHECK(fails("OPTIONS rtsp://x/ RTSP/1.0\r\nContent-Length: 99999999\r\n\r\n"));
  CHECK(fails("RTSP/1.0 abc OK\r\n\r\n"));
  CHECK(
      fails("OPTIONS rtsp://x/ RTSP/1.0\r\nX: a\x01"
            "b\r\n\r\n"));
  std::string many = "OPTIONS rtsp://x/ RTSP/1.0\r\n";
  for (int i = 0; i < 65; ++i) many += "X-" + std::to_string(i) + ": y\r\n";
  CHECK(fails(many + "\r\n"));
  // A head that never ends is refused once it passes the bound.
  CHECK(fails("OPTIONS rtsp://x/ RTSP/1.0\r\n" + std::string(20000, 'a'),
              RtspLimits{.max_line_bytes = 100000}));
  CHECK(fails("OPTIONS rtsp://x/ RTSP/1.0\r\nX: " + std::string(5000, 'a') + "\r\n\r\n"));
  // Half a message is held, not an error.
  RtspStreamReader reader;
  std::vector<RtspStreamReader::Item> items;
  CHECK(reader.feed(bytes("OPTIONS rtsp://x/ RTSP/1.0\r\nCSeq: 1\r\n"), items));
  CHECK(items.empty());
}

TEST_CASE("RTSP: Transport, RTP-Info and URLs", "[unit][rtsp]") {
  const auto udp =
      parse_transport("RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=1A2B3C4D");
  REQUIRE(udp);
  CHECK_FALSE(udp->tcp);
  CHECK(udp->client_port == std::pair<uint16_t, uint16_t>{5000, 5001});
  CHECK(udp->server_port == std::pair<uint16_t, uint16_t>{6970, 6971});
  CHECK(udp->ssrc == 0x1A2B3C4Du);
  const auto tcp = parse_transport("RTP/AVP/TCP;unicast;interleaved=0-1");
  REQUIRE(tcp);
  CHECK(tcp->tcp);
  CHECK(tcp->interleaved == std::pair<uint8_t, uint8_t>{0, 1});
  CHECK(write_transport(*tcp) == "RTP/AVP/TCP;unicast;interleaved=0-1");
  // The first spec flowcast can use, of several offered.
  const auto specs = parse_transports("RAW/RAW/UDP;unicast, RTP/AVP/TCP;interleaved=2-3");
  REQUIRE(specs.size() == 1);
  CHECK(specs[0].interleaved == std::pair<uint8_t, uint8_t>{2, 3});
  CHECK_FALSE(parse_transport("RTP/AVP;client_port=abc"));

  const auto info = parse_rtp_info("url=rtsp://h/stream/trackID=0;seq=4711;rtptime=123456789");
  REQUIRE(info.size() == 1);
  CHECK(info[0].seq == 4711);
  CHECK(info[0].rtptime == 123456789u);

  const auto url = parse_rtsp_url("rtsp://us%40er:p%3Ass@camera.local:8554/live/main");
  REQUIRE(url);
  CHECK(url->user == "us@er");
  CHECK(url->password == "p:ss");
  CHECK(url->host == "camera.local");
  CHECK(url->port == 8554);
  CHECK(url->path == "/live/main");
  CHECK(url->without_credentials() == "rtsp://camera.local:8554/live/main");
  const auto v6 = parse_rtsp_url("rtsp://[::1]/");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 554);
  CHECK_FALSE(parse_rtsp_url("http://x/"));
  CHECK_FALSE(parse_rtsp_url("rtsp://:554/"));
  CHECK_FALSE(parse_rtsp_url("rtsp://h:0/"));
  CHECK_FALSE(parse_rtsp_url("rtsp://h/a b"));
  CHECK(resolve_control("rtsp://h/s", "trackID=0") == "rtsp://h/s/trackID=0");
  CHECK(resolve_control("rtsp://h/s/", "*") == "rtsp://h/s/");
  CHECK(resolve_control("rtsp://h/s", "rtsp://o/t") == "rtsp://o/t");
}

TEST_CASE("RTSP: Digest answers as RFC 2617's example, Basic as RFC 7617's", "[unit][rtsp]") {
  const auto challenges =
      parse_challenges({"Basic realm=\"WallyWorld\"",
                        "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
                        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                        "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""});
  REQUIRE(challenges.size() == 2);
  REQUIRE(challenges[0].scheme == AuthChallenge::Scheme::digest);
  CHECK(challenges[0].qop_auth);
  const std::string digest = authorization(challenges[0], "Mufasa", "Circle Of Life", "GET",
                                           "/dir/index.html", kHashes, "0a4f113b", 1);
  INFO(digest);
  CHECK(digest.find("response=\"6629fae49393a05397450978507c4ef1\"") != std::string::npos);
  CHECK(digest.find("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"") != std::string::npos);
  CHECK(digest.find("nc=00000001") != std::string::npos);
  REQUIRE(challenges[1].scheme == AuthChallenge::Scheme::basic);
  CHECK(authorization(challenges[1], "Aladdin", "open sesame", "DESCRIBE", "rtsp://x/", kHashes) ==
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  // SHA-256 only is not offered as answerable.
  CHECK(parse_challenges({"Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256"}).empty());
}

TEST_CASE("Range in normal play time: what players send, and what is refused", "[unit][rtsp]") {
  // RFC 2326 §3.6 and §12.29.
  auto open = parse_npt_range("npt=5-");
  REQUIRE(open);
  CHECK(open->start_s == 5.0);
  CHECK_FALSE(open->end_s);
  // ffmpeg writes three decimals; GStreamer may add the end.
  auto both = parse_npt_range("npt=0.000-12.500");
  REQUIRE(both);
  CHECK(both->start_s == 0.0);
  CHECK(both->end_s == 12.5);
  auto clock = parse_npt_range(" npt=1:02:03.5- ;time=19970123T143720Z");
  REQUIRE(clock);
  CHECK(clock->start_s == Approx(3723.5));
  auto now = parse_npt_range("npt=now-");
  REQUIRE(now);
  CHECK_FALSE(now->start_s);
  for (const char* bad :
       {"smpte=10:07:00-10:07:33:05.01", "clock=19961108T142300Z-", "npt=", "npt=5", "npt=-5",
        "npt=abc-", "npt=1e400-", "npt=nan-", "npt=5-now", "npt=1:2:3:4-", "npt=99999999999-"}) {
    INFO(bad);
    CHECK_FALSE(parse_npt_range(bad));
  }
  CHECK(write_npt_range(4, 12) == "npt=4.000-12.000");
  CHECK(write_npt_range(0.5, std::nullopt) == "npt=0.500-");
}

// What a server sends is copied into the next request: it must not be able to
// end the request line or a header early, nor add Digest parameters.
TEST_CASE("RTSP: a control URL and a challenge from the server cannot break the next request",
          "[unit][rtsp][hostile]") {
  // A space or a bare CR in a=control or Content-Base would end the URI.
  CHECK(resolve_control("rtsp://h/s", "track 1\r") == "rtsp://h/s/track%201%0D");
  CHECK(resolve_control("rtsp://h/a b", "*") == "rtsp://h/a%20b");
  CHECK(resolve_control("rtsp://h/s", "rtsp://o/\x01t") == "rtsp://o/%01t");
  CHECK(resolve_control("rtsp://h/s", "caf\xc3\xa9") == "rtsp://h/s/caf%C3%A9");
  // A challenge with a control character in what the answer copies is left out.
  CHECK(parse_challenges({"Digest realm=\"r\rX-Injected: 1\", nonce=\"n\""}).empty());
  CHECK(parse_challenges({"Digest realm=\"r\", nonce=\"n\", opaque=\"a\x7f\""}).empty());
  CHECK(parse_challenges({"Basic realm=\"a\x01\""}).empty());
  // A quote in a realm stays inside it: escaped, and read back the same.
  const auto challenges =
      parse_challenges({R"(Digest realm="a\", uri=\"/elsewhere", nonce="n\\1", opaque="o")"});
  REQUIRE(challenges.size() == 1);
  CHECK(challenges[0].realm == R"(a", uri="/elsewhere)");
  CHECK(challenges[0].nonce == R"(n\1)");
  const std::string answer =
      authorization(challenges[0], "u\"v", "p", "SETUP", "rtsp://h/s", kHashes, "c", 1);
  INFO(answer);
  CHECK(answer.find(R"(realm="a\", uri=\"/elsewhere")") != std::string::npos);
  CHECK(answer.find(R"(username="u\"v")") != std::string::npos);
  const auto back = parse_challenges({answer});
  REQUIRE(back.size() == 1);
  CHECK(back[0].realm == challenges[0].realm);
  CHECK(back[0].nonce == challenges[0].nonce);
  CHECK(back[0].opaque == "o");
}

TEST_CASE("RTSP: within_limits says whether a reader with those limits takes a message",
          "[unit][rtsp][hostile]") {
  RtspMessage m;
  m.method = "SETUP";
  m.uri = resolve_control("rtsp://h/s", "track");
  m.set_header("CSeq", "3");
  CHECK(within_limits(write_rtsp(m), RtspLimits{}));
  // A server's control URL of 2,000 bytes that percent-encode to 6,000.
  m.uri = resolve_control("rtsp://h/s", std::string(2000, '\xc1'));
  const std::string text = write_rtsp(m);
  CHECK_FALSE(within_limits(text, RtspLimits{}));
  RtspStreamReader reader;
  std::vector<RtspStreamReader::Item> items;
  CHECK_FALSE(reader.feed({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, items));
}
