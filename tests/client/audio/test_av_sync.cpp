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

TEST_CASE("next_sync_point marks a report that moves its stream's mapping", "[unit][av_sync]") {
  const SyncPoint first = next_sync_point(std::nullopt, 0, 100 * kNtpSecond, kT0);
  CHECK(first.received == kT0);
  CHECK(first.moved == SteadyTime{});  // its first: no move
  // 0.5 s later on both clocks, 1 ms of drift: the same mapping.
  const SyncPoint same = next_sync_point(
      first, 45'000, 100 * kNtpSecond + kNtpSecond / 2 + kNtpSecond / 1000, kT0 + 500ms);
  CHECK(same.received == kT0 + 500ms);
  CHECK(same.moved == SteadyTime{});
  // 66 ms off: moved, and it stays the last move after.
  const SyncPoint moved =
      next_sync_point(same, 90'000, 101 * kNtpSecond + 66 * kNtpSecond / 1000, kT0 + 1s);
  CHECK(moved.moved == kT0 + 1s);
  const SyncPoint after =
      next_sync_point(moved, 180'000, 102 * kNtpSecond + 66 * kNtpSecond / 1000, kT0 + 2s);
  CHECK(after.moved == kT0 + 1s);
}

TEST_CASE("AvSync waits out a sender report that moves one stream's mapping until the other's",
          "[unit][av_sync]") {
  AvSync sync;
  // GStreamer's first reports, at PLAY, place both streams 66 ms earlier on
  // its clock than its later ones do: in sync with each other either way.
  const uint64_t off = 66 * kNtpSecond / 1000;
  const SyncPoint video1 = next_sync_point(std::nullopt, 0, 100 * kNtpSecond, kT0);
  const SyncPoint audio1 = next_sync_point(std::nullopt, 0, 100 * kNtpSecond, kT0);
  const SyncPoint video2 =
      next_sync_point(video1, 45'000, 100 * kNtpSecond + kNtpSecond / 2 + off, kT0 + 500ms);
  const SyncPoint audio2 =
      next_sync_point(audio1, 54'000, 100 * kNtpSecond + kNtpSecond * 6 / 10 + off, kT0 + 600ms);
  const SyncPoint video3 = next_sync_point(video2, 90'000, 101 * kNtpSecond + off, kT0 + 1s);
  int i = 0;
  const auto show = [&](const SyncPoint& video, const SyncPoint& audio) {
    const int64_t pts = 3000 * i;
    return sync.on_shown(pts, kT0 + i++ * 33ms, video, audio, pts, 3000);
  };
  for (int n = 0; n < 5; ++n) CHECK_FALSE(show(video1, audio1));
  CHECK(sync.figures().pictures == 5);
  // The video's new report with the audio's old one would make the audio
  // 66 ms late: not measured, however many pictures, nor corrected.
  for (int n = 0; n < 10; ++n) CHECK_FALSE(show(video2, audio1));
  CHECK(sync.figures().pictures == 5);
  // The audio's moved too, after the video's: measured once the video has
  // reported since.
  CHECK_FALSE(show(video2, audio2));
  CHECK(sync.figures().pictures == 5);
  for (int n = 0; n < 5; ++n) CHECK_FALSE(show(video3, audio2));
  const AvSyncFigures f = sync.figures();
  CHECK(f.pictures == 10);
  CHECK(f.corrections == 0);
  CHECK(f.max_ms == Approx(0.0).margin(0.01));
}

TEST_CASE("AvSync measures and corrects a mapping move that the other stream's report leaves",
          "[unit][av_sync]") {
  AvSync sync;
  const SyncPoint video1 = next_sync_point(std::nullopt, 0, 100 * kNtpSecond, kT0);
  const SyncPoint audio1 = next_sync_point(std::nullopt, 0, 100 * kNtpSecond, kT0);
  // The audio's mapping alone moves 40 ms, and the video's next report
  // does not follow: the offset is real.
  const SyncPoint audio2 =
      next_sync_point(audio1, 90'000, 101 * kNtpSecond + 40 * kNtpSecond / 1000, kT0 + 1s);
  const SyncPoint video2 = next_sync_point(video1, 90'000, 101 * kNtpSecond, kT0 + 1200ms);
  CHECK_FALSE(sync.on_shown(0, kT0 + 100ms, video1, audio1, 0, 3000));
  CHECK_FALSE(sync.on_shown(3000, kT0 + 1100ms, video1, audio2, 3000, 3000));
  CHECK(sync.figures().pictures == 1);
  CHECK_FALSE(sync.on_shown(6000, kT0 + 1233ms, video2, audio2, 6000, 3000));
  const auto shift = sync.on_shown(9000, kT0 + 1266ms, video2, audio2, 9000, 3000);
  // The audio plays an instant 40 ms later than the picture shows: early;
  // the second such picture makes the median of the first window 40 ms.
  REQUIRE(shift);
  CHECK(shift->count() == Approx(-40'000).margin(2));  // NTP fractions round
  CHECK(sync.figures().pictures == 3);
}
