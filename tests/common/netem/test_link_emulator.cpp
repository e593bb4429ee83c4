// The link emulator's decisions, on simulated time: no sleeps, no sockets.
#include <catch2/catch.hpp>

#include "common/netem/link_emulator.hpp"

using namespace flowcast::common;
using namespace std::chrono_literals;
using TimePoint = LinkEmulator::TimePoint;

namespace {
const TimePoint kT0 = TimePoint{} + std::chrono::hours(1);
}

TEST_CASE("the bottleneck's rate is accurate within 2% over 10 s", "[unit][link]") {
  LinkConfig cfg;
  cfg.rate_bps = 2'000'000;
  cfg.queue = 200ms;
  LinkEmulator link(cfg);
  // Offer far more than the rate: 1200 bytes every millisecond (9.6 Mbit/s).
  int64_t delivered_bytes = 0;
  for (int ms = 0; ms < 10'000; ++ms) {
    auto out = link.offer(1200, kT0 + std::chrono::milliseconds(ms));
    if (!out.dropped && out.deliver_at <= kT0 + 10s) delivered_bytes += 1200;
  }
  const double rate = static_cast<double>(delivered_bytes) * 8 / 10.0;
  CHECK(rate == Approx(2'000'000).epsilon(0.02));
  CHECK(link.counters().dropped_queue > 0);
}

TEST_CASE("a full queue drops exactly the packets beyond it", "[unit][link]") {
  LinkConfig cfg;
  cfg.rate_bps = 1'000'000;  // 1200 bytes take 9.6 ms
  cfg.queue = 100ms;         // room for 10 of them (10 x 9.6 = 96 ms)
  LinkEmulator link(cfg);
  int accepted = 0;
  for (int i = 0; i < 30; ++i) {
    auto out = link.offer(1200, kT0);
    if (!out.dropped) {
      ++accepted;
      CHECK(out.deliver_at == kT0 + std::chrono::microseconds(9600 * accepted));
    }
  }
  CHECK(accepted == 10);
  CHECK(link.counters().dropped_queue == 20);
  // Once the queue has drained, packets pass again.
  CHECK_FALSE(link.offer(1200, kT0 + 200ms).dropped);
}

TEST_CASE("over TCP a full queue blocks the sender instead of dropping", "[unit][link]") {
  LinkConfig cfg;
  cfg.rate_bps = 1'000'000;
  cfg.queue = 100ms;
  cfg.reliable = true;
  LinkEmulator link(cfg);
  int offered = 0;
  while (!link.would_block(1200, kT0)) {
    CHECK_FALSE(link.offer(1200, kT0).dropped);
    ++offered;
  }
  CHECK(offered == 10);
  const TimePoint room = link.room_at(1200, kT0);
  CHECK(room > kT0);
  CHECK_FALSE(link.would_block(1200, room));
  CHECK(link.would_block(1200, room - 1ms));
  CHECK(link.counters().dropped_queue == 0);
}

namespace {
struct LossRun {
  double rate = 0;
  double mean_burst = 0;
};
LossRun run_loss(double percent, double burst, uint64_t seed, int n = 100'000) {
  LinkConfig cfg;
  cfg.loss_percent = percent;
  cfg.burst = burst;
  cfg.seed = seed;
  LinkEmulator link(cfg);
  int lost = 0, bursts = 0;
  bool in_burst = false;
  for (int i = 0; i < n; ++i) {
    const bool dropped = link.offer(1200, kT0 + std::chrono::microseconds(i * 100)).dropped;
    if (dropped) {
      ++lost;
      if (!in_burst) ++bursts;
    }
    in_burst = dropped;
  }
  return {100.0 * lost / n, bursts ? static_cast<double>(lost) / bursts : 0.0};
}
}  // namespace

TEST_CASE("random loss hits its rate within 0.3 points over 100,000 packets", "[unit][link]") {
  for (double p : {1.0, 2.0, 5.0, 10.0}) {
    auto r = run_loss(p, 0, 7);
    INFO("setting " << p << "%, measured " << r.rate << "%");
    CHECK(std::abs(r.rate - p) <= 0.3);
    // Independent losses: bursts are short (mean 1 / (1 - p)).
    CHECK(r.mean_burst == Approx(1.0 / (1.0 - p / 100.0)).epsilon(0.05));
  }
}

TEST_CASE("bursty loss keeps its rate and its mean burst length", "[unit][link]") {
  for (double burst : {2.0, 4.0, 8.0}) {
    // Bursts make the count vary more: a million packets hold ~0.3 points.
    auto r = run_loss(5.0, burst, 11, 1'000'000);
    INFO("burst " << burst << ": rate " << r.rate << "%, mean burst " << r.mean_burst);
    CHECK(std::abs(r.rate - 5.0) <= 0.3);
    CHECK(r.mean_burst == Approx(burst).epsilon(0.1));
  }
}

