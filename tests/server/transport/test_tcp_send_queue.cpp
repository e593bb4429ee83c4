// TcpSendQueue on a real loopback connection: what it writes arrives whole
// and in order, its count follows the kernel, its drain notice comes when a
// client reads, and its close sends everything before the FIN.
#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "common/rtp/rfc4571.hpp"
#include "server/transport/loopback.hpp"
#include "server/transport/tcp_send_queue.hpp"

using namespace flowcast;
using namespace flowcast::server;
using namespace std::chrono_literals;

namespace {

struct Owner : TcpSendQueue::Owner {
  void on_drained() override { ++drained; }
  void on_write_failed(const std::string& reason) override { failed = reason; }
  void on_sent_all() override { ++sent_all; }
  std::shared_ptr<void> keep_alive() override { return nullptr; }
  int drained = 0;
  int sent_all = 0;
  std::string failed;
};

struct Connection {
  explicit Connection(size_t drain_mark, int client_rcvbuf = 0) {
    auto [s, c] = test::tcp_pair(io, client_rcvbuf);
    server.emplace(std::move(s));
    client.emplace(std::move(c));
    queue.emplace(*server, drain_mark, owner);
  }
  asio::io_context io;
  std::optional<asio::ip::tcp::socket> server;
  std::optional<asio::ip::tcp::socket> client;
  Owner owner;
  std::optional<TcpSendQueue> queue;
};

}  // namespace

TEST_CASE("a TCP send queue's bytes arrive whole and in order, counted until written", "[unit]") {
  Connection c(64 * 1024);
  const auto first = test::counting(3000, 1);
  const auto packet = test::counting(500, 9);
  c.queue->write(first);
  // A packet framed in place, behind the first write.
  CHECK(c.queue->write_with(
      [&](std::vector<uint8_t>& out) { return common::frame_rfc4571(packet, out); }));
  // Nothing is counted off before the write's handler runs.
  CHECK(c.queue->queued_bytes() == first.size() + 2 + packet.size());
  std::vector<uint8_t> received;
  REQUIRE(test::run_until(c.io, [&] {
    test::read_waiting(*c.client, received);
    return received.size() >= first.size() + 2 + packet.size();
  }));
  REQUIRE(test::run_until(c.io, [&] { return c.queue->queued_bytes() == 0; }));
  std::vector<uint8_t> expected = first;
  common::frame_rfc4571(packet, expected);
  CHECK(received == expected);
  CHECK(c.owner.drained >= 1);
  CHECK(c.owner.failed.empty());
  // A fill that appends nothing queues nothing.
  CHECK_FALSE(c.queue->write_with([](std::vector<uint8_t>&) { return false; }));
  CHECK(c.queue->queued_bytes() == 0);
}

TEST_CASE("a TCP send queue stays full while its client reads nothing, and drains when it does",
          "[unit]") {
  const size_t mark = 32 * 1024;
  Connection c(mark, 4096);
  c.server->set_option(asio::socket_base::send_buffer_size(4096));
  const auto bytes = test::counting(1024 * 1024);
  for (size_t at = 0; at < bytes.size(); at += 64 * 1024)
    c.queue->write(std::span<const uint8_t>(bytes).subspan(at, 64 * 1024));
  c.io.run_for(200ms);
  // The kernel's buffers hold far less than 1 MiB: the rest waits, counted.
  CHECK(c.queue->queued_bytes() > mark);
  CHECK(c.owner.drained == 0);
  std::vector<uint8_t> received;
  REQUIRE(test::run_until(
      c.io,
      [&] {
        test::read_waiting(*c.client, received);
        return received.size() == bytes.size();
      },
      20s));
  CHECK(received == bytes);
  CHECK(c.queue->queued_bytes() == 0);
  CHECK(c.owner.drained >= 1);
}

TEST_CASE("a TCP send queue closed after its writes sends everything, then the FIN, once",
          "[unit]") {
  Connection c(1024);
  const auto bytes = test::counting(100000, 3);
  c.queue->write(bytes);
  c.queue->close_after_write();
  c.queue->close_after_write();  // idempotent
  CHECK(c.owner.sent_all == 0);  // not before the bytes have left
  std::vector<uint8_t> received;
  bool open = true;
  REQUIRE(test::run_until(c.io, [&] {
    open = test::read_waiting(*c.client, received);
    return !open;  // end of file
  }));
  CHECK(received == bytes);
  CHECK(c.owner.sent_all == 1);
  // The server end still reads: the client's bytes after the FIN arrive.
  const std::vector<uint8_t> late = {1, 2, 3};
  asio::write(*c.client, asio::buffer(late));
  std::array<uint8_t, 3> got{};
  c.server->non_blocking(false);
  asio::read(*c.server, asio::buffer(got));
  CHECK(std::vector<uint8_t>(got.begin(), got.end()) == late);
}

TEST_CASE("a TCP send queue reports a write the client reset as failed; stopped, it writes nothing",
          "[unit]") {
  Connection c(1024);
  // The client goes with an RST (linger 0), its receive window open.
  c.client->set_option(asio::socket_base::linger(true, 0));
  c.client->close();
  const auto chunk = test::counting(64 * 1024);
  REQUIRE(test::run_until(c.io, [&] {
    if (c.owner.failed.empty()) c.queue->write(chunk);
    return !c.owner.failed.empty();
  }));
  c.queue->stop();
  const size_t before = c.queue->queued_bytes();
  c.queue->write(chunk);
  CHECK(c.queue->queued_bytes() == before);
}
