// ReceiverStatistics: RFC 3550 A.1 sequence validation, A.3 counts, A.8
// jitter and the §6.4.1 report block, with arrival times injected.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>

#include "common/rtp/receiver_statistics.hpp"

using namespace flowcast::common;
using namespace std::chrono_literals;
using Clock = ReceiverStatistics::Clock;
using Verdict = ReceiverStatistics::Verdict;

namespace {

const Clock::time_point kT0 = Clock::time_point(1h);
constexpr uint32_t kSsrc = 0x1234'5678;

// A media packet of `sequence`, 20 ms (1800 ticks) per number, arriving on
// time unless `late` says otherwise.
ReceiverStatistics::Sequenced feed(ReceiverStatistics& s, uint16_t sequence, int64_t index,
                                   std::chrono::microseconds late = 0us) {
  const auto ts = static_cast<uint32_t>(index * 1800);
  return s.on_packet(sequence, ts, kT0 + index * 20ms + late, 100);
}

}  // namespace

TEST_CASE("ReceiverStatistics: in order, expected equals received", "[unit][rtp]") {
  ReceiverStatistics s;
  for (int i = 0; i < 10; ++i) {
    const auto v = feed(s, static_cast<uint16_t>(100 + i), i);
    CHECK(v.verdict == Verdict::accepted);
    CHECK(v.extended == 100 + i);
  }
  const auto& c = s.counters();
  CHECK(c.received == 10);
  CHECK(c.expected() == 10);
  CHECK(c.lost() == 0);
  CHECK(c.bytes == 1000);
  CHECK(s.jitter() == 0);  // every packet on time
}

TEST_CASE("ReceiverStatistics: extended numbers across the wrap, and loss", "[unit][rtp]") {
  ReceiverStatistics s;
  feed(s, 65534, 0);
  feed(s, 65535, 1);
  CHECK(feed(s, 0, 2).extended == 65536);
  CHECK(feed(s, 2, 4).extended == 65538);  // 1 lost
  CHECK(s.counters().highest == 65538);
  CHECK(s.counters().expected() == 5);
  CHECK(s.counters().lost() == 1);
  // Reordered across the wrap, the lost one after all.
  CHECK(feed(s, 1, 3).extended == 65537);
  CHECK(s.counters().reordered == 1);
  CHECK(s.counters().lost() == 0);
  const auto block = s.report_block(kSsrc, kT0 + 1s);
  REQUIRE(block);
  CHECK(block->highest_sequence == 65538);  // one cycle, then 2
}

TEST_CASE("ReceiverStatistics: duplicates count, and never as loss or reordering", "[unit][rtp]") {
  ReceiverStatistics s;
  for (int i = 0; i < 5; ++i) feed(s, static_cast<uint16_t>(i), i);
  const auto dup = feed(s, 2, 2);
  CHECK(dup.duplicate);
  CHECK(dup.verdict == Verdict::accepted);
  feed(s, 4, 4);
  CHECK(s.counters().duplicate == 2);
  CHECK(s.counters().reordered == 0);
  CHECK(s.counters().received == 7);
  CHECK(s.counters().lost() == 0);
}

TEST_CASE("ReceiverStatistics: a packet from before the first moves the base back", "[unit][rtp]") {
  ReceiverStatistics s;
  feed(s, 100, 2);
  feed(s, 98, 0);
  feed(s, 101, 3);
  CHECK(s.counters().base == 98);
  CHECK(s.counters().expected() == 4);
  CHECK(s.counters().lost() == 1);
}

TEST_CASE("ReceiverStatistics: a large jump resyncs after two in sequence (A.1)", "[unit][rtp]") {
  ReceiverStatistics s;
  for (int i = 0; i < 5; ++i) feed(s, static_cast<uint16_t>(1000 + i), i);  // 1000..1004
  SECTION("two in sequence: a new space that continues the extended numbers") {
    CHECK(feed(s, 40000, 5).verdict == Verdict::probation);
    const auto v = feed(s, 40001, 6);
    CHECK(v.verdict == Verdict::resynced);
    CHECK(v.extended == 1006);  // the held one is 1005
    CHECK(s.counters().resyncs == 1);
    CHECK(s.counters().lost() == 0);  // the jump is no loss
    CHECK(feed(s, 40002, 7).extended == 1007);
  }
  SECTION("one alone is a stray, told on the next packet") {
    CHECK(feed(s, 40000, 5).verdict == Verdict::probation);
    const auto v = feed(s, 1005, 6);
    CHECK(v.verdict == Verdict::accepted);
    CHECK(v.stray_dropped);
    CHECK(v.extended == 1005);
    CHECK(s.counters().strays == 1);
    CHECK(s.counters().received == 7);
    CHECK(s.counters().lost() == 0);  // a stray is neither payload nor loss
  }
  SECTION("a stray followed by another jump") {
    feed(s, 40000, 5);
    const auto v = feed(s, 50000, 6);
    CHECK(v.verdict == Verdict::probation);
    CHECK(v.stray_dropped);
  }
}

