// RtspConnection over a byte stream the test plays the server on: what the
// client writes is kept, and the server's bytes are handed to its reads.
#include <catch2/catch.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/transport/rtsp_byte_stream.hpp"
#include "client/transport/rtsp_connection.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "media/ffmpeg/md5.hpp"

using namespace flowcast;
using namespace flowcast::client;

namespace {

// The server's end, driven by the test.
struct ServerEnd {
  std::vector<uint8_t> written;
  std::deque<std::string> to_send;
  bool ended = false;             // the server closes once to_send is read
  bool closed = false;            // the client closed
  std::function<void()> waiting;  // a read waiting for bytes

  void send(std::string bytes) {
    to_send.push_back(std::move(bytes));
    wake();
  }
  void end() {
    ended = true;
    wake();
  }
  void wake() {
    if (auto w = std::exchange(waiting, nullptr)) w();
  }

  // What the client wrote since the last call, as a server reads it.
  std::vector<common::RtspMessage> requests() {
    common::RtspStreamReader reader;
    std::vector<common::RtspStreamReader::Item> items;
    REQUIRE(reader.feed(written, items));
    written.clear();
    std::vector<common::RtspMessage> out;
    for (auto& item : items) out.push_back(std::get<common::RtspMessage>(item));
    return out;
  }
};

class TestStream : public RtspByteStream {
 public:
  TestStream(asio::io_context& io, ServerEnd& server) : io_(io), server_(server) {}
  void connect(const std::string&, uint16_t, std::chrono::milliseconds,
               ConnectHandler done) override {
    asio::post(io_, [done] { done(""); });
  }
  void read(ReadHandler handler) override {
    asio::post(io_, [this, handler] {
      if (server_.to_send.empty() && !server_.ended) {
        server_.waiting = [this, handler] { read(handler); };
        return;
      }
      if (server_.to_send.empty()) {
        handler({}, asio::error::eof);
        return;
      }
      const std::string bytes = std::move(server_.to_send.front());
      server_.to_send.pop_front();
      handler({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, {});
    });
  }
  void write(std::span<const uint8_t> bytes) override {
    server_.written.insert(server_.written.end(), bytes.begin(), bytes.end());
  }
  size_t pending_write() const override { return 0; }
  void close() override { server_.closed = true; }
  bool is_open() const override { return !server_.closed; }
  int native_handle() override { return -1; }
  asio::ip::address remote_address() const override { return asio::ip::make_address("127.0.0.1"); }

 private:
  asio::io_context& io_;
  ServerEnd& server_;
};

const std::string kUrl = "rtsp://camera.example:8554/live";

// Runs what is ready (poll() stops the context when it runs out of work).
void run(asio::io_context& io) {
  io.restart();
  io.poll();
}

// The value of `key` in a Digest Authorization header.
std::string digest_param(std::string_view header, const std::string& key) {
  const size_t at = header.find(key + "=");
  REQUIRE(at != std::string_view::npos);
  std::string_view rest = header.substr(at + key.size() + 1);
  if (rest.front() == '"') {
    rest.remove_prefix(1);
    return std::string(rest.substr(0, rest.find('"')));
  }
  return std::string(rest.substr(0, rest.find_first_of(", ")));
}

}  // namespace

TEST_CASE("a 401 with a Digest challenge is answered once with the right Authorization", "[unit]") {
  asio::io_context io;
  ServerEnd server;
  RtspConnection connection(std::make_unique<TestStream>(io, server), *common::parse_rtsp_url(kUrl),
                            "viewer", "secret");
  std::optional<int> status;
  connection.connect(std::chrono::seconds(1), [&](const std::string& error) {
    REQUIRE(error.empty());
    connection.request("DESCRIBE", "", {{"Accept", "application/sdp"}},
                       [&](const common::RtspMessage* response) {
                         REQUIRE(response);
                         status = response->status;
                       });
  });
  run(io);
  auto first = server.requests();
  REQUIRE(first.size() == 1);
  CHECK(first[0].method == "DESCRIBE");
  CHECK(first[0].uri == kUrl);
  CHECK_FALSE(first[0].header("Authorization"));

  server.send(
      "RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\n"
      "WWW-Authenticate: Digest realm=\"LIVE555 Streaming Media\", nonce=\"4c1d5b3a\"\r\n\r\n");
  run(io);
  CHECK_FALSE(status);  // the 401 is not the answer: the retry's is
  auto retry = server.requests();
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].method == "DESCRIBE");
  CHECK(retry[0].uri == kUrl);
  CHECK(retry[0].cseq() == 2u);
  const auto authorization = retry[0].header("Authorization");
  REQUIRE(authorization);
  CHECK(authorization->substr(0, 7) == "Digest ");
  CHECK(digest_param(*authorization, "username") == "viewer");
  CHECK(digest_param(*authorization, "realm") == "LIVE555 Streaming Media");
  CHECK(digest_param(*authorization, "nonce") == "4c1d5b3a");
  CHECK(digest_param(*authorization, "uri") == kUrl);
  // RFC 2617 §3.2.2.1 without qop: MD5(HA1:nonce:HA2).
  const std::string ha1 = media::md5_hex("viewer:LIVE555 Streaming Media:secret");
  const std::string ha2 = media::md5_hex("DESCRIBE:" + kUrl);
  CHECK(digest_param(*authorization, "response") == media::md5_hex(ha1 + ":4c1d5b3a:" + ha2));

  // A second 401 is the answer: the credentials were refused.
  server.send(
      "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n"
      "WWW-Authenticate: Digest realm=\"LIVE555 Streaming Media\", nonce=\"5d2e6c4b\"\r\n\r\n");
  run(io);
  CHECK(status == 401);
  CHECK(server.requests().empty());
}

