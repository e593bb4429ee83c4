// Pacer: the smooth schedule's bursts, their spacing, and what it never does
// (a keyframe all at once, a frame past 80% of its interval).
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "server/session/pacer.hpp"

using namespace flowcast::server;

namespace {

// The packets of each burst, and when each burst leaves, as the schedule
// says packet by packet.
struct Bursts {
  std::vector<size_t> sizes;
  std::vector<uint64_t> offsets_us;
};

Bursts bursts_of(const BurstSchedule& schedule, size_t packets) {
  Bursts b;
  for (size_t i = 0; i < packets; ++i) {
    const uint64_t at = schedule.offset_us(i);
    if (b.offsets_us.empty() || at != b.offsets_us.back()) {
      b.offsets_us.push_back(at);
      b.sizes.push_back(0);
    }
    ++b.sizes.back();
  }
  return b;
}

int64_t interval_us(int64_t duration_90k) {
  return (duration_90k > 0 ? duration_90k : Pacer::kDefaultDuration90k) * 1000 / 90;
}

// 120, 60, 50, 30, 25 and 1 frames a second, and a frame without a duration.
const std::vector<int64_t> kDurations90k = {750, 1500, 1800, 3000, 3600, 90000, 0};

}  // namespace

TEST_CASE("Pacer: burst pacing sends every frame at once", "[unit][server][pacing]") {
  const Pacer pacer(Pacing::burst);
  for (size_t packets : {1, 8, 9, 60, 1000}) {
    const auto schedule = pacer.schedule(packets, 3000);
    const auto b = bursts_of(schedule, packets);
    REQUIRE(b.sizes.size() == 1);
    CHECK(b.sizes[0] == packets);
    CHECK(b.offsets_us[0] == 0);
  }
}

TEST_CASE("Pacer: a small frame leaves in one burst", "[unit][server][pacing]") {
  const Pacer pacer(Pacing::smooth);
  for (int64_t duration : kDurations90k) {
    for (size_t packets = 1; packets <= Pacer::kMinBurstPackets; ++packets) {
      const auto b = bursts_of(pacer.schedule(packets, duration), packets);
      CHECK(b.sizes == std::vector<size_t>{packets});
      CHECK(b.offsets_us == std::vector<uint64_t>{0});
    }
  }
}

TEST_CASE("Pacer: a keyframe never leaves in one burst", "[unit][server][pacing]") {
  const Pacer pacer(Pacing::smooth);
  // From just past one burst to a 1.2 MB picture in 1200-byte packets.
  for (int64_t duration : kDurations90k) {
    for (size_t packets = Pacer::kMinBurstPackets + 1; packets <= 1000; ++packets) {
      const auto b = bursts_of(pacer.schedule(packets, duration), packets);
      INFO(packets << " packets, " << duration << " ticks");
      CHECK(b.sizes.size() >= 2);
      CHECK(b.offsets_us.back() > 0);
    }
  }
}

TEST_CASE("Pacer: bursts are even, 2 ms apart at least, and within 80% of the interval",
          "[unit][server][pacing]") {
  const Pacer pacer(Pacing::smooth);
  for (int64_t duration : kDurations90k) {
    const int64_t spread_us = interval_us(duration) * 8 / 10;
    for (size_t packets = 1; packets <= 1000; ++packets) {
      const auto schedule = pacer.schedule(packets, duration);
      const auto b = bursts_of(schedule, packets);
      INFO(packets << " packets, " << duration << " ticks");
      // No more bursts than kMinBurstPackets packets apiece allow.
      CHECK(b.sizes.size() <= (packets + Pacer::kMinBurstPackets - 1) / Pacer::kMinBurstPackets);
      if (schedule.size == 0) {
        CHECK(b.sizes == std::vector<size_t>{packets});
      } else {
        // Every burst but the last is the schedule's size; the last is no larger.
        for (size_t k = 0; k + 1 < b.sizes.size(); ++k) CHECK(b.sizes[k] == schedule.size);
        CHECK(b.sizes.back() <= schedule.size);
      }
      for (size_t k = 1; k < b.offsets_us.size(); ++k) {
        CHECK(b.offsets_us[k] - b.offsets_us[k - 1] >=
              static_cast<uint64_t>(Pacer::kMinBurstGapUs));
        CHECK(b.offsets_us[k] - b.offsets_us[k - 1] == schedule.spacing_us);
      }
      // The frame has left before 80% of its interval is over.
      CHECK(b.offsets_us.back() < static_cast<uint64_t>(spread_us));
    }
  }
}

TEST_CASE("Pacer: a 60-packet frame at 30 fps goes in eight bursts of eight",
          "[unit][server][pacing]") {
  const Pacer pacer(Pacing::smooth);
  const auto schedule = pacer.schedule(60, 3000);
  CHECK(schedule.size == 8);
  CHECK(schedule.spacing_us == 26666 / 8);
  const auto b = bursts_of(schedule, 60);
  CHECK(b.sizes == std::vector<size_t>{8, 8, 8, 8, 8, 8, 8, 4});
  CHECK(b.offsets_us.back() == 7 * (26666 / 8));
  // A large keyframe: as many bursts as 2 ms gaps fit in 80% of 33 ms.
  const auto keyframe = bursts_of(pacer.schedule(300, 3000), 300);
  CHECK(keyframe.sizes.size() == 13);
  CHECK(keyframe.sizes.front() == 24);
  // A frame without a duration is paced as one of 30 fps.
  CHECK(pacer.schedule(60, 0).spacing_us == schedule.spacing_us);
}

TEST_CASE("Pacer: a picture held for seconds is spread over 100 ms at most",
          "[unit][server][pacing]") {
  const Pacer pacer(Pacing::smooth);
  // One picture every 3 s: its keyframe must arrive whole long before it is
  // due, as one at 10 fps does.
  for (const int64_t duration : {int64_t{9000}, int64_t{90000}, int64_t{270000}}) {
    INFO(duration << " ticks");
    const auto b = bursts_of(pacer.schedule(300, duration), 300);
    CHECK(b.offsets_us.back() < 80'000);
    CHECK(pacer.schedule(300, duration).spacing_us == pacer.schedule(300, 9000).spacing_us);
  }
}
