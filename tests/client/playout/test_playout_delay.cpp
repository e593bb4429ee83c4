// PlayoutDelay and its JitterEstimator on synthetic arrival traces, with the
// playout clock simulated by hand (a base that the delay's shifts move): a
// steady stream, a jitter step, a delay spike, a bandwidth drop, the slew
// rate, the way back down, and the W3C counters.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "client/playout/playout_delay.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;

namespace {

const SteadyTime t0 = SteadyTime{} + 1000s;
constexpr int64_t kTick = 3000;  // 30 fps
constexpr double kFrameMs = 1000.0 / 30.0;

double ms_of(microseconds d) {
  return static_cast<double>(d.count()) / 1000.0;
}

struct FrameResult {
  double t_s = 0;        // media time of the frame
  double slack_ms = 0;   // due − whole: negative is late
  double shift_ms = 0;   // what the delay moved the clock by
  double target_ms = 0;  // after the frame
};

// A stream of `frames` frames of 30 fps. delay(i) is how long frame i takes
// from its sampling to being whole, size(i) its bytes. Playback starts when
// the first frame has waited config.floor (adaptive) or config.fixed, and
// frames leave the receive buffer as soon as they are whole, as flowcast's
// do while playing.
struct Trace {
  PlayoutDelay delay;
  SteadyTime base{};
  bool started = false;
  int64_t index = 0;
  std::vector<FrameResult> results;

  explicit Trace(PlayoutDelayConfig config) : delay(config) {}

