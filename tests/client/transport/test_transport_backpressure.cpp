// The client's transport is a Duplex whose reading follows its receiver's
// backpressure: a write() that returns false stops the reading after the
// read in progress, and the receiver's drain starts it again. Over TCP that
// is what holds the sender back (the unread bytes stay in the kernel, the
// window closes). A real TCP connection on loopback, one io_context run by
// the test.
#include <asio.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <vector>

#include "client/transport/tcp_transport.hpp"
#include "common/rtp/rfc4571.hpp"

using namespace flowcast;
using namespace std::chrono_literals;

namespace {

constexpr int kPackets = 300;
constexpr size_t kPacketBytes = 1000;

// Takes packets, and says it is full once `refuse_after` were taken.
struct Receiver : common::Writable<client::ReceivedDatagram> {
  bool write(client::ReceivedDatagram packet) override {
    // Each packet is its index, repeated: in order and whole.
    const bool intact = packet.size() == kPacketBytes &&
                        packet[0] == static_cast<uint8_t>(received) &&
                        packet[kPacketBytes - 1] == static_cast<uint8_t>(received);
    if (!intact) ++damaged;
    ++received;
    if (full_at > 0 && received >= full_at) {
      if (!refused_at) refused_at = received;
      return false;
    }
    return true;
  }
  void end() override { ended = true; }
  void drain() {
    full_at = 0;
    emit_drain();
  }

  int full_at = 0;
  int received = 0;
  int damaged = 0;
  int refused_at = 0;
  bool ended = false;
};

struct Events : client::TransportEvents {
  void on_connected(int) override { connected = true; }
  void on_stray() override {}
  void on_kernel_drops(uint32_t) override {}
  void on_failed(const std::string& m) override { failure = m; }
  void on_read_done() override {
    ++reads;
    // Reads that ended while the receiver was full.
    if (receiver->refused_at && receiver->full_at > 0) ++reads_after_refusal;
  }
  Receiver* receiver = nullptr;
  bool connected = false;
  int reads = 0;
  int reads_after_refusal = 0;
  std::string failure;
};

// Runs handlers until done() or the deadline.
template <typename Done>
void run_until(asio::io_context& io, Done done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(10ms);
  }
}

}  // namespace

TEST_CASE("a TCP transport stops reading when its receiver is full and reads on when it drains",
          "[unit][transport]") {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket peer(io);
  acceptor.async_accept(peer, [](const asio::error_code&) {});

  Receiver receiver;
  receiver.full_at = 10;
  Events events;
  events.receiver = &receiver;
  // A small receive buffer: what is not read stays with the sender.
  client::TcpTransport transport(io, "127.0.0.1", acceptor.local_endpoint().port(), 16384);
  transport.pipe_receiver(receiver);
  transport.start(events);
  run_until(
      io, [&] { return events.connected && peer.is_open(); }, 3s);
  REQUIRE(events.connected);
  REQUIRE(peer.is_open());

  // 300 packets of 1000 bytes, RFC 4571 framed: more than the kernel holds.
  std::vector<uint8_t> stream;
  for (int i = 0; i < kPackets; ++i) {
    std::vector<uint8_t> packet(kPacketBytes, static_cast<uint8_t>(i));
    REQUIRE(common::frame_rfc4571(packet, stream));
  }
  bool written = false;
  asio::async_write(peer, asio::buffer(stream),
                    [&](const asio::error_code& e, size_t) { written = !e; });

  run_until(
      io, [&] { return receiver.refused_at > 0; }, 3s);
  REQUIRE(receiver.refused_at == 10);
  // Given time, nothing more is read: the read in progress ended, and no
  // other began. The sender is held back by the window.
  run_until(
      io, [] { return false; }, 300ms);
  CHECK(events.reads_after_refusal == 1);
  // At most the one read of 64 KiB went past the refusal.
  CHECK(receiver.received < receiver.refused_at + 66);

  // Drained: it reads on, to the last packet, in order and whole.
  receiver.drain();
  run_until(
      io, [&] { return receiver.received == kPackets; }, 5s);
  CHECK(receiver.received == kPackets);
  CHECK(receiver.damaged == 0);
  CHECK(written);
  CHECK(events.reads_after_refusal == 1);
  CHECK(events.reads > 2);
  CHECK(events.failure.empty());

  // The peer's end of file ends the receiver.
  peer.close();
  run_until(
      io, [&] { return receiver.ended; }, 3s);
  CHECK(receiver.ended);
}

TEST_CASE("a TCP transport's RTCP is written framed, and refused before it is connected",
          "[unit][transport]") {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket peer(io);
  acceptor.async_accept(peer, [](const asio::error_code&) {});
  Receiver receiver;
  Events events;
  events.receiver = &receiver;
  client::TcpTransport transport(io, "127.0.0.1", acceptor.local_endpoint().port(), std::nullopt);
  transport.pipe_receiver(receiver);
  CHECK_FALSE(transport.write(client::RtcpPacket{0x80, 0xC9, 0x00, 0x01, 1, 2, 3, 4}));
  transport.start(events);
  run_until(
      io, [&] { return events.connected && peer.is_open(); }, 3s);
  REQUIRE(events.connected);

  const client::RtcpPacket rr{0x80, 0xC9, 0x00, 0x01, 1, 2, 3, 4};
  CHECK(transport.write(rr));
  std::vector<uint8_t> got(rr.size() + 2);
  bool read = false;
  asio::async_read(peer, asio::buffer(got), [&](const asio::error_code& e, size_t) { read = !e; });
  run_until(
      io, [&] { return read; }, 3s);
  REQUIRE(read);
  CHECK(got[0] == 0);
  CHECK(got[1] == rr.size());
  CHECK(std::vector<uint8_t>(got.begin() + 2, got.end()) == rr);
}
