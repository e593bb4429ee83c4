// The audio outputs: the null sink consumes exactly the rate against a fake
// clock, counts underruns with their length and says when each sample is
// presented; the SDL sink opens SDL2's dummy driver, which consumes in real
// time, and its played count follows the wall clock.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>
#include <vector>

#include "client/render/audio_sink.hpp"
#include "client/render/null_audio_sink.hpp"
#include "client/render/sdl_audio_sink.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;

namespace {

struct FakeClock {
  AudioTime now = AudioTime{} + 100s;
  NullAudioSink::Now fn() {
    return [this] { return now; };
  }
};

// `seconds` of a full-scale-`amplitude` 1 kHz sine, `channels` interleaved.
std::vector<int16_t> tone(uint32_t rate, uint32_t channels, double seconds,
                          double amplitude = 0.5) {
  const size_t n = static_cast<size_t>(rate * seconds);
  std::vector<int16_t> pcm(n * channels);
  for (size_t i = 0; i < n; ++i)
    for (uint32_t c = 0; c < channels; ++c)
      pcm[i * channels + c] = static_cast<int16_t>(
          amplitude * 32767 * std::sin(2 * M_PI * 1000.0 * static_cast<double>(i) / rate));
  return pcm;
}

}  // namespace

TEST_CASE("the null sink consumes exactly its rate of samples a second", "[unit][audio][render]") {
  FakeClock clock;
  NullAudioSink sink(clock.fn());
  sink.open(48000, 2);
  CHECK(sink.played_samples() == 0);
  clock.now += 1s;  // nothing queued: nothing played, no underrun
  CHECK(sink.played_samples() == 0);
  CHECK(sink.underruns().count == 0);

  const AudioTime start = clock.now;
  REQUIRE(sink.queue(tone(48000, 2, 1.0)) == 48000);
  CHECK(sink.queued_samples() == 48000);
  CHECK(sink.queued_duration() == 1s);
  CHECK(sink.presented_at(0) == start);
  CHECK(sink.presented_at(24000) == start + 500ms);
  clock.now += 250ms;
  CHECK(sink.played_samples() == 12000);
  CHECK(sink.queued_duration() == 750ms);
  clock.now += 750ms;
  CHECK(sink.played_samples() == 48000);
  CHECK(sink.underruns().count == 0);
  CHECK(sink.level().peak == Approx(0.5).margin(0.01));
  CHECK(sink.level().rms == Approx(0.5 / std::sqrt(2.0)).epsilon(0.02));

  SECTION("an empty queue while playing is an underrun, counted with its length") {
    clock.now += 200ms;
    CHECK(sink.played_samples() == 48000);  // never past what was queued
    AudioUnderruns u = sink.underruns();
    CHECK(u.count == 1);
    CHECK(u.duration == 200ms);
    // Refilled: the underrun ends, and playing starts again from now.
    const AudioTime refill = clock.now;
    REQUIRE(sink.queue(tone(48000, 2, 0.1)) == 4800);
    CHECK(sink.presented_at(48000) == refill);
    CHECK(sink.presented_at(48000 + 4799) == refill + 99'979'167ns);
    clock.now += 50ms;
    CHECK(sink.played_samples() == 48000 + 2400);
    u = sink.underruns();
    CHECK(u.count == 1);
    CHECK(u.duration == 200ms);
  }
  SECTION("paused, nothing is consumed and starving is not an underrun") {
    REQUIRE(sink.queue(tone(48000, 2, 0.5)) == 24000);
    clock.now += 100ms;
    sink.pause(true);
    clock.now += 10s;
    CHECK(sink.played_samples() == 48000 + 4800);
    CHECK(sink.underruns().count == 0);
    CHECK(sink.presented_at(48000 + 4800) == clock.now);  // as if resumed now
    sink.pause(false);
    clock.now += 400ms;
    CHECK(sink.played_samples() == 48000 + 24000);
    CHECK(sink.underruns().count == 0);
  }
  SECTION("muted, timing and counts are the same and the meter still shows the sound") {
    sink.mute(true);
    REQUIRE(sink.queue(tone(48000, 2, 0.5, 0.25)) == 24000);
    clock.now += 500ms;
    CHECK(sink.played_samples() == 72000);
    CHECK(sink.level().peak == Approx(0.25).margin(0.01));
    CHECK(sink.muted());
  }
  SECTION("no more than kMaxQueuedAudio is queued") {
    CHECK(sink.queue(tone(48000, 2, 3.0)) == 96000);
    CHECK(sink.queued_duration() == kMaxQueuedAudio);
    CHECK(sink.queue(tone(48000, 2, 0.1)) == 0);
  }
  SECTION("closed, what was queued is dropped and the counts stay") {
    REQUIRE(sink.queue(tone(48000, 2, 0.5)) == 24000);
    clock.now += 100ms;
    sink.close();
    clock.now += 1s;
    CHECK(sink.played_samples() == 48000 + 4800);
    CHECK(sink.queued_samples() == 48000 + 4800);
    CHECK(sink.queue(tone(48000, 2, 0.1)) == 0);
    sink.open(8000, 1);
    CHECK(sink.played_samples() == 0);
    CHECK(sink.rate() == 8000);
  }
}

