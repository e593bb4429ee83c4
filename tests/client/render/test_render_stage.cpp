// RenderStage's measure of the client's own lag (client_load): how late the
// render loop came back for a picture it held, and the pictures it dropped
// for that lateness, told apart from pictures that reached it late. Time is
// the caller's, so the loop's lateness is played without sleeping.
#include <catch2/catch.hpp>
#include <chrono>

#include "client/playout/playout_clock.hpp"
#include "client/render/render_stage.hpp"
#include "client/render/renderer.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;

namespace {

// 30 pictures a second: pts 0, 3000, 6000, ... due every 33.3 ms from t0.
struct Stage {
  HeadlessRenderer renderer;
  PlayoutClock clock;
  SteadyTime t0 = SteadyTime{} + 10s;
  RenderStage stage{renderer, clock, nullptr, t0};

  Stage() { clock.start(t0, 0); }
  void queue(int64_t pts) {
    RenderFrame f;
    f.pts_90k = pts;
    stage.queue().write(std::move(f));  // true below the mark; 3 of 8 here
  }
  void pass(std::chrono::microseconds at) { stage.show_due(t0 + at, std::nullopt, t0); }
};

}  // namespace

TEST_CASE("a render loop that wakes on time is barely late and drops nothing",
          "[unit][render][sweep]") {
  Stage s;
  s.queue(0);
  s.queue(3000);
  s.pass(0us);   // shows pts 0; pts 3000 waits, due at 33.333 ms
  s.pass(20ms);  // woken early (an event): nothing is due, nothing sampled
  CHECK(s.stage.stats().wake_late_ms.empty());
  s.pass(34ms);
  const RenderStats& st = s.stage.stats();
  CHECK(st.rendered == 2);
  REQUIRE(st.wake_late_ms.size() == 1);
  CHECK(st.wake_late_ms[0] == Approx(0.667).margin(0.01));
  CHECK(st.late_pictures == 0);
  CHECK(st.dropped_late == 0);
}

TEST_CASE("a render loop that comes back late drops a picture it held, counted as its own",
          "[unit][render][sweep]") {
  Stage s;
  s.queue(0);
  s.queue(3000);
  s.queue(6000);
  s.pass(0us);  // shows pts 0; pts 3000 waits
  // The loop oversleeps: by 70 ms pts 6000 (due at 66.7 ms) is due as well.
  s.pass(70ms);
  const RenderStats& st = s.stage.stats();
  CHECK(st.dropped_late == 1);
  CHECK(st.late_pictures == 1);
  REQUIRE(st.wake_late_ms.size() == 1);  // pts 6000 was not waited for
  CHECK(st.wake_late_ms[0] == Approx(36.667).margin(0.01));
  CHECK(st.rendered == 2);
}

TEST_CASE("pictures that reach the render queue late are not the loop's lag",
          "[unit][render][sweep]") {
  Stage s;
  s.queue(0);
  s.pass(0us);  // shows pts 0; nothing waits
  // The decoder (or the network) delivers the next two after both were due.
  s.queue(3000);
  s.queue(6000);
  s.pass(70ms);
  const RenderStats& st = s.stage.stats();
  CHECK(st.dropped_late == 1);
  CHECK(st.late_pictures == 0);
  CHECK(st.wake_late_ms.empty());
}
