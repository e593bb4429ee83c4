// The live encoder's meter: pictures a second against the pattern's rate,
// time per picture, lateness and skips, on a fake clock.
#include <catch2/catch.hpp>

#include "server/source/encoder_meter.hpp"

using namespace flowcast::server;
using namespace std::chrono_literals;
using Clock = EncoderMeter::Clock;

namespace {
// Encodes `seconds` of a 30 fps pattern that takes `took` a picture and
// keeps `per_second` of every 30 pictures (the rest skipped), from t0.
Clock::time_point run(EncoderMeter& meter, Clock::time_point t0, int seconds, int per_second,
                      Clock::duration took) {
  Clock::time_point now = t0;
  for (int s = 0; s < seconds; ++s) {
    for (int i = 0; i < 30; ++i) {
      const auto due = t0 + std::chrono::seconds(s) + i * std::chrono::microseconds(33'333);
      now = std::max(now, due);
      if (i < per_second) {
        meter.encoded(due, now, now + took);
        now += took;
      } else {
        meter.skipped(due, now);
      }
    }
  }
  return now;
}
}  // namespace

TEST_CASE("an encoder that keeps up is measured at the pattern's rate", "[unit][server]") {
  EncoderMeter meter("h264", "veryfast", 30);
  const Clock::time_point t0{};
  const auto end = run(meter, t0, 5, 30, 4ms);
  const EncoderMetrics m = meter.metrics(end);
  CHECK(m.codec == "h264");
  CHECK(m.preset == "veryfast");
  CHECK(m.target_fps == 30);
  CHECK(m.pictures_encoded == 150);
  CHECK(m.pictures_skipped == 0);
  CHECK(m.pictures_per_second_mean == Approx(30).epsilon(0.02));
  CHECK(m.pictures_per_second_min == 30);
  CHECK(m.picture_ms_mean == Approx(4));
  CHECK(m.picture_ms_peak == Approx(4));
  CHECK(m.behind_ms_peak == Approx(0).margin(0.001));
  CHECK_FALSE(m.fell_behind);
  CHECK_FALSE(meter.first_behind_fps());
  CHECK(meter.last_second_fps() == 30);
  CHECK(meter.last_second_picture_ms() == Approx(4));
}

TEST_CASE("an encoder at two thirds of the rate fell behind, and by how much", "[unit][server]") {
  EncoderMeter meter("h265", "ultrafast", 30);
  const Clock::time_point t0{};
  // 20 of every 30 pictures, 50 ms each: the other 10 are skipped.
  const auto end = run(meter, t0, 5, 20, 50ms);
  const EncoderMetrics m = meter.metrics(end);
  CHECK(m.pictures_encoded == 100);
  CHECK(m.pictures_skipped == 50);
  CHECK(m.pictures_per_second_min == 20);
  CHECK(m.pictures_per_second_mean == Approx(20).epsilon(0.05));
  CHECK(m.picture_ms_mean == Approx(50));
  CHECK(m.behind_ms_peak > 100);
  CHECK(m.fell_behind);
  REQUIRE(meter.first_behind_fps());
  CHECK(*meter.first_behind_fps() == Approx(20));
  // One reading holds it all, as the server's status line and warning read it.
  const EncoderReading r = meter.reading(end);
  CHECK(r.run.pictures_encoded == 100);
  CHECK(r.run.fell_behind);
  CHECK(r.last_second_fps == meter.last_second_fps());
  CHECK(r.last_second_picture_ms == Approx(50));
  REQUIRE(r.behind_fps);
  CHECK(*r.behind_fps == Approx(20));
}

TEST_CASE("the server's last word on an encoder that fell behind", "[unit][server]") {
  EncoderMetrics m;
  m.target_fps = 30;
  m.pictures_encoded = 1200;
  m.pictures_per_second_mean = 20;
  m.pictures_skipped = 400;
  m.picture_ms_mean = 48;
  m.picture_ms_peak = 90.4;
  CHECK(fell_behind_summary(m) ==
        "the encoder fell behind: 1200 pictures encoded, 20.0 a second of 30 (67%), 400 skipped; "
        "48 ms a picture, at most 90 ms");
}

TEST_CASE("a slow start or one slow second is not falling behind", "[unit][server]") {
  EncoderMeter meter("h265", "ultrafast", 30);
  const Clock::time_point t0{};
  // A first second at 15 pictures (the encoder warming up), then 30 a second
  // but for one second at 24.
  auto now = run(meter, t0, 1, 15, 5ms);
  now = run(meter, t0 + 1s, 2, 30, 5ms);
  now = run(meter, t0 + 3s, 1, 24, 5ms);
  now = run(meter, t0 + 4s, 1, 30, 5ms);
  EncoderMetrics m = meter.metrics(now);
  CHECK(m.pictures_per_second_min == 24);
  CHECK_FALSE(m.fell_behind);
  // Three slow seconds in a row are.
  now = run(meter, t0 + 5s, 3, 20, 5ms);
  now = run(meter, t0 + 8s, 1, 30, 5ms);
  m = meter.metrics(now);
  CHECK(m.fell_behind);
}

TEST_CASE("an encoder stuck on one picture counts empty seconds", "[unit][server]") {
  EncoderMeter meter("h265", "ultrafast", 30);
  const Clock::time_point t0{};
  meter.encoded(t0, t0, t0 + 10ms);
  // Nothing for 5 s, then one picture 5 s late.
  meter.encoded(t0 + 33ms, t0 + 33ms, t0 + 5s);
  const EncoderMetrics m = meter.metrics(t0 + 5s);
  CHECK(m.pictures_per_second_min == 0);
  CHECK(m.picture_ms_peak == Approx(5000 - 33));
  CHECK(m.fell_behind);
}

TEST_CASE("an encoder with no whole second yet reports its rate so far", "[unit][server]") {
  EncoderMeter meter("h264", "veryfast", 30);
  const Clock::time_point t0{};
  CHECK(meter.metrics(t0).pictures_per_second_mean == 0);
  meter.encoded(t0, t0, t0 + 10ms);
  meter.encoded(t0 + 100ms, t0 + 100ms, t0 + 110ms);
  const EncoderMetrics m = meter.metrics(t0 + 510ms);
  CHECK(m.pictures_encoded == 2);
  CHECK(m.pictures_per_second_mean == Approx(4));
  CHECK(m.pictures_per_second_min == m.pictures_per_second_mean);
  CHECK_FALSE(m.fell_behind);
}
