// AvSync: the A/V offset of each picture shown against the sound heard, on
// the sender's NTP clock through each stream's sender report, its summary,
// BT.1359's window and the corrections of the video's clock. Pure: times
// and sync points are made here.
#include <catch2/catch.hpp>
#include <chrono>

#include "client/audio/av_sync.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;

namespace {

const SteadyTime kT0 = SteadyTime{} + 1h;
// 1 s in NTP's 32.32 format.
constexpr uint64_t kNtpSecond = uint64_t{1} << 32;

}  // namespace

TEST_CASE("ntp_us_of places a timeline's timestamps on the sender's NTP clock", "[unit][av_sync]") {
  CHECK(ntp_to_us(3 * kNtpSecond + kNtpSecond / 2) == 3'500'000);
  const SyncPoint p{90'000, 10 * kNtpSecond};
  CHECK(ntp_us_of(p, 90'000) == 10'000'000);
  CHECK(ntp_us_of(p, 90'000 + 4500) == 10'050'000);  // 50 ms later
  CHECK(ntp_us_of(p, 0) == 9'000'000);
}

TEST_CASE("AvSync measures audio minus video with different timestamp bases", "[unit][av_sync]") {
  AvSync sync;
  // The video's timeline and the audio's start at unrelated values; their
  // reports say both were at NTP 100 s at these timestamps.
  const SyncPoint video{1'000'000, 100 * kNtpSecond};
  const SyncPoint audio{5'000, 100 * kNtpSecond};
  // Picture at video 1'000'000 + 3000 (33.3 ms after the report); the
  // listener hears audio at 5'000 + 3000 + 1800 (20 ms later): audio early.
  const auto shift = sync.on_shown(1'003'000, kT0, video, audio, 9'800, 3000);
  CHECK_FALSE(shift);
  const AvSyncFigures f = sync.figures();
  CHECK(f.pictures == 1);
  CHECK(f.mean_signed_ms == Approx(20.0));
  CHECK(f.max_ms == Approx(20.0));
}

TEST_CASE("AvSync counts nothing without both sender reports or sound", "[unit][av_sync]") {
  AvSync sync;
  const SyncPoint p{0, 100 * kNtpSecond};
  CHECK_FALSE(sync.on_shown(3000, kT0, std::nullopt, p, 3000, 3000));
  CHECK_FALSE(sync.on_shown(6000, kT0 + 33ms, p, std::nullopt, 6000, 3000));
  CHECK_FALSE(sync.on_shown(9000, kT0 + 66ms, p, p, std::nullopt, 3000));
  CHECK(sync.figures().pictures == 0);
}

TEST_CASE("AvSync moves the video's clock by the median once it is beyond 15 ms",
          "[unit][av_sync]") {
  AvSync sync;
  const SyncPoint p{0, 100 * kNtpSecond};
  // 10 ms early: inside the threshold, never corrected.
  for (int i = 0; i < 10; ++i) {
    const int64_t pts = 3000 * i;
    CHECK_FALSE(sync.on_shown(pts, kT0 + i * 33ms, p, p, pts + 900, 3000));
  }
  // 80 ms late (audio behind), with one wild value: the median of the last
  // five decides, once three of them are late (the fourth late picture).
  std::optional<std::chrono::microseconds> shift;
  const int64_t lates[] = {-7200, -7200, 90'000, -7200};
  for (int i = 0; i < 4; ++i) {
    const int64_t pts = 30'000 + 3000 * i;
    shift = sync.on_shown(pts, kT0 + (10 + i) * 33ms, p, p, pts + lates[i], 3000);
    if (i < 3) CHECK_FALSE(shift);
  }
  REQUIRE(shift);
  // Audio late by 80 ms: the pictures come 80 ms later.
  CHECK(shift->count() == 80'000);
  const AvSyncFigures f = sync.figures();
  CHECK(f.corrections == 1);
  CHECK(f.pictures_repeated_for_sync == 2);  // 80 ms of 33.3 ms frames
  CHECK(f.pictures_dropped_for_sync == 0);
  CHECK(f.pictures == 14);
  CHECK(f.max_ms == Approx(1000.0));
}

TEST_CASE("AvSync's window share counts the time of pictures outside +45/-125 ms",
          "[unit][av_sync]") {
  AvSync sync;
  const SyncPoint p{0, 100 * kNtpSecond};
  // Four pictures 100 ms apart: 50 ms early (outside), then 0 (inside) for
  // two, then the last: 100 ms of 300 measured is outside.
  sync.on_shown(0, kT0, p, p, 4500, 9000);
  sync.on_shown(9000, kT0 + 100ms, p, p, 9000, 9000);
  sync.on_shown(18000, kT0 + 200ms, p, p, 18000, 9000);
  sync.on_shown(27000, kT0 + 300ms, p, p, 27000, 9000);
  CHECK(sync.figures().outside_window_share == Approx(1.0 / 3.0));
  // 120 ms late is inside BT.1359's −125 ms.
  AvSync late;
  late.on_shown(0, kT0, p, p, -10800, 9000);
  late.on_shown(9000, kT0 + 100ms, p, p, 9000 - 10800, 9000);
  CHECK(late.figures().outside_window_share == 0);
}
