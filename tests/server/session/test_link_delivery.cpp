// LinkDelivery without running its timer: what leaves at once, what waits,
// and that the BYE's turn comes only behind what is still crossing the link.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "server/session/link_delivery.hpp"

using namespace flowcast;
using namespace flowcast::server;
using namespace std::chrono_literals;
using Clock = LinkDelivery::Clock;
using Packet = LinkDelivery::Packet;

namespace {

// The transport: keeps the bursts it is handed.
class Bursts : public LinkDelivery::Sink {
 public:
  std::vector<std::vector<Packet>> sent;

  void send_burst(std::span<Packet> packets) override {
    sent.emplace_back(std::make_move_iterator(packets.begin()),
                      std::make_move_iterator(packets.end()));
  }
  void send_control(Packet&& packet) override {
    sent.push_back({std::move(packet)});
    ++controls;
  }
  std::shared_ptr<void> keep_alive() override { return nullptr; }
  size_t controls = 0;
  // Every packet handed over, in the order it was.
  std::vector<Packet> in_order() const {
    std::vector<Packet> all;
    for (const auto& burst : sent) all.insert(all.end(), burst.begin(), burst.end());
    return all;
  }
};

Packet packet(uint8_t tag) {
  return Packet(std::vector<uint8_t>(100, tag));
}

}  // namespace

TEST_CASE("LinkDelivery without emulation: packets due now leave in one burst",
          "[unit][server][link]") {
  asio::io_context io;
  Bursts transport;
  LinkDelivery delivery(io, common::LinkConfig{}, transport);
  const auto now = Clock::now();
  delivery.route(packet(1), now);
  delivery.route(packet(2), now - 1ms);
  CHECK(transport.sent.empty());
  delivery.flush();
  REQUIRE(transport.sent.size() == 1);
  CHECK(transport.sent[0] == std::vector<Packet>{packet(1), packet(2)});
  delivery.flush();  // nothing more
  CHECK(transport.sent.size() == 1);
  bool bye = false;
  delivery.after_crossing([&] { bye = true; });
  CHECK(bye);  // nothing crossing: at once
  CHECK(delivery.counters().offered == 0);
  CHECK_FALSE(delivery.blocked_until(1200, now));
}

TEST_CASE("LinkDelivery: a packet paced for later waits, and so does all behind it",
          "[unit][server][link][pacing]") {
  asio::io_context io;
  Bursts transport;
  LinkDelivery delivery(io, common::LinkConfig{}, transport);
  const auto now = Clock::now();
  delivery.route(packet(1), now + 10s);
  // Due now, but queued behind a packet still waiting: it keeps its place.
  delivery.route(packet(2), now);
  delivery.flush();
  CHECK(transport.sent.empty());
  bool bye = false;
  delivery.after_crossing([&] { bye = true; });
  CHECK_FALSE(bye);
  delivery.close();
}

TEST_CASE("LinkDelivery: a packet offered for earlier never overtakes one offered before it",
          "[unit][server][link][pacing]") {
  // A live frame that comes while the last frame's paced bursts still wait:
  // its packets, due now, leave behind them (RTP sequence order is send order).
  asio::io_context io;
  Bursts transport;
  LinkDelivery delivery(io, common::LinkConfig{}, transport);
  const auto now = Clock::now();
  delivery.route(packet(1), now + 20ms);
  delivery.route(packet(2), now + 40ms);
  delivery.route(packet(3), now);
  delivery.route(packet(4), now + 1ms);
  delivery.flush();
  CHECK(transport.sent.empty());
  io.run();
  CHECK(transport.in_order() == std::vector<Packet>{packet(1), packet(2), packet(3), packet(4)});
}

TEST_CASE("LinkDelivery: RTCP leaves behind the media offered before it, as control",
          "[unit][server][link][rtcp]") {
  asio::io_context io;
  Bursts transport;
  SECTION("no emulation, nothing waiting: at once, after the burst collected") {
    LinkDelivery delivery(io, common::LinkConfig{}, transport);
    delivery.route(packet(1), Clock::now());
    delivery.control(packet(9), Clock::now());
    REQUIRE(transport.sent.size() == 2);
    CHECK(transport.sent[0] == std::vector<Packet>{packet(1)});
    CHECK(transport.sent[1] == std::vector<Packet>{packet(9)});
    CHECK(transport.controls == 1);
  }
  SECTION("behind a paced burst still waiting") {
    LinkDelivery delivery(io, common::LinkConfig{}, transport);
    const auto now = Clock::now();
    delivery.route(packet(1), now + 20ms);
    delivery.control(packet(9), now);
    CHECK(transport.sent.empty());
    io.run();
    CHECK(transport.in_order() == std::vector<Packet>{packet(1), packet(9)});
    CHECK(transport.controls == 1);
  }
  SECTION("across an emulated delay, no earlier than the media") {
    common::LinkConfig delayed;
    delayed.delay = std::chrono::milliseconds(30);
    LinkDelivery delivery(io, delayed, transport);
    const auto start = Clock::now();
    delivery.route(packet(1), start);
    delivery.control(packet(9), start);
    delivery.flush();
    CHECK(transport.sent.empty());  // both cross the link's delay
    io.run();
    CHECK(Clock::now() - start >= 30ms);
    CHECK(transport.in_order() == std::vector<Packet>{packet(1), packet(9)});
    CHECK(delivery.counters().offered == 1);  // RTCP is not counted as media
  }
}

TEST_CASE("LinkDelivery with emulation: every packet crosses the link, lost ones are gone",
          "[unit][server][link]") {
  asio::io_context io;
  Bursts transport;
  common::LinkConfig lossy;
  lossy.loss_percent = 100;
  LinkDelivery udp(io, lossy, transport);
  const auto now = Clock::now();
  for (uint8_t i = 0; i < 10; ++i) udp.route(packet(i), now);
  udp.flush();
  CHECK(transport.sent.empty());
  CHECK(udp.counters().offered == 10);
  CHECK(udp.counters().dropped_loss == 10);
  bool bye = false;
  udp.after_crossing([&] { bye = true; });
  CHECK(bye);  // nothing is crossing: the BYE need not wait

  // A bottleneck over TCP holds the sender back instead of dropping.
  common::LinkConfig capped;
  capped.rate_bps = 1'000'000;
  capped.queue = 10ms;
  capped.reliable = true;
  LinkDelivery tcp(io, capped, transport);
  for (uint8_t i = 0; i < 20; ++i) tcp.route(packet(i), now);
  CHECK(tcp.counters().dropped_queue == 0);
  const auto room = tcp.blocked_until(1200, now);
  REQUIRE(room);
  CHECK(*room > now);
  tcp.close();
}