TEST_CASE("answers split anywhere and mixed with interleaved frames reach their handlers",
          "[unit]") {
  asio::io_context io;
  ServerEnd server;
  RtspConnection connection(std::make_unique<TestStream>(io, server), *common::parse_rtsp_url(kUrl),
                            "", "");
  std::vector<int> statuses;
  std::vector<uint8_t> channels;
  connection.on_frame([&](const common::InterleavedFrame& f) { channels.push_back(f.channel); });
  std::optional<std::string> closed;
  connection.on_closed([&](const std::string& error) { closed = error; });
  connection.connect(std::chrono::seconds(1), [&](const std::string&) {
    connection.set_session("5F3A2B1C");
    for (const char* method : {"PLAY", "GET_PARAMETER"})
      connection.request(method, "", {}, [&](const common::RtspMessage* r) {
        REQUIRE(r);
        statuses.push_back(r->status);
      });
  });
  run(io);
  const auto sent = server.requests();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].header("Session") == std::string_view("5F3A2B1C"));
  CHECK(sent[1].cseq() == 2u);

  std::string bytes = "RTSP/1.0 200 OK\r\nCSeq: 1\r\nSession: 5F3A2B1C\r\n\r\n";
  bytes += std::string("$\x00\x00\x02\x80\x60", 6);
  bytes += "OPTIONS * RTSP/1.0\r\nCSeq: 9\r\n\r\n";  // the server's keepalive
  bytes += std::string("$\x01\x00\x00", 4);
  bytes += "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n";
  for (char c : bytes) server.send(std::string(1, c));
  server.end();
  run(io);
  CHECK(statuses == std::vector<int>{200, 200});
  CHECK(channels == std::vector<uint8_t>{0, 1});
  // The server's OPTIONS is answered.
  common::RtspStreamReader reader;
  std::vector<common::RtspStreamReader::Item> items;
  REQUIRE(reader.feed(server.written, items));
  REQUIRE(items.size() == 1);
  const auto& answer = std::get<common::RtspMessage>(items[0]);
  CHECK(answer.is_response);
  CHECK(answer.status == 200);
  CHECK(answer.header("CSeq") == std::string_view("9"));
  // Then the stream ends: the server closed.
  CHECK(closed == std::string());
}

TEST_CASE("a server that sends what is not RTSP fails the requests in flight", "[unit]") {
  asio::io_context io;
  ServerEnd server;
  RtspConnection connection(std::make_unique<TestStream>(io, server), *common::parse_rtsp_url(kUrl),
                            "", "");
  bool failed_request = false;
  std::optional<std::string> closed;
  connection.on_closed([&](const std::string& error) { closed = error; });
  connection.connect(std::chrono::seconds(1), [&](const std::string&) {
    connection.request("OPTIONS", "", {},
                       [&](const common::RtspMessage* r) { failed_request = r == nullptr; });
  });
  server.send("HTTP/1.1 400 Bad Request\r\n\r\n");
  run(io);
  CHECK(failed_request);
  REQUIRE(closed);
  CHECK(closed->find("not RTSP") != std::string::npos);
  CHECK(server.closed);
}
