// LoadRules: overload, calm and admission, fed with made-up samples (tick
// times, the network thread's CPU seconds, bytes sent, viewers served).
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>

#include "server/load_monitor.hpp"

using namespace flowcast::server;
using namespace std::chrono_literals;

namespace {

using Clock = LoadRules::Clock;

// A run of ticks on a made-up clock: each tick is due kTick after the last
// ran, and runs `lag` late; the thread is `busy` (0..1) of the wall time.
struct Ticks {
  explicit Ticks(std::optional<int64_t> limit_bps = std::nullopt) : rules(limit_bps) {
    rules.begin(now, cpu);
  }
  void run(int n, Clock::duration lag = 0ms, double busy = 0, uint64_t bytes_per_tick = 0) {
    for (int i = 0; i < n; ++i) {
      const auto due = now + LoadRules::kTick;
      const auto ran = due + lag;
      cpu += busy * std::chrono::duration<double>(ran - now).count();
      now = ran;
      if (bytes_per_tick) rules.sent(bytes_per_tick);
      rules.tick(
          now, due, [this] { return cpu; }, [this] { return viewers; });
    }
  }
  // Ticks on time for a whole second, so a new sample is taken.
  void second(double busy = 0, uint64_t bytes_per_tick = 0) { run(20, 0ms, busy, bytes_per_tick); }

  LoadRules rules;
  Clock::time_point now{Clock::duration(1'000'000'000)};
  double cpu = 3.0;
  size_t viewers = 0;
};

}  // namespace

TEST_CASE("LoadRules: one late tick is a hiccup, two in a row are an overload", "[unit][load]") {
  Ticks t;
  t.run(5);
  CHECK_FALSE(t.rules.overloaded());
  t.run(1, 150ms);
  CHECK_FALSE(t.rules.overloaded());  // another process had the core once
  t.run(1);
  t.run(1, 150ms);
  CHECK_FALSE(t.rules.overloaded());  // not in a row
  t.run(1, 150ms);
  CHECK(t.rules.overloaded());
  t.run(2, 150ms);
  CHECK(t.rules.overloaded());
  t.run(1);  // on time again
  CHECK_FALSE(t.rules.overloaded());
  const LoadMetrics m = t.rules.metrics(t.now, t.cpu);
  // Overloaded from the second late tick of the run to its last: two ticks
  // of 50 ms, each 150 ms late.
  CHECK(m.overloaded_ms == Approx(400.0));
  CHECK(m.lag_ms_peak == Approx(150.0));
}

TEST_CASE("LoadRules: lateness under the limit is no overload", "[unit][load]") {
  Ticks t;
  t.run(50, LoadRules::kLagLimit - 1ms);
  CHECK_FALSE(t.rules.overloaded());
  CHECK(t.rules.admits(0, t.now));
}

TEST_CASE("LoadRules: nobody is admitted while overloaded, nor for kCalm after", "[unit][load]") {
  Ticks t;
  t.second();
  CHECK(t.rules.admits(0, t.now));
  t.run(2, 200ms);
  REQUIRE(t.rules.overloaded());
  CHECK_FALSE(t.rules.admits(0, t.now));
  t.run(1);
  REQUIRE_FALSE(t.rules.overloaded());
  CHECK_FALSE(t.rules.admits(0, t.now));  // calm not yet
  CHECK_FALSE(t.rules.admits(0, t.now + LoadRules::kCalm - 100ms));
  CHECK(t.rules.admits(0, t.now + LoadRules::kCalm));
}

TEST_CASE("LoadRules: a viewer is admitted while each viewer's share, times one more, fits",
          "[unit][load]") {
  Ticks t;
  t.viewers = 2;
  SECTION("40% busy with two: a third makes 60%") {
    t.second(0.40);
    CHECK(t.rules.busy() == Approx(0.40));
    CHECK(t.rules.admits(2, t.now));
    // Four make 80%, five would make 100%: the fifth waits.
    CHECK(t.rules.admits(3, t.now));
    CHECK_FALSE(t.rules.admits(4, t.now));
  }
  SECTION("60% busy with two: a third would make 90%") {
    t.second(0.60);
    CHECK_FALSE(t.rules.admits(2, t.now));
    // One left since: judged on the viewers now served.
    CHECK(t.rules.admits(1, t.now));
  }
  SECTION("with nobody served in the last second, what is used now must leave room") {
    t.viewers = 0;
    t.second(0.90);
    CHECK_FALSE(t.rules.admits(0, t.now));
    t.second(0.50);
    CHECK(t.rules.admits(0, t.now));
  }
}

TEST_CASE("LoadRules: under --egress-limit, a first viewer is measured before a second joins",
          "[unit][load]") {
  Ticks t(1'000'000);  // 1 Mbit/s
  t.second();
  CHECK(t.rules.admits(0, t.now));
  // The first joined within this second: nobody measured yet.
  CHECK_FALSE(t.rules.admits(1, t.now));
  t.viewers = 1;
  SECTION("400 kbit/s each: a second fits in 1 Mbit/s") {
    t.second(0, 400'000 / 8 / 20);
    CHECK(t.rules.egress_bps() == Approx(400'000));
    CHECK(t.rules.admits(1, t.now));
    CHECK_FALSE(t.rules.admits(2, t.now));
  }
  SECTION("600 kbit/s each: a second does not") {
    t.second(0, 600'000 / 8 / 20);
    CHECK_FALSE(t.rules.overloaded());
    CHECK_FALSE(t.rules.admits(1, t.now));
  }
}

TEST_CASE("LoadRules: past --egress-limit the bucket empties and the server is overloaded",
          "[unit][load]") {
  Ticks t(800'000);  // 100,000 bytes a second; the bucket holds 25,000
  t.run(1, 0ms, 0, 20'000);
  CHECK_FALSE(t.rules.overloaded());  // a burst within the bucket
  t.run(1, 0ms, 0, 20'000);
  CHECK(t.rules.overloaded());
  // Sending at the limit's rate, the debt is never paid off.
  t.run(10, 0ms, 0, 5'000);
  CHECK(t.rules.overloaded());
  // Silence refills it.
  t.run(10);
  CHECK_FALSE(t.rules.overloaded());
  CHECK(t.rules.metrics(t.now, t.cpu).egress_limit_bps == 800'000);
}

TEST_CASE("LoadRules: the metrics keep the busiest second and the run's mean", "[unit][load]") {
  Ticks t;
  t.second(0.20);
  t.second(0.60);
  t.second(0.10);
  const LoadMetrics m = t.rules.metrics(t.now, t.cpu);
  CHECK(m.busy_percent_peak == Approx(60.0));
  CHECK(m.busy_percent_mean == Approx(30.0));
  t.rules.frame_skipped();
  t.rules.viewer_refused();
  t.rules.viewer_refused();
  CHECK(t.rules.metrics(t.now, t.cpu).frames_skipped == 1);
  CHECK(t.rules.metrics(t.now, t.cpu).refused == 2);
}