TEST_CASE("over TCP a loss is a delay: one RTO, and everything behind it waits", "[unit][link]") {
  LinkConfig cfg;
  cfg.loss_percent = 10;
  cfg.delay = 10ms;
  cfg.reliable = true;
  LinkEmulator link(cfg);
  TimePoint last{};
  int late = 0;
  for (int i = 0; i < 5000; ++i) {
    const TimePoint now = kT0 + std::chrono::milliseconds(i);
    auto out = link.offer(1200, now);
    REQUIRE_FALSE(out.dropped);
    CHECK(out.deliver_at >= last);  // in order, always
    if (out.deliver_at - now >= 10ms + kTcpRetransmissionTimeout) ++late;
    last = out.deliver_at;
  }
  CHECK(link.counters().dropped_loss == 0);
  CHECK(link.counters().retransmitted > 400);
  CHECK(link.counters().retransmitted < 600);
  // Packets behind a retransmission are late too: more late than lost.
  CHECK(late > static_cast<int>(link.counters().retransmitted));
}

TEST_CASE("the same seed gives the same decisions", "[unit][link]") {
  LinkConfig cfg;
  cfg.rate_bps = 3'000'000;
  cfg.queue = 50ms;
  cfg.jitter = 5ms;
  cfg.delay = 20ms;
  cfg.loss_percent = 3;
  cfg.burst = 3;
  cfg.reorder_percent = 2;
  cfg.duplicate_percent = 1;
  auto decisions = [&](uint64_t seed) {
    cfg.seed = seed;
    LinkEmulator link(cfg);
    std::vector<int64_t> out;
    for (int i = 0; i < 20'000; ++i) {
      auto o = link.offer(1000 + i % 200, kT0 + std::chrono::microseconds(i * 500));
      out.push_back(o.dropped ? -1 : (o.deliver_at - kT0).count());
      out.push_back(o.duplicate_at ? 1 : 0);
    }
    return out;
  };
  CHECK(decisions(42) == decisions(42));
  CHECK(decisions(42) != decisions(43));
}

TEST_CASE("packets overtake one another only with reorder set", "[unit][link]") {
  auto overtakes = [](double reorder) {
    LinkConfig cfg;
    cfg.delay = 30ms;
    cfg.jitter = 20ms;
    cfg.reorder_percent = reorder;
    LinkEmulator link(cfg);
    TimePoint latest{};
    int count = 0;
    for (int i = 0; i < 10'000; ++i) {
      auto o = link.offer(1200, kT0 + std::chrono::milliseconds(i));
      if (o.dropped) continue;
      if (o.deliver_at < latest) ++count;
      latest = std::max(latest, o.deliver_at);
    }
    return count;
  };
  CHECK(overtakes(0) == 0);
  CHECK(overtakes(5) > 100);
}

TEST_CASE("duplicates arrive twice", "[unit][link]") {
  LinkConfig cfg;
  cfg.duplicate_percent = 10;
  LinkEmulator link(cfg);
  int dups = 0;
  for (int i = 0; i < 10'000; ++i) {
    auto o = link.offer(1200, kT0 + std::chrono::milliseconds(i));
    if (o.duplicate_at) {
      ++dups;
      CHECK(*o.duplicate_at >= o.deliver_at);
    }
  }
  CHECK(dups == static_cast<int>(link.counters().duplicated));
  CHECK(std::abs(dups - 1000) < 150);
}

TEST_CASE("control packets cross the link without touching the seed's decisions",
          "[unit][link][rtcp]") {
  // The same seed decides the same media packets' fate whether or not RTCP
  // goes beside them; RTCP itself is delayed and kept in order, never lost
  // at random, and not counted.
  LinkConfig cfg;
  cfg.loss_percent = 20;
  cfg.jitter = 10ms;
  cfg.delay = 40ms;
  cfg.duplicate_percent = 5;
  cfg.seed = 3;
  LinkEmulator plain(cfg);
  LinkEmulator with_rtcp(cfg);
  for (int i = 0; i < 2000; ++i) {
    const TimePoint at = kT0 + std::chrono::milliseconds(i);
    if (i % 7 == 0) {
      const auto control = with_rtcp.offer_control(52, at);
      REQUIRE_FALSE(control.dropped);
      CHECK(control.deliver_at >= at + 40ms);
      CHECK_FALSE(control.duplicate_at);
    }
    const auto a = plain.offer(1200, at);
    const auto b = with_rtcp.offer(1200, at);
    REQUIRE(a.dropped == b.dropped);
    REQUIRE(a.duplicate_at.has_value() == b.duplicate_at.has_value());
  }
  CHECK(plain.counters().offered == with_rtcp.counters().offered);
  CHECK(plain.counters().dropped_loss == with_rtcp.counters().dropped_loss);

  SECTION("over TCP, a control packet waits behind a retransmission") {
    LinkConfig tcp;
    tcp.reliable = true;
    tcp.loss_percent = 100;
    LinkEmulator link(tcp);
    const auto lost = link.offer(1200, kT0);
    const auto control = link.offer_control(52, kT0 + 1ms);
    CHECK(control.deliver_at >= lost.deliver_at);
  }
}
