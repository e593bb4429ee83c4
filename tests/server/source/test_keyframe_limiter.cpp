// KeyframeLimiter with a fake clock: a PLI flood cannot make every picture
// an IDR, and no request is lost.
#include <catch2/catch.hpp>
#include <chrono>

#include "server/source/keyframe_limiter.hpp"

using namespace flowcast::server;
using namespace std::chrono_literals;
using Decision = KeyframeLimiter::Decision;

TEST_CASE("KeyframeLimiter forces the first request at once", "[unit][server][pli]") {
  KeyframeLimiter limiter;
  const auto t0 = KeyframeLimiter::Clock::time_point{} + 1h;
  CHECK(limiter.request(t0) == Decision::force_now);
  CHECK(limiter.request(t0 + KeyframeLimiter::kMinGap) == Decision::force_now);
  CHECK(limiter.forced() == 2);
}

TEST_CASE("KeyframeLimiter coalesces a PLI flood into one keyframe per gap",
          "[unit][server][pli][hostile]") {
  KeyframeLimiter limiter;
  auto now = KeyframeLimiter::Clock::time_point{} + 1h;
  // 100 PLIs a second for ten seconds; a deferred keyframe fires when due.
  std::optional<KeyframeLimiter::Clock::time_point> timer;
  for (int i = 0; i < 1000; ++i) {
    if (timer && now >= *timer) {
      limiter.fire(now);
      timer.reset();
    }
    switch (limiter.request(now)) {
      case Decision::force_now:
        break;
      case Decision::deferred:
        REQUIRE_FALSE(timer);
        timer = limiter.due_at();
        CHECK(*timer > now);
        CHECK(*timer - now <= KeyframeLimiter::kMinGap);
        break;
      case Decision::coalesced:
        REQUIRE(timer);
        break;
    }
    now += 10ms;
  }
  CHECK(limiter.requests() == 1000);
  // Ten seconds: one keyframe per second, not one per request.
  CHECK(limiter.forced() >= 9);
  CHECK(limiter.forced() <= 11);
  CHECK(limiter.coalesced() >= 980);
}

TEST_CASE("KeyframeLimiter defers a request inside the gap, not drops it", "[unit][server][pli]") {
  KeyframeLimiter limiter;
  const auto t0 = KeyframeLimiter::Clock::time_point{} + 1h;
  REQUIRE(limiter.request(t0) == Decision::force_now);
  CHECK(limiter.request(t0 + 300ms) == Decision::deferred);
  CHECK(limiter.due_at() == t0 + KeyframeLimiter::kMinGap);
  CHECK(limiter.request(t0 + 400ms) == Decision::coalesced);
  limiter.fire(limiter.due_at());
  CHECK(limiter.forced() == 2);
  // The gap counts from the deferred one.
  CHECK(limiter.request(t0 + 1500ms) == Decision::deferred);
}

TEST_CASE("KeyframeLimiter lets a joining viewer wait less than a PLI", "[unit][server][pli]") {
  KeyframeLimiter limiter;
  using Reason = KeyframeLimiter::Reason;
  const auto t0 = KeyframeLimiter::Clock::time_point{} + 1h;
  REQUIRE(limiter.request(t0, Reason::join) == Decision::force_now);
  // Inside the join gap: deferred to its end.
  CHECK(limiter.request(t0 + 100ms, Reason::join) == Decision::deferred);
  CHECK(limiter.due_at() == t0 + KeyframeLimiter::kJoinGap);
  REQUIRE(limiter.fire(limiter.due_at()));
  // Past the join gap: at once, and it answers the PLI waiting.
  const auto t1 = t0 + KeyframeLimiter::kJoinGap;
  CHECK(limiter.request(t1 + 100ms, Reason::pli) == Decision::deferred);
  CHECK(limiter.due_at() == t1 + KeyframeLimiter::kMinGap);
  // A join behind the PLI's deferral moves it up to the join's gap.
  CHECK(limiter.request(t1 + 150ms, Reason::join) == Decision::deferred);
  CHECK(limiter.due_at() == t1 + KeyframeLimiter::kJoinGap);
  CHECK(limiter.request(t1 + 300ms, Reason::join) == Decision::force_now);
  CHECK_FALSE(limiter.fire(t1 + KeyframeLimiter::kMinGap));  // nothing left to answer
  CHECK(limiter.forced() == 3);
}
