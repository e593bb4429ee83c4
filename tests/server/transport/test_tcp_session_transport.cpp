// TcpSessionTransport on a real loopback connection, the test as its
// session: RFC 4571 framing both ways, the send queue's bound as
// backpressure, the close that sends everything first, and the kernel's
// evidence.
#include <catch2/catch.hpp>
#include <optional>

#include "common/rtp/rfc4571.hpp"
#include "common/rtp/rtcp.hpp"
#include "server/transport/loopback.hpp"
#include "server/transport/tcp_session_transport.hpp"
#include "server/transport/transport_events.hpp"

using namespace flowcast;
using namespace flowcast::server;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  explicit Fixture(size_t capacity = 256 * 1024, int client_rcvbuf = 0) {
    auto [server, c] = test::tcp_pair(io, client_rcvbuf);
    client.emplace(std::move(c));
    if (client_rcvbuf > 0) server.set_option(asio::socket_base::send_buffer_size(client_rcvbuf));
    transport = std::make_shared<TcpSessionTransport>(io, std::move(server), capacity);
    transport->start(events);
  }
  ~Fixture() { transport->release(); }
  // The packets the client has read so far, deframed.
  std::vector<std::vector<uint8_t>> packets() {
    std::vector<uint8_t> bytes;
    open = test::read_waiting(*client, bytes);
    deframer.feed(bytes,
                  [&](std::span<const uint8_t> p) { received.emplace_back(p.begin(), p.end()); });
    return received;
  }
  asio::io_context io;
  std::optional<asio::ip::tcp::socket> client;
  test::TransportEvents events;
  std::shared_ptr<TcpSessionTransport> transport;
  common::Rfc4571Deframer deframer;
  std::vector<std::vector<uint8_t>> received;
  bool open = true;
};

std::vector<uint8_t> receiver_report() {
  std::vector<uint8_t> rr;
  common::write_receiver_report(common::ReceiverReport{0x5eed, {}}, rr);
  return rr;
}

}  // namespace

TEST_CASE("TCP session transport: packets leave framed as in RFC 4571, RTCP comes back whole",
          "[unit]") {
  Fixture f;
  CHECK(f.transport->peer().rfind("127.0.0.1:", 0) == 0);
  CHECK(f.transport->traits().kind == Transport::tcp);
  CHECK(f.transport->traits().framing_bytes == 2);
  const auto a = test::rtp_packet(1, 1000);
  const auto b = test::rtp_packet(2, 10);
  REQUIRE(f.transport->send(std::vector<uint8_t>(a)));
  REQUIRE(f.transport->send(std::vector<uint8_t>(b)));
  CHECK(f.transport->queued_bytes() == a.size() + b.size() + 4);
  REQUIRE(test::run_until(f.io, [&] { return f.packets().size() == 2; }));
  CHECK(f.received[0] == a);
  CHECK(f.received[1] == b);
  REQUIRE(test::run_until(f.io, [&] { return f.transport->queued_bytes() == 0; }));

  // The client's RTCP, framed, split across two writes.
  const auto rr = receiver_report();
  std::vector<uint8_t> framed;
  common::frame_rfc4571(rr, framed);
  asio::write(*f.client, asio::buffer(framed.data(), 3));
  f.io.run_for(20ms);
  CHECK(f.events.rtcp.empty());
  asio::write(*f.client, asio::buffer(framed.data() + 3, framed.size() - 3));
  REQUIRE(test::run_until(f.io, [&] { return f.events.rtcp.size() == 1; }));
  CHECK(f.events.rtcp[0] == rr);
}

TEST_CASE("TCP session transport: held back past its capacity, drained when the client reads",
          "[unit]") {
  const size_t capacity = 64 * 1024;
  Fixture f(capacity, 4096);
  size_t sent = 0;
  uint16_t sequence = 0;
  while (!f.transport->held_back(0) && sequence < 10000) {
    REQUIRE(f.transport->send(test::rtp_packet(sequence++, 1200)));
    ++sent;
    f.io.poll();
  }
  REQUIRE(f.transport->held_back(0));
  // A NACK answer's bytes count against the same bound.
  CHECK(f.transport->held_back(capacity));
  // Well past what the kernel's small buffers hold (the session would have
  // stopped at the bound; the transport takes what it is given).
  while (f.transport->queued_bytes() < 16 * capacity) {
    REQUIRE(f.transport->send(test::rtp_packet(sequence++, 1200)));
    ++sent;
  }
  // Nothing is read now: the queue stays past its mark, no drain notice.
  f.events.drained = 0;
  f.io.run_for(100ms);
  CHECK(f.events.drained == 0);
  CHECK(f.transport->held_back(0));
  REQUIRE(test::run_until(
      f.io, [&] { return f.packets().size() == sent; }, 20s));
  CHECK(f.events.drained >= 1);
  CHECK_FALSE(f.transport->held_back(0));
  for (size_t i = 0; i < sent; ++i)
    CHECK(f.received[i] == test::rtp_packet(static_cast<uint16_t>(i), 1200));
}

TEST_CASE("TCP session transport: close sends the queue, then FIN; the client's close ends it",
          "[unit]") {
  Fixture f;
  const auto last = test::rtp_packet(7, 300);
  REQUIRE(f.transport->send(std::vector<uint8_t>(last)));
  f.transport->close();
  REQUIRE(test::run_until(f.io, [&] {
    f.packets();
    return !f.open;  // the FIN, after the packet
  }));
  REQUIRE(f.received.size() == 1);
  CHECK(f.received[0] == last);
  // Still reading after its FIN: the client's last RTCP arrives.
  std::vector<uint8_t> framed;
  common::frame_rfc4571(receiver_report(), framed);
  asio::write(*f.client, asio::buffer(framed));
  REQUIRE(test::run_until(f.io, [&] { return f.events.rtcp.size() == 1; }));
  CHECK_FALSE(f.events.closed);
  f.client->close();
  REQUIRE(test::run_until(f.io, [&] { return f.events.closed.has_value(); }));
  CHECK(*f.events.closed == "client closed the connection");
  CHECK(f.events.closes == 1);
}

TEST_CASE("TCP session transport: abort closes at once; evidence comes every 100 ms", "[unit]") {
  Fixture f;
  REQUIRE(test::run_until(
      f.io, [&] { return f.events.evidence >= 2; }, 2s));
  f.transport->abort("no RTCP from the client for 5 s");
  REQUIRE(f.events.closed);
  CHECK(*f.events.closed == "no RTCP from the client for 5 s");
  CHECK_FALSE(f.transport->send(test::rtp_packet(1, 10)));
  // The client sees the end of the connection.
  REQUIRE(test::run_until(f.io, [&] {
    f.packets();
    return !f.open;
  }));
  CHECK(f.events.closes == 1);
}
