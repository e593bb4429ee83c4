// ReceiveBuffer at the edges of what a sender controls (docs/SECURITY.md):
// timestamp jumps, frame intervals, jitter, strays out of order, and access
// units longer than the capacity. No sockets, no threads, no sleeping.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <vector>

#include "client/playout/playout_clock.hpp"
#include "client/playout/playout_policy.hpp"
#include "client/playout/receive_buffer.hpp"
#include "client/playout/receive_buffer_fixture.hpp"
#include "client/playout/receive_path.hpp"

using namespace flowcast::client;
using namespace flowcast::test;
namespace media = flowcast::media;
using namespace std::chrono_literals;

namespace {

// A one-packet access unit at an arrival time of the test's choosing.
ReceivedPacket frame_at(uint16_t seq, uint32_t ts, SteadyTime arrival) {
  ReceivedPacket p = packet(seq, ts, true);
  p.arrival = arrival;
  return p;
}

constexpr int64_t kSecond90k = 90'000;

}  // namespace

// After a new SSRC a sender jumps its timestamps by half the clock, packet
// after packet. Each jump is re-anchored one frame interval after the newest,
// and the interval learned from those steps is at most 1 s: the timeline
// climbs by at most 1 s a packet, never by the jump (once it was learned as
// 12.8 hours, and the jitter passed 2^32 within nine packets).
TEST_CASE("ReceiveBuffer edges: timestamp jumps after a restart move the timeline by at most 1 s",
          "[unit][receive_buffer][hostile]") {
  ReceivePath b(config(OverflowPolicy::drop_old, 2s));
  SteadyTime at = kOrigin;
  uint16_t seq = 100;
  uint32_t ts = 5000;
  // Three pictures 20 s apart, sent as slowly: the interval learned is as
  // long as it gets.
  for (int i = 0; i < 3; ++i) {
    b.write(frame_at(seq++, ts, at));
    REQUIRE(take_complete(b));
    ts += 20 * kSecond90k;
    at += 20s;
  }
  REQUIRE(state(b).frame_interval_90k == ReceiveBuffer::kMaxFrameInterval90k);
  b.restart();
  seq = static_cast<uint16_t>(seq + 30000);
  std::optional<int64_t> last = 5000 + 40 * kSecond90k;
  for (int i = 0; i < 40; ++i) {
    b.write(frame_at(seq++, ts, at));
    ts += 0x7fff0000u;  // half the 32-bit clock, each packet
    at += 1ms;
    while (auto a = take_complete(b)) {
      CHECK(a->timestamp > *last);
      CHECK(a->timestamp - *last <= ReceiveBuffer::kMaxFrameInterval90k);
      last = a->timestamp;
    }
    const auto s = state(b);
    REQUIRE(s.frame_interval_90k >= 1);
    REQUIRE(s.frame_interval_90k <= ReceiveBuffer::kMaxFrameInterval90k);
    REQUIRE(s.jitter <= ReceiveBuffer::kMaxJitter90k);
  }
  CHECK(counters(b).timestamp_jumps >= 39);
  // Two steps of 20 s, then 40 access units each at most 1 s after the one before.
  CHECK(*last > 5000 + 40 * kSecond90k);
  CHECK(*last <= 5000 + 40 * kSecond90k + 40 * ReceiveBuffer::kMaxFrameInterval90k);
}

// A stream of one picture every 20 s, sent as slowly (no jump: the arrival
// times explain the steps): the interval counts as 1 s, the longest.
TEST_CASE("ReceiveBuffer edges: the frame interval is at most 1 s",
          "[unit][receive_buffer][hostile]") {
  ReceivePath b(config(OverflowPolicy::block, 2s));
  for (uint16_t i = 0; i < 4; ++i)
    b.write(frame_at(i, i * 20u * kSecond90k, kOrigin + std::chrono::seconds(20 * i)));
  REQUIRE(take_complete(b));
  REQUIRE(take_complete(b));
  const auto s = state(b);
  CHECK(s.counters.timestamp_jumps == 0);
  CHECK(s.frame_interval_90k == ReceiveBuffer::kMaxFrameInterval90k);
  // Held: two pictures 20 s apart, plus one (capped) interval.
  CHECK(s.buffered == std::chrono::microseconds((20 + 1) * 1'000'000));
}

