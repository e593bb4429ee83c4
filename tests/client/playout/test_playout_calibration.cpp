// The fixed buffer's one move at start (PlayoutDelay::calibrate): a stream
// with B-frames sent in decode order, whose picture types each wait their
// own time for their display slot, started from a measure a frame interval
// off; and the cases that leave the clock alone.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <vector>

#include "client/playout/playout_delay.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;

namespace {

const SteadyTime t0 = SteadyTime{} + 1000s;
constexpr int64_t kTick = 3000;  // 30 fps, 90 kHz
constexpr double kFrameMs = 1000.0 / 30.0;

double ms_of(microseconds d) {
  return static_cast<double>(d.count()) / 1000.0;
}

// Frame n in decode order arrives whole one frame interval after frame
// n−1 (a sender paced by decode time); its display slot is n + reorder(n)
// frames, so it waits reorder(n) frame intervals more or less than a frame
// displayed as it arrives (the class of its picture type).
using Reorder = int64_t (*)(int64_t);

// The bench clip's shape (x264 veryfast, 3 B-frames): its first frames
// reorder by 2 for the most part, the rest of the stream by 1.
int64_t bench_clip(int64_t n) {
  static constexpr int64_t kStart[4] = {2, 2, 1, 3};
  static constexpr int64_t kRest[5] = {1, 1, 1, 0, 2};
  return n < 100 ? kStart[n % 4] : kRest[n % 5];
}
int64_t no_reorder(int64_t) {
  return 0;
}

struct Played {
  std::vector<double> waited_ms;  // due − first arrival, per frame, after its shift
  double moved_ms = 0;
};

// Plays `frames` frames with the clock's base set so that the first frame
// is due `start_wait` after it arrived, as a startup measure sets it. A
// stall before frame `stall_at` rebases the delay.
Played play(PlayoutDelay& delay, int64_t frames, Reorder reorder, microseconds start_wait,
            int64_t stall_at = -1) {
  Played p;
  const int64_t first_slot = reorder(0);
  SteadyTime base = t0 + start_wait;
  for (int64_t n = 0; n < frames; ++n) {
    if (n == stall_at) delay.rebase();
    const SteadyTime arrival = t0 + microseconds((n * kTick) * 1000 / 90);
    TakenFrame f;
    f.timestamp = (n + reorder(n) - first_slot) * kTick;
    f.first_arrival = arrival;
    f.last_arrival = arrival;
    f.taken = arrival;
    f.bytes = 10'000;
    f.due = base + microseconds(f.timestamp * 1000 / 90);
    const microseconds shift = delay.on_frame(f);
    REQUIRE(std::abs(ms_of(shift)) <= 4 * kFrameMs * 0.1 + 1e-6);  // the slew limit
    base += shift;
    p.moved_ms += ms_of(shift);
    p.waited_ms.push_back(
        ms_of(std::chrono::duration_cast<microseconds>(*f.due + shift - arrival)));
  }
  return p;
}

double median(std::vector<double> v) {
  const size_t rank = (v.size() + 1) / 2 - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(rank), v.end());
  return v[rank];
}

PlayoutDelayConfig fixed(microseconds buffer) {
  PlayoutDelayConfig c;
  c.fixed = buffer;
  return c;
}

}  // namespace

TEST_CASE(
    "PlayoutDelay: with B-frames a fixed buffer's median frame ends up held what --buffer "
    "says",
    "[unit][playout_delay][calibration]") {
  PlayoutDelay delay(fixed(500ms));
  // The start's frames say the median frame reorders by 2 frames, and the
  // clock starts so that it waits 500 ms; the stream's median reorders by
  // 1, so its median frame would wait a frame interval less.
  const Played p = play(delay, 600, bench_clip, 500ms);
  std::vector<double> first(p.waited_ms.begin(), p.waited_ms.begin() + 60);
  CHECK(median(first) == Approx(500.0).margin(0.01));
  CHECK(p.moved_ms == Approx(kFrameMs).margin(0.01));
  CHECK(median(p.waited_ms) == Approx(500.0).margin(0.01));
}

TEST_CASE("PlayoutDelay: a fixed buffer's moves are at most 100 ms in all",
          "[unit][playout_delay][calibration]") {
  PlayoutDelay delay(fixed(500ms));
  // The clock started 300 ms early: not the startup measure's error.
  const Played p = play(delay, 600, no_reorder, 200ms);
  CHECK(p.moved_ms == Approx(ms_of(PlayoutDelay::kMaxCalibration)).margin(0.01));
}

TEST_CASE("PlayoutDelay: the fixed buffer's clock is left alone by 0 ms, a stall, or another clock",
          "[unit][playout_delay][calibration]") {
  // Started 50 ms short: the first measure (frame 60) moves it 50 ms, over
  // the 15 frames after.
  SECTION("without any of them it moves") {
    PlayoutDelay delay(fixed(500ms));
    CHECK(play(delay, 200, no_reorder, 450ms).moved_ms == Approx(50.0).margin(0.01));
  }
  SECTION("a stall before the first measure") {
    PlayoutDelay delay(fixed(500ms));
    CHECK(play(delay, 200, no_reorder, 450ms, 30).moved_ms == 0.0);
  }
  SECTION("a stall during the move ends it") {
    PlayoutDelay delay(fixed(500ms));
    const Played p = play(delay, 200, no_reorder, 450ms, 65);
    CHECK(p.moved_ms > 0.0);
    CHECK(p.moved_ms < 50.0);
  }
  SECTION("--buffer 0ms asks for no wait") {
    PlayoutDelay delay(fixed(0ms));
    CHECK(play(delay, 200, no_reorder, 50ms).moved_ms == 0.0);
  }
  SECTION("the video follows the sound's clock") {
    PlayoutDelay delay(fixed(500ms));
    delay.follow_other_clock();
    CHECK(play(delay, 200, no_reorder, 450ms).moved_ms == 0.0);
  }
  SECTION("adaptive moves by its own rule") {
    PlayoutDelayConfig c;
    c.adaptive = true;
    PlayoutDelay delay(c);
    delay.follow_other_clock();  // only the fixed buffer's moves are off
    CHECK(play(delay, 200, no_reorder, 500ms).moved_ms < -100.0);
  }
}