  void run(
      int64_t frames, const std::function<double(int64_t)>& delay_ms,
      const std::function<size_t(int64_t)>& size = [](int64_t) { return size_t{10'000}; }) {
    for (int64_t n = 0; n < frames; ++n, ++index) {
      const auto sampled = t0 + microseconds(index * kTick * 1000 / 90);
      const auto whole = sampled + microseconds(static_cast<int64_t>(delay_ms(index) * 1000));
      if (!started) {
        const auto& c = delay.config();
        base = whole + (c.adaptive ? c.floor : c.fixed);
        started = true;
      }
      TakenFrame f;
      f.timestamp = index * kTick;
      f.first_arrival = whole - 5ms;
      f.last_arrival = whole;
      f.bytes = size(index);
      f.taken = whole;
      f.due = base + microseconds(f.timestamp * 1000 / 90);
      const auto shift = delay.on_frame(f);
      base += shift;
      results.push_back({static_cast<double>(index) / 30.0,
                         ms_of(std::chrono::duration_cast<microseconds>(*f.due + shift - whole)),
                         ms_of(shift), ms_of(delay.target())});
    }
  }

  // The share of frames in [from_s, to_s) whole before their due time.
  double on_time_share(double from_s, double to_s) const {
    int64_t all = 0, on_time = 0;
    for (const auto& r : results) {
      if (r.t_s < from_s || r.t_s >= to_s) continue;
      ++all;
      if (r.slack_ms >= 0) ++on_time;
    }
    return all ? static_cast<double>(on_time) / static_cast<double>(all) : 0.0;
  }
};

PlayoutDelayConfig adaptive() {
  PlayoutDelayConfig c;
  c.adaptive = true;
  return c;
}

std::function<double(int64_t)> uniform_jitter(double base_ms, double jitter_ms, unsigned seed) {
  auto rng = std::make_shared<std::mt19937>(seed);
  return [=](int64_t) {
    std::uniform_real_distribution<double> d(-jitter_ms, jitter_ms);
    return base_ms + d(*rng);
  };
}

}  // namespace

TEST_CASE("PlayoutDelay: a steady stream settles at the floor", "[unit][playout_delay]") {
  Trace trace(adaptive());
  trace.run(30 * 20, [](int64_t) { return 20.0; });
  // No variation: 2.33 × the least noise (1 ms) + 10 ms OS + 15 decode +
  // 10 render = 37.3 ms, under the 40 ms floor.
  CHECK(ms_of(trace.delay.minimum()) < 40.0);
  CHECK(ms_of(trace.delay.target()) == Approx(40.0));
  REQUIRE(trace.delay.actual());
  CHECK(ms_of(*trace.delay.actual()) == Approx(40.0).margin(2.0));
  CHECK(trace.on_time_share(0, 20) == 1.0);
}

TEST_CASE("PlayoutDelay: a jitter step raises the target to cover 99 % of frames",
          "[unit][playout_delay]") {
  Trace trace(adaptive());
  trace.run(30 * 10, [](int64_t) { return 20.0; });
  const double before = ms_of(trace.delay.target());
  // Uniform ±40 ms on whole frames from 10 s on.
  trace.run(30 * 30, uniform_jitter(60.0, 40.0, 7));
  const double after = ms_of(trace.delay.target());
  CHECK(before == Approx(40.0));
  // σ of the delay variation is √2 · 40/√3 ≈ 32.7 ms: 2.33 σ ≈ 76 ms.
  CHECK(after > 90.0);
  CHECK(after < 200.0);
  // Once it has adapted (the slew needs about a second, the noise a few).
  CHECK(trace.on_time_share(20, 40) >= 0.99);
}

TEST_CASE("PlayoutDelay: it moves no faster than 100 ms per second of media",
          "[unit][playout_delay]") {
  Trace trace(adaptive());
  trace.run(30 * 5, [](int64_t) { return 20.0; });
  trace.run(30 * 20, uniform_jitter(120.0, 100.0, 3));
  trace.run(30 * 120, [](int64_t) { return 20.0; });
  double up = 0, down = 0;
  for (const auto& r : trace.results) {
    // One frame advances the media 33.3 ms: at most 3.33 ms of change.
    CHECK(std::abs(r.shift_ms) <= 0.1 * kFrameMs + 1e-3);
    up = std::max(up, r.shift_ms);
    down = std::min(down, r.shift_ms);
  }
  // It did move both ways, at the full rate.
  CHECK(up == Approx(0.1 * kFrameMs).margin(0.01));
  CHECK(down == Approx(-0.1 * kFrameMs).margin(0.01));
  // Over every second: at most 100 ms.
  for (size_t i = 30; i < trace.results.size(); ++i) {
    double sum = 0;
    for (size_t k = i - 30; k < i; ++k) sum += trace.results[k].shift_ms;
    REQUIRE(std::abs(sum) <= 100.0 + 1e-3);
  }
}

TEST_CASE("PlayoutDelay: the target comes back down once the jitter stops",
          "[unit][playout_delay]") {
  Trace trace(adaptive());
  trace.run(30 * 20, uniform_jitter(60.0, 40.0, 11));
  const double jittery = ms_of(trace.delay.target());
  CHECK(jittery > 90.0);
  trace.run(30 * 120, [](int64_t) { return 20.0; });
  CHECK(ms_of(trace.delay.target()) < 50.0);
  REQUIRE(trace.delay.actual());
  CHECK(ms_of(*trace.delay.actual()) == Approx(ms_of(trace.delay.target())).margin(3.0));
  CHECK(trace.on_time_share(20, 140) == 1.0);
}

TEST_CASE("PlayoutDelay: one delay spike is an outlier, not jitter", "[unit][playout_delay]") {
  Trace trace(adaptive());
  trace.run(30 * 10, [](int64_t) { return 20.0; });
  // Frame 300 is 400 ms late, and the four sent behind it arrive with it
  // (packets keep their order).
  const SteadyTime spike_end = t0 + microseconds(300 * kTick * 1000 / 90) + 420ms;
  trace.run(5, [&](int64_t i) {
    const auto sampled = t0 + microseconds(i * kTick * 1000 / 90);
    return static_cast<double>(
               std::chrono::duration_cast<microseconds>(spike_end - sampled).count()) /
           1000.0;
  });
  trace.run(30 * 20, [](int64_t) { return 20.0; });
  double highest = 0;
  for (const auto& r : trace.results) highest = std::max(highest, r.target_ms);
  // The residual counts clamped at 15 σ: the noise grows a little, once.
  CHECK(highest < 150.0);
  CHECK(ms_of(trace.delay.target()) < 100.0);
  // The frames after it are on time again.
  CHECK(trace.on_time_share(11, 30) == 1.0);
}

TEST_CASE("PlayoutDelay: frames late by their size go to the slope, not the noise",
          "[unit][playout_delay]") {
  // A 4 Mbit/s bottleneck: a frame is whole size · 8 / 4e6 s after it was
  // sent; sizes vary from 2 to 12 KB (1.7 Mbit/s on average: no queue).
  auto rng = std::make_shared<std::mt19937>(5);
  std::vector<size_t> sizes;
  for (int i = 0; i < 30 * 60; ++i)
    sizes.push_back(std::uniform_int_distribution<size_t>(2'000, 12'000)(*rng));
  auto size = [&](int64_t i) { return sizes[static_cast<size_t>(i)]; };
  auto serialization = [&](int64_t i) {
    return 5.0 + static_cast<double>(size(i)) * 8.0 / 4e6 * 1000.0;
  };
  Trace trace(adaptive());
  trace.run(30 * 60, serialization, size);
  const auto& est = trace.delay.estimator();
  // 8 / 4e6 s per byte = 0.002 ms per byte.
  CHECK(est.slope_ms_per_byte() == Approx(0.002).epsilon(0.25));
  // What the slope explains is not noise.
  CHECK(est.noise_std_ms() < 5.0);
  // The target covers the largest frame's extra time: (12000 − mean) · slope.
  CHECK(ms_of(trace.delay.target()) > 45.0);
  CHECK(trace.on_time_share(5, 60) >= 0.99);
}

TEST_CASE(
    "PlayoutDelay: a fixed buffer moves the clock only by its start's error, and counts "
    "the W3C sums",
    "[unit][playout_delay]") {
  PlayoutDelayConfig c;
  c.fixed = 500ms;
  Trace trace(c);
  // The first frame takes the mean delay, 60 ms: the base is set by it.
  auto jitter = uniform_jitter(60.0, 40.0, 1);
  trace.run(300, [&](int64_t i) { return i == 0 ? 60.0 : jitter(i); });
  // Without the moves the median frame would wait 500 ms + 5 ms (its first
  // packet came 5 ms before it was whole) + what the first frame's delay is
  // off the jitter's median. The clock moves by that, within the slew
  // limit, after its measures at frames 60, 120 and 240, and not once the
  // last move is made.
  double moved = 0;
  std::vector<double> moved_through;  // by each frame, its own shift included
  for (size_t i = 0; i < trace.results.size(); ++i) {
    const auto& r = trace.results[i];
    REQUIRE(std::abs(r.shift_ms) <= kFrameMs * 0.1 + 1e-6);  // the slew limit
    if (i >= 270) REQUIRE(r.shift_ms == 0.0);
    moved += r.shift_ms;
    moved_through.push_back(moved);
  }
  CHECK(std::abs(moved) > 0.1);  // the jitter's median is not the first frame's delay
  // Against the clock as it ends, the median of the 240 frames of the last
  // measure waits 500 ms, give or take the 2 ms it lets pass.
  std::vector<double> waited;
  for (size_t i = 0; i < 240; ++i)
    waited.push_back(trace.results[i].slack_ms + 5.0 + moved - moved_through[i]);
  std::nth_element(waited.begin(), waited.begin() + 119, waited.end());
  CHECK(waited[119] == Approx(500.0).margin(2.0));
  const JitterBufferCounters& w3c = trace.delay.counters();
  CHECK(w3c.emitted == 300);
  CHECK(w3c.target_delay_s == Approx(300 * 0.5));
  // The minimum is what the network needs, well under 500 ms.
  CHECK(w3c.minimum_delay_s > 300 * 0.03);
  CHECK(w3c.minimum_delay_s < 300 * 0.3);
  // Each frame waits from its first packet to its due time: 500 ms for the
  // median frame once the clock moved.
  CHECK(w3c.delay_s / 300 == Approx(0.500).margin(0.01));
}

TEST_CASE("PlayoutDelay: a frame taken after its due time is emitted when taken",
          "[unit][playout_delay]") {
  PlayoutDelay delay(PlayoutDelayConfig{});
  TakenFrame f;
  f.first_arrival = t0;
  f.last_arrival = t0 + 10ms;
  f.taken = t0 + 30ms;
  f.due = t0 + 20ms;
  delay.on_frame(f);
  CHECK(delay.counters().delay_s == Approx(0.030));
  f.timestamp = kTick;
  f.taken = t0 + 10ms;
  f.due = std::nullopt;  // not playing: emitted as it leaves
  delay.on_frame(f);
  CHECK(delay.counters().delay_s == Approx(0.040));
  CHECK(delay.counters().emitted == 2);
}

TEST_CASE("PlayoutDelay: with NACK a round trip is added once retransmissions are needed",
          "[unit][playout_delay]") {
  PlayoutDelay delay(adaptive());
  const auto before = delay.minimum();
  delay.set_round_trip(80ms);
  CHECK(delay.minimum() == before);
  delay.note_retransmission();
  CHECK(delay.minimum() == before + 80ms);
}

TEST_CASE("PlayoutDelay: B-frames sent in decode order at a steady pace are not jitter",
          "[unit][playout_delay]") {
  // Groups of a P-frame and 0 to 3 B-frames, their number varying as an
  // encoder's adaptive B-frame choice makes it: each frame leaves one frame
  // interval after the one before in decode order, and its timestamp is its
  // display slot. Measured against its own timestamp, a P-frame after three
  // B-frames would seem 100 ms later than one after none.
  PlayoutDelay delay(adaptive());
  constexpr int64_t kGroups[4] = {3, 1, 2, 0};
  int64_t anchor = 0;  // the display slot of the last I- or P-frame
  int64_t n = 0;       // decode order
  const auto take = [&](int64_t slot, size_t bytes) {
    const SteadyTime whole = t0 + microseconds(n * kTick * 1000 / 90) + 20ms;
    TakenFrame f;
    f.timestamp = slot * kTick;
    f.first_arrival = whole - 5ms;
    f.last_arrival = whole;
    f.bytes = bytes;
    f.taken = whole;
    delay.on_frame(f);
    ++n;
  };
  take(0, 40'000);
  for (int64_t g = 0; n < 600; ++g) {
    const int64_t b_frames = kGroups[g % 4];
    take(anchor + b_frames + 1, 12'000);
    for (int64_t b = 1; b <= b_frames; ++b) take(anchor + b, 4'000);
    anchor += b_frames + 1;
  }
  // A B-frame is shown one frame interval before its place in decode
  // order: the decoder holds a picture that long, and the minimum counts it.
  CHECK(ms_of(delay.reorder_delay()) == Approx(kFrameMs).margin(0.01));
  // The rest is as the steady stream's without B-frames above: under the
  // 40 ms floor.
  CHECK(ms_of(delay.minimum() - delay.reorder_delay()) < 40.0);
  // Measured against each frame's own timestamp, the minimum was 197 ms.
  CHECK(ms_of(delay.target()) < 100.0);
}

TEST_CASE("PlayoutDelay: a timeline that steps back is not the stream's reordering for long",
          "[unit][playout_delay]") {
  // A stream without B-frames whose timestamps step back 9 frames once (a
  // sender that restarted its clock, within what the timeline passes on).
  PlayoutDelay delay(adaptive());
  // Within the reordering window the step reads as reordering; it is
  // forgotten after PlayoutDelay::kReorderMemory frames.
  for (int64_t n = 0; n < 600; ++n) {
    const SteadyTime whole = t0 + microseconds(n * kTick * 1000 / 90) + 20ms;
    TakenFrame f;
    f.timestamp = (n < 150 ? n : n - 9) * kTick;
    if (n == 170) CHECK(delay.reorder_delay().count() > 0);
    f.first_arrival = whole - 5ms;
    f.last_arrival = whole;
    f.bytes = 10'000;
    f.taken = whole;
    delay.on_frame(f);
  }
  CHECK(delay.reorder_delay().count() == 0);
  CHECK(ms_of(delay.target()) < 100.0);
}

TEST_CASE("PlayoutDelay: a deeper reordering gives way to a shallower one after the memory",
          "[unit][playout_delay]") {
  // A stream whose encoder first codes groups of 8 as a B-pyramid (decode
  // order 8 4 2 1 3 6 5 7: picture 1 is shown 3 frames before its place in
  // decode order), then switches to one B-frame per P-frame (1 frame). The
  // reordering delay is the most over the last PlayoutDelay::kReorderMemory
  // frames placed: 3 frames while the pyramid is in it, then 1, never 0.
  PlayoutDelay delay(adaptive());
  int64_t n = 0;  // decode order
  const auto take = [&](int64_t slot) {
    const SteadyTime whole = t0 + microseconds(n * kTick * 1000 / 90) + 20ms;
    TakenFrame f;
    f.timestamp = slot * kTick;
    f.first_arrival = whole - 5ms;
    f.last_arrival = whole;
    f.bytes = 8'000;
    f.taken = whole;
    delay.on_frame(f);
    ++n;
  };
  constexpr int64_t kPyramid[8] = {8, 4, 2, 1, 3, 6, 5, 7};
  int64_t anchor = 0;
  take(0);
  for (int g = 0; g < 12; ++g, anchor += 8)
    for (int64_t k : kPyramid) take(anchor + k);
  CHECK(ms_of(delay.reorder_delay()) == Approx(3 * kFrameMs).margin(0.01));
  const int64_t switched = n;
  for (; anchor < 1000; anchor += 2) {
    take(anchor + 2);
    take(anchor + 1);
    // Frames are placed 16 behind the newest (the estimate's reordering
    // window) and leave the memory 256 placements later: the pyramid's last
    // 3-frame amount at 268 frames after the switch, its last 2-frame one
    // at 271. A memory of 257 would still read 3 frames at 268, one of 255
    // would read 1 at 270.
    const int64_t after = n - switched;
    if (after == 200 || after == 266)
      CHECK(ms_of(delay.reorder_delay()) == Approx(3 * kFrameMs).margin(0.01));
    if (after == 268 || after == 270)
      CHECK(ms_of(delay.reorder_delay()) == Approx(2 * kFrameMs).margin(0.01));
    if (after == 272) CHECK(ms_of(delay.reorder_delay()) == Approx(kFrameMs).margin(0.01));
  }
  CHECK(ms_of(delay.reorder_delay()) == Approx(kFrameMs).margin(0.01));
}
