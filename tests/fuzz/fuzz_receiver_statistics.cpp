// Fuzz target: common::ReceiverStatistics, the RFC 3550 receiver side of one
// source, over a sequence of events the input chooses.
// Input: byte 0: bits 0..1: min_sequential - 1. Then records of 4 bytes:
//   op     bits 0..1: 0 a media packet, 1 a filler, 2 a sender report, 3 a
//          report block; bit 2: restart() first; bits 3..7: the arrival
//          moves on by that many x 4 ms
//   step   int8: the sequence number moves by this (-128: by 20000, a jump)
//   ts     16 bits big-endian: the RTP timestamp moves by this x 16 (and, for
//          a sender report, the low bits of its NTP time)
// Asserts: extended numbers only grow by a verdict's rules (a resync goes on
// right after the highest); duplicates, strays and fillers are among the
// received; the base never passes the highest; the jitter never passes
// max_transit_difference; every report block carries the counts as they are
// (24-bit cumulative lost, the extended highest, the last SR's middle bits);
// a round trip computed from it is never negative.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/rtp/receiver_statistics.hpp"
#include "fuzz_input.hpp"

using namespace flowcast;
using common::ReceiverStatistics;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteReader in({data, size});
  common::ReceiverStatisticsConfig config;
  config.min_sequential = 1 + (in.u8() & 3);
  ReceiverStatistics statistics(config);
  auto at = ReceiverStatistics::Clock::time_point(std::chrono::hours(1));
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  std::optional<uint32_t> last_sr;
  while (!in.empty()) {
    const uint8_t op = in.u8();
    const auto step = static_cast<int8_t>(in.u8());
    const uint16_t ts_step = static_cast<uint16_t>(in.u8() << 8 | in.u8());
    at += std::chrono::milliseconds(4 * (op >> 3));
    if (op & 4) statistics.restart();
    const auto before = statistics.counters();
    switch (op & 3) {
      case 0:
      case 1: {
        sequence = static_cast<uint16_t>(sequence + (step == -128 ? 20000 : step));
        timestamp += uint32_t{ts_step} * 16;
        const auto media = (op & 3) == 0 ? std::optional<uint32_t>(timestamp) : std::nullopt;
        const auto v = statistics.on_packet(sequence, media, at, 100);
        const auto& c = statistics.counters();
        if (v.verdict == ReceiverStatistics::Verdict::probation) {
          FUZZ_CHECK(c.highest == before.highest);
        } else if (v.verdict == ReceiverStatistics::Verdict::resynced && before.received > 0 &&
                   before.highest >= before.base) {
          // The held packet and this one go on right after the highest.
          FUZZ_CHECK(v.extended == before.highest + 2);
        }
        if (v.verdict != ReceiverStatistics::Verdict::probation) {
          FUZZ_CHECK(v.extended <= c.highest);
          FUZZ_CHECK(v.duplicate == (c.duplicate == before.duplicate + 1));
        }
        break;
      }
      case 2: {
        const uint64_t ntp = (uint64_t{0xe000'0000} + ts_step) << 24;
        statistics.on_sender_report(ntp, at);
        last_sr = common::ntp_middle(ntp);
        break;
      }
      case 3: {
        const auto block = statistics.report_block(0x5eed, at);
        if (!statistics.started()) {
          FUZZ_CHECK(!block);
          break;
        }
        FUZZ_CHECK(block.has_value());
        const auto& c = statistics.counters();
        FUZZ_CHECK(block->cumulative_lost >= -0x800000 && block->cumulative_lost <= 0x7fffff);
        FUZZ_CHECK(block->highest_sequence == static_cast<uint32_t>(c.highest));
        FUZZ_CHECK(block->jitter == statistics.jitter());
        FUZZ_CHECK(block->last_sr == last_sr.value_or(0));
        const auto rtt = common::round_trip_time(*block, block->last_sr + ts_step * 997u);
        FUZZ_CHECK(!rtt || rtt->count() >= 0);
        break;
      }
    }
    const auto& c = statistics.counters();
    FUZZ_CHECK(c.duplicate + c.strays <= c.received);
    FUZZ_CHECK(c.fillers <= c.received);
    FUZZ_CHECK(c.received == 0 || c.highest >= c.base);
    FUZZ_CHECK(c.lost() >= -static_cast<int64_t>(c.received));
    FUZZ_CHECK(statistics.jitter() <= config.max_transit_difference);
  }
  return 0;
}