// RFC 3550 §6.4.1's jitter grows by 1/16 of each transit difference. A
// sender silent for 14 hours that resumes its timestamps where it stopped
// makes one difference of 4.5e9 ticks, more than a 32-bit report can carry;
// it counts as kMaxJitter90k.
TEST_CASE("ReceiveBuffer edges: the jitter stays within kMaxJitter90k",
          "[unit][receive_buffer][hostile]") {
  ReceivePath b(config(OverflowPolicy::drop_old, 2s));
  SteadyTime at = kOrigin;
  uint16_t seq = 0;
  uint32_t ts = 0;
  const auto send = [&](std::chrono::nanoseconds wait, uint32_t step) {
    at += wait;
    ts += step;
    b.write(frame_at(seq++, ts, at));
    while (take_complete(b)) {
    }
  };
  for (int i = 0; i < 10; ++i) send(33333us, kTick);
  CHECK(state(b).jitter < 100);
  SECTION("one long silence") {
    send(14h, kTick);
    const uint32_t j = state(b).jitter;
    CHECK(j > 0);
    CHECK(j <= ReceiveBuffer::kMaxJitter90k / 16 + 100);
  }
  SECTION("silences again and again") {
    for (int i = 0; i < 200; ++i) send(14h, kTick);
    const uint32_t j = state(b).jitter;
    CHECK(j > ReceiveBuffer::kMaxJitter90k / 2);
    CHECK(j <= ReceiveBuffer::kMaxJitter90k);
  }
  SECTION("timestamps 59 s ahead of the arrivals, packet after packet (no jump)") {
    for (int i = 0; i < 200; ++i) send(1ms, 59 * kSecond90k);
    const auto s = state(b);
    CHECK(s.counters.timestamp_jumps == 0);
    CHECK(s.jitter > 50 * kSecond90k);
    CHECK(s.jitter <= ReceiveBuffer::kMaxJitter90k);
  }
}

// A packet out of sequence order (a reordered or resent one) is never
// re-anchored: one whose timestamp lies far from everything held is a stray,
// counted late, and neither moves the timeline nor stretches the buffered
// span. Before, each such packet could move the newest timestamp by 2^31.
TEST_CASE("ReceiveBuffer edges: a packet out of order with a far timestamp is a stray",
          "[unit][receive_buffer][hostile]") {
  const auto policy = GENERATE(OverflowPolicy::block, OverflowPolicy::drop_new,
                               OverflowPolicy::drop_old, OverflowPolicy::grow);
  INFO("policy " << static_cast<int>(policy));
  ReceivePath b(config(policy, 2s));
  // 0, 1, 2, then 4: 3 is missing.
  for (uint16_t s : {0, 1, 2, 4}) b.write(packet(s, s * kTick, true));
  const auto before = state(b);
  const uint32_t far =
      GENERATE(0x7fff0000u, 0x80010000u, 3 * kTick + 61 * 90'000u, 3 * kTick - 63 * 90'000u);
  INFO("timestamp " << far);
  b.write(packet(3, far, true));
  auto s = state(b);
  CHECK(s.counters.late == 1);
  CHECK(s.held_packets == 4);
  CHECK(s.buffered == before.buffered);
  // The timeline did not move: the next packet in order is no jump.
  b.write(packet(5, 5 * kTick, true));
  s = state(b);
  CHECK(s.counters.timestamp_jumps == 0);
  CHECK(s.buffered == std::chrono::microseconds(6 * kTick * 1000 / 90));

  SECTION("one near the others is the stream's, and fills the gap") {
    ReceivePath c(config(policy, 2s));
    for (uint16_t q : {0, 1, 2, 4}) c.write(packet(q, q * kTick, true));
    c.write(packet(3, 3 * kTick, true));
    for (uint32_t i = 0; i < 5; ++i) {
      auto a = take_complete(c);
      REQUIRE(a);
      CHECK(a->timestamp == i * kTick);
      CHECK(a->complete);
    }
    CHECK(counters(c).late == 0);
    CHECK(counters(c).reordered == 1);
  }
}

// A frame interval longer than the capacity (a 1 fps stream into 100 ms):
// one access unit alone does not make the buffer full by time, so under
// block the source is not stopped in the middle of the only access unit it
// could complete (it would wait for ever), and under drop-new every packet
// of it is kept. The next access unit is what the capacity refuses.
TEST_CASE("ReceiveBuffer edges: one access unit longer than the capacity is held whole",
          "[unit][receive_buffer][hostile]") {
  const auto policy = GENERATE(OverflowPolicy::block, OverflowPolicy::drop_new,
                               OverflowPolicy::drop_old, OverflowPolicy::grow);
  INFO("policy " << static_cast<int>(policy));
  ReceivePath b(config(policy, 100ms));
  // Learn the 1 s interval from two pictures taken.
  b.write(frame_at(0, 0, kOrigin));
  REQUIRE(take_complete(b));
  b.write(frame_at(1, kSecond90k, kOrigin + 1s));
  REQUIRE(take_complete(b));
  REQUIRE(state(b).frame_interval_90k == kSecond90k);
  auto unit = access_unit(2, 2 * kSecond90k, 3);
  for (auto& p : unit) {
    p.arrival = kOrigin + 2s;
    CHECK(b.write(std::move(p)));
  }
  CHECK_FALSE(state(b).full);
  auto a = take_complete(b);
  REQUIRE(a);
  CHECK(a->complete);
  CHECK(seqs_of(*a) == std::vector<uint16_t>{2, 3, 4});
  CHECK(counters(b).dropped_overflow == 0);
}
