// TcpSessionTransport on a real loopback connection, the test as its
// session (piped the client's RTCP, counting drains): RFC 4571 framing both
// ways, the Writable's backpressure (writes refused past the high-water
// mark, drain once the client has read), the close that sends everything
// first, and the kernel's evidence.
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
    events.start(*transport);
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
  REQUIRE(f.transport->write(test::outbound(a)));
  REQUIRE(f.transport->write(test::outbound(b, 1)));
  CHECK(f.transport->queued_bytes() == a.size() + b.size() + 4);
  REQUIRE(test::run_until(f.io, [&] { return f.packets().size() == 2; }));
  CHECK(f.received[0] == a);
  CHECK(f.received[1] == b);
  REQUIRE(test::run_until(f.io, [&] { return f.transport->queued_bytes() == 0; }));

  // The client's RTCP, framed, split across two writes, is pushed whole into
  // the piped Writable.
  const auto rr = receiver_report();
  std::vector<uint8_t> framed;
  common::frame_rfc4571(rr, framed);
  asio::write(*f.client, asio::buffer(framed.data(), 3));
  f.io.run_for(20ms);
  CHECK(f.events.rtcp.empty());
  asio::write(*f.client, asio::buffer(framed.data() + 3, framed.size() - 3));
  REQUIRE(test::run_until(f.io, [&] { return f.events.rtcp.size() == 1; }));
  CHECK(f.events.rtcp[0] == rr);
  CHECK(f.events.ends == 0);
  CHECK(f.events.drained == 0);  // nothing was refused
}

TEST_CASE(
    "TCP session transport: writes refused past the high-water mark, drain after the "
    "client reads",
    "[unit][transport]") {
  const size_t capacity = 64 * 1024;
  const size_t framed = 1212 + 2;  // one packet below, RFC 4571 framed
  Fixture f(capacity, 4096);
  CHECK(f.transport->high_water_mark() == capacity);
  size_t sent = 0;
  uint16_t sequence = 0;
  bool refused = false;
  while (!refused && sequence < 10000) {
    refused = !f.transport->write(test::outbound(test::rtp_packet(sequence++, 1200)));
    ++sent;  // a refused packet was taken all the same
    f.io.poll();
  }
  REQUIRE(refused);
  // The first write past the mark is the one refused.
  CHECK(f.transport->queued_bytes() > capacity);
  CHECK(f.transport->queued_bytes() <= capacity + framed);
  // A NACK answer's bytes count against the same bound.
  CHECK_FALSE(f.transport->has_room(0));
  // Well past what the kernel's small buffers hold (the session would have
  // stopped at the first refusal; the transport takes what it is given),
  // every write refused, a burst too.
  while (f.transport->queued_bytes() < 16 * capacity) {
    CHECK_FALSE(f.transport->write(test::outbound(test::rtp_packet(sequence++, 1200))));
    ++sent;
  }
  std::vector<OutboundPacket> burst;
  for (int i = 0; i < 4; ++i) burst.push_back(test::outbound(test::rtp_packet(sequence++, 1200)));
  const auto took = f.transport->write_burst(burst);
  CHECK(took.past_mark);
  CHECK(took.packets == 4);
  CHECK(took.bytes == 4 * 1212);
  sent += 4;
  // Nothing is read now: the queue stays past its mark, no drain.
  f.io.run_for(100ms);
  CHECK(f.events.drained == 0);
  CHECK_FALSE(f.transport->has_room(0));
  // The client reads everything: drain, once, in order and whole.
  REQUIRE(test::run_until(
      f.io, [&] { return f.packets().size() == sent; }, 20s));
  REQUIRE(test::run_until(f.io, [&] { return f.transport->queued_bytes() == 0; }));
  CHECK(f.events.drained == 1);
  CHECK(f.transport->has_room(capacity));
  for (size_t i = 0; i < sent; ++i)
    CHECK(f.received[i] == test::rtp_packet(static_cast<uint16_t>(i), 1200));
  // Below the mark again, a write is taken without a refusal, and no drain
  // follows it.
  REQUIRE(f.transport->write(test::outbound(test::rtp_packet(sequence, 1200))));
  REQUIRE(test::run_until(f.io, [&] { return f.packets().size() == sent + 1; }));
  f.io.run_for(20ms);
  CHECK(f.events.drained == 1);
}

TEST_CASE("TCP session transport: close sends the queue, then FIN; the client's close ends it",
          "[unit]") {
  Fixture f;
  const auto last = test::rtp_packet(7, 300);
  REQUIRE(f.transport->write(test::outbound(last)));
  f.transport->end();
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
  CHECK_FALSE(f.transport->write(test::outbound(test::rtp_packet(1, 10))));
  // The client sees the end of the connection.
  REQUIRE(test::run_until(f.io, [&] {
    f.packets();
    return !f.open;
  }));
  CHECK(f.events.closes == 1);
}

TEST_CASE("TCP session transport: released, it pushes no RTCP and refuses writes",
          "[unit][transport]") {
  Fixture f;
  std::vector<uint8_t> framed;
  common::frame_rfc4571(receiver_report(), framed);
  asio::write(*f.client, asio::buffer(framed));
  REQUIRE(test::run_until(f.io, [&] { return f.events.rtcp.size() == 1; }));
  // The session ended: the pipe is cut, and what the client still sends
  // goes nowhere.
  f.transport->release();
  asio::write(*f.client, asio::buffer(framed));
  f.io.run_for(100ms);
  CHECK(f.events.rtcp.size() == 1);
  CHECK_FALSE(f.transport->write(test::outbound(test::rtp_packet(1, 10))));
  CHECK(f.events.drained == 0);
}