TEST_CASE("a sink refuses a rate or channel count it cannot play", "[unit][audio][render]") {
  FakeClock clock;
  NullAudioSink sink(clock.fn());
  CHECK_THROWS_AS(sink.open(0, 2), std::invalid_argument);
  CHECK_THROWS_AS(sink.open(48000, 0), std::invalid_argument);
  CHECK_THROWS_AS(sink.open(48000, kMaxSinkChannels + 1), std::invalid_argument);
  CHECK(sink.queue(tone(48000, 2, 0.1)) == 0);  // not open: nothing taken
}

TEST_CASE("the SDL sink plays to SDL's dummy device in real time", "[audio][render][sdl]") {
  setenv("SDL_AUDIODRIVER", "dummy", 1);
  SdlAudioSink sink;
  sink.open(48000, 2);
  CHECK(sink.device_buffer_samples() > 0);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(sink.queue(tone(48000, 2, 0.5)) == 24000);
  CHECK(sink.queued_samples() == 24000);
  CHECK(sink.level().peak == Approx(0.5).margin(0.01));
  // Half-way, the device has taken about half; by 0.6 s, all of it.
  std::this_thread::sleep_until(start + 250ms);
  const uint64_t half = sink.played_samples();
  const double expected =
      48000 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The dummy device takes a buffer (512 frames, ~11 ms) ahead, and the
  // machine may be busy: 60 ms of slack either way.
  CHECK(static_cast<double>(half) == Approx(expected).margin(48000 * 0.06));
  CHECK(sink.presented_at(half + 4800) > std::chrono::steady_clock::now() + 90ms);
  std::this_thread::sleep_until(start + 600ms);
  CHECK(sink.played_samples() == 24000);
  CHECK(sink.queued_duration() == 0ns);
  sink.close();
}

TEST_CASE("the SDL sink's mute keeps the timing", "[audio][render][sdl]") {
  setenv("SDL_AUDIODRIVER", "dummy", 1);
  SdlAudioSink sink;
  sink.open(48000, 1);
  REQUIRE(sink.queue(tone(48000, 1, 0.3)) == 14400);
  sink.mute(true);
  CHECK(sink.queued_samples() == 14400);
  CHECK(sink.queued_duration() > 200ms);  // the silence is as long as the sound it replaced
  std::this_thread::sleep_for(400ms);
  CHECK(sink.played_samples() == 14400);
  // The queue has been dry ~100 ms: an underrun going on.
  const AudioUnderruns u = sink.underruns();
  CHECK(u.count == 1);
  CHECK(u.duration > 30ms);
  CHECK(u.duration < 300ms);
}