TEST_CASE("ReceiverStatistics: probation of a new source (MIN_SEQUENTIAL)", "[unit][rtp]") {
  ReceiverStatisticsConfig config;
  config.min_sequential = 2;
  ReceiverStatistics s(config);
  CHECK(feed(s, 10, 0).verdict == Verdict::probation);
  CHECK_FALSE(s.started());
  CHECK_FALSE(s.report_block(kSsrc, kT0));
  // Not in sequence: probation starts again, the held one goes uncounted.
  const auto again = feed(s, 20, 1);
  CHECK(again.verdict == Verdict::probation);
  CHECK(again.stray_dropped);
  const auto valid = feed(s, 21, 2);
  CHECK(valid.verdict == Verdict::resynced);
  CHECK(valid.extended == 21);
  CHECK(s.started());
  CHECK(s.counters().received == 2);
  CHECK(s.counters().base == 20);
  CHECK(s.counters().strays == 0);
}

TEST_CASE("ReceiverStatistics: restart begins a new space without probation", "[unit][rtp]") {
  ReceiverStatistics s;
  for (int i = 0; i < 3; ++i) feed(s, static_cast<uint16_t>(500 + i), i);
  s.restart();
  const auto v = feed(s, 9, 3);
  CHECK(v.verdict == Verdict::accepted);
  CHECK(v.extended == 503);
  CHECK(s.counters().resyncs == 1);
  CHECK(s.counters().lost() == 0);
}

TEST_CASE("ReceiverStatistics: fillers take their number and are no loss", "[unit][rtp]") {
  ReceiverStatistics s;
  feed(s, 0, 0);
  s.on_packet(1, std::nullopt, kT0 + 20ms, 12);
  feed(s, 2, 2);
  CHECK(s.counters().fillers == 1);
  CHECK(s.counters().received == 3);
  CHECK(s.counters().lost() == 0);
}

TEST_CASE("ReceiverStatistics: jitter follows A.8 in timestamp units", "[unit][rtp]") {
  ReceiverStatistics s;
  feed(s, 0, 0);
  // 10 ms late: a transit difference of 900 ticks; J = 900 / 16.
  feed(s, 1, 1, 10ms);
  CHECK(s.jitter() == 56);
  // Back on time: D = 900 again; J += (900 - 56.25) / 16.
  feed(s, 2, 2);
  CHECK(s.jitter() == 108);
  SECTION("one transit difference counts at most max_transit_difference") {
    s.on_packet(3, 0, kT0 + 14h, 100);
    CHECK(s.jitter() <= ReceiverStatisticsConfig{}.max_transit_difference / 16 + 200);
    for (int i = 0; i < 300; ++i)
      s.on_packet(static_cast<uint16_t>(4 + i), 0, kT0 + 14h * (i + 2), 100);
    CHECK(s.jitter() > ReceiverStatisticsConfig{}.max_transit_difference / 2);
    CHECK(s.jitter() <= ReceiverStatisticsConfig{}.max_transit_difference);
  }
}

TEST_CASE("ReceiverStatistics: fraction lost is over the interval between reports", "[unit][rtp]") {
  ReceiverStatistics s;
  for (uint16_t i = 0; i < 4; ++i) feed(s, i, i);
  feed(s, 7, 7);  // 4, 5, 6 lost: 3 of 8
  auto block = s.report_block(kSsrc, kT0 + 500ms);
  REQUIRE(block);
  CHECK(block->ssrc == kSsrc);
  CHECK(block->fraction_lost == (3 << 8) / 8);
  CHECK(block->cumulative_lost == 3);
  CHECK(block->highest_sequence == 7);
  CHECK(block->last_sr == 0);  // no SR yet
  CHECK(block->delay_since_last_sr == 0);
  feed(s, 8, 8);
  block = s.report_block(kSsrc, kT0 + 1s);
  REQUIRE(block);
  CHECK(block->fraction_lost == 0);
  CHECK(block->cumulative_lost == 3);
}

// RFC 3550 §6.4.1's example, checked by hand: an SR sent at NTP 46853.125 s
// (middle 32 bits 0xb705:2000) is echoed 5.25 s after it arrived (DLSR
// 0x0005:4000); the RR reaches the sender at 46864.500 s (0xb710:8000), so
// the round trip is 0xb710:8000 - 0xb705:2000 - 0x0005:4000 = 0x0006:2000,
// 6.125 s.
TEST_CASE("ReceiverStatistics: LSR and DLSR echo the last SR (RFC 3550 6.4.1 example)",
          "[unit][rtp]") {
  ReceiverStatistics s;
  feed(s, 0, 0);
  const uint64_t sr_ntp = (uint64_t{0xb705} << 32) | (uint64_t{0x2000} << 16);
  const Clock::time_point sr_arrival = kT0 + 3s;
  s.on_sender_report(sr_ntp, sr_arrival);
  const auto block = s.report_block(kSsrc, sr_arrival + 5250ms);
  REQUIRE(block);
  CHECK(block->last_sr == 0xb705'2000);
  CHECK(block->delay_since_last_sr == 0x0005'4000);
  const auto rtt = round_trip_time(*block, 0xb710'8000);
  REQUIRE(rtt);
  CHECK(*rtt == 6125ms);
  // No SR echoed, or an arrival before the echo: no measurement.
  ReportBlock none = *block;
  none.last_sr = 0;
  CHECK_FALSE(round_trip_time(none, 0xb710'8000));
  CHECK_FALSE(round_trip_time(*block, 0xb705'2000));
  // Across the 16.16 clock's wrap.
  ReportBlock wrapped;
  wrapped.last_sr = 0xffff'8000;                          // 0.5 s before the wrap
  wrapped.delay_since_last_sr = 0x0000'4000;              // 0.25 s
  CHECK(round_trip_time(wrapped, 0x0000'8000) == 750ms);  // arrives 0.5 s after
}
