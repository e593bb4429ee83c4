// The test support's UdpJitterLink on its own, with plain sockets on both
// sides: it relays both ways, holds the server's RTP by the jitter while the
// jittery phase lasts and keeps it in order, then adds nothing, and drops
// past its queue's cap.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "support/udp_jitter_link.hpp"
#include "support/udp_peer.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// One UDP socket on 127.0.0.1, blocking reads with a deadline. Test thread only.
class Socket {
 public:
  Socket() : fd_(socket(AF_INET, SOCK_DGRAM, 0)) {
    const sockaddr_in any = loopback(0);
    bind(fd_, reinterpret_cast<const sockaddr*>(&any), sizeof any);
  }
  ~Socket() { close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  uint16_t port() const {
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    return ntohs(addr.sin_port);
  }
  bool send_to(const std::vector<uint8_t>& d, const sockaddr_in& to) const {
    return sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) ==
           static_cast<ssize_t>(d.size());
  }
  // The next datagram and who sent it, or nothing by `timeout`.
  std::optional<std::vector<uint8_t>> receive(std::chrono::milliseconds timeout,
                                              sockaddr_in* from = nullptr) const {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    std::vector<uint8_t> d(2048);
    sockaddr_in sender{};
    socklen_t len = sizeof sender;
    const ssize_t n =
        recvfrom(fd_, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&sender), &len);
    if (n < 0) return std::nullopt;
    d.resize(static_cast<size_t>(n));
    if (from) *from = sender;
    return d;
  }

 private:
  int fd_;
};

// An RTP packet (version 2, payload type 96) with sequence number `seq` that
// carries its send time.
std::vector<uint8_t> rtp_packet(uint16_t seq) {
  std::vector<uint8_t> d = {
      0x80, 96, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0, 0, 0, 0, 0, 0, 0, 1};
  const int64_t sent = Clock::now().time_since_epoch().count();
  d.resize(d.size() + sizeof sent);
  std::memcpy(d.data() + 12, &sent, sizeof sent);
  return d;
}
uint16_t sequence(const std::vector<uint8_t>& d) {
  return static_cast<uint16_t>(d[2] << 8 | d[3]);
}
// How long the packet took from the server's socket to the client's, ms.
double transit_ms(const std::vector<uint8_t>& d) {
  int64_t sent = 0;
  std::memcpy(&sent, d.data() + 12, sizeof sent);
  return std::chrono::duration<double, std::milli>(Clock::now() -
                                                   Clock::time_point(Clock::duration(sent)))
      .count();
}

struct Transits {
  std::vector<double> ms;
  bool in_order = true;
  double mean() const {
    double sum = 0;
    for (double m : ms) sum += m;
    return ms.empty() ? 0 : sum / static_cast<double>(ms.size());
  }
  double max() const { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }
};

// The server sends `count` RTP packets from `first`, 5 ms apart, to the
// link's address `link`; the client reads them. Stops at the first missing.
Transits stream(const Socket& server, const sockaddr_in& link, const Socket& client, uint16_t first,
                int count) {
  Transits t;
  std::vector<std::vector<uint8_t>> got;
  auto next = Clock::now();
  for (int i = 0; i < count; ++i) {
    REQUIRE(server.send_to(rtp_packet(static_cast<uint16_t>(first + i)), link));
    next += 5ms;  // a sender's pace; the client reads meanwhile
    while (Clock::now() < next) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now());
      if (auto d = client.receive(left)) {
        t.ms.push_back(transit_ms(*d));
        got.push_back(*d);
      }
    }
  }
  while (got.size() < static_cast<size_t>(count)) {
    auto d = client.receive(2000ms);
    if (!d) break;
    t.ms.push_back(transit_ms(*d));
    got.push_back(*d);
  }
  for (size_t i = 0; i < got.size(); ++i)
    if (sequence(got[i]) != static_cast<uint16_t>(first + i)) t.in_order = false;
  return t;
}

}  // namespace

TEST_CASE(
    "udp jitter link: relays both ways and jitters in order while jittery and no longer after",
    "[integration][udp_jitter_link]") {
  Socket server;
  UdpJitterLink link({.server_port = server.port(),
                      .jitter = 40ms,
                      .jittery_for = 700ms,
                      .seed = 29,
                      .queue_cap = 4096});
  Socket client;
  const sockaddr_in link_client_side = loopback(link.port());
  REQUIRE(link.jittery());

  // The client speaks first (flowcast's HELLO): at once to the server, from
  // the link's own socket, which the server answers.
  REQUIRE(client.send_to({'F', 'C', 'H', '1'}, link_client_side));
  sockaddr_in link_server_side{};
  const auto hello = server.receive(2000ms, &link_server_side);
  REQUIRE(hello);
  CHECK(*hello == std::vector<uint8_t>{'F', 'C', 'H', '1'});
  CHECK(ntohs(link_server_side.sin_port) != link.port());

  // 60 packets over 300 ms, all in the jittery phase: each held max(0, u),
  // u uniform in ±40 ms, and held behind the one ahead of it.
  const Transits jittery = stream(server, link_server_side, client, 1000, 60);
  REQUIRE(jittery.ms.size() == 60);
  CHECK(jittery.in_order);
  INFO("jittery: mean " << jittery.mean() << " ms, max " << jittery.max() << " ms");
  CHECK(jittery.mean() > 8.0);
  CHECK(jittery.max() > 25.0);
  // No packet is held past the jitter (what more there is is the machine's).
  CHECK(jittery.max() < 40.0 + 60.0);

  // The phase ends 700 ms after the HELLO; then nothing is added.
  REQUIRE(wait_until([&] { return !link.jittery(); }, 5000ms));
  const Transits clean = stream(server, link_server_side, client, 2000, 30);
  REQUIRE(clean.ms.size() == 30);
  CHECK(clean.in_order);
  INFO("clean: mean " << clean.mean() << " ms, max " << clean.max() << " ms");
  CHECK(clean.mean() < 5.0);
  CHECK(clean.mean() < jittery.mean() / 2);

  const JitterLinkCounts counts = link.counts();
  CHECK(counts.to_server == 1);
  CHECK(counts.to_client == 90);
  CHECK(counts.jittered == 60);
  CHECK(counts.held > 10);
  CHECK(counts.dropped == 0);
  CHECK(counts.longest_hold <= 40ms);
}

TEST_CASE("udp jitter link: past its queue cap it drops the newest",
          "[integration][udp_jitter_link]") {
  Socket server;
  UdpJitterLink link({.server_port = server.port(),
                      .jitter = 300ms,
                      .jittery_for = 10s,
                      .seed = 4,
                      .queue_cap = 4});
  Socket client;
  REQUIRE(client.send_to({'F', 'C', 'H', '1'}, loopback(link.port())));
  sockaddr_in link_server_side{};
  REQUIRE(server.receive(2000ms, &link_server_side));
  // 40 packets at once: held 150 ms on average, and each behind the one
  // ahead, so the queue is full long before the first leaves.
  for (uint16_t seq = 0; seq < 40; ++seq)
    REQUIRE(server.send_to(rtp_packet(seq), link_server_side));
  int received = 0;
  while (client.receive(1000ms)) ++received;
  const JitterLinkCounts counts = link.counts();
  INFO("received " << received << ", dropped " << counts.dropped);
  CHECK(counts.dropped > 0);
  CHECK(received < 40);
  CHECK(counts.to_client + counts.dropped == 40);
  CHECK(counts.to_client == static_cast<uint64_t>(received));
}
