// ReceiveBuffer at its limits, written through its ReceivePath: each
// overflow policy (block, drop-new, drop-old, grow), the bounds on bytes and
// packets held whatever arrives, and the byte capacity following the
// stream's rate. No sockets, no threads, no sleeping.
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

TEST_CASE("ReceiveBuffer overflow: block returns false at the limit and drains",
          "[unit][receive_buffer][overflow]") {
  int drains = 0;

  SECTION("bounded in media time: three 33 ms access units fill 100 ms") {
    ReceivePath b(config(OverflowPolicy::block, 100ms));
    b.on_drain([&] { ++drains; });
    auto a0 = access_unit(0, 0, 2);
    auto a1 = access_unit(2, kTick, 2);
    auto a2 = access_unit(4, 2 * kTick, 2);
    CHECK(b.write(std::move(a0[0])));
    CHECK(b.write(std::move(a0[1])));
    CHECK(b.write(std::move(a1[0])));
    CHECK(b.write(std::move(a1[1])));
    CHECK_FALSE(b.write(std::move(a2[0])));  // 100 ms held
    CHECK(is_full(b));
    // What the source had already read still goes in.
    CHECK_FALSE(b.write(std::move(a2[1])));
    CHECK(counters(b).dropped_overflow == 0);
    CHECK(drains == 0);

    REQUIRE(take_complete(b));
    CHECK_FALSE(is_full(b));
    CHECK(drains == 1);
    REQUIRE(take_complete(b));
    CHECK(drains == 1);  // once per false write, not per take
    auto last = take_complete(b);
    REQUIRE(last);
    CHECK(last->complete);
    CHECK(seqs_of(*last) == std::vector<uint16_t>{4, 5});
  }

  SECTION("bounded in bytes") {
    ReceivePath b(config(OverflowPolicy::block, 10s, 500));
    b.on_drain([&] { ++drains; });
    for (uint16_t s = 0; s < 4; ++s) CHECK(b.write(packet(s, (s / 2) * kTick, s % 2 == 1, 100)));
    CHECK_FALSE(b.write(packet(4, 2 * kTick, false, 100)));  // 500 bytes
    CHECK_FALSE(b.write(packet(5, 2 * kTick, true, 100)));
    CHECK(counters(b).dropped_overflow == 0);
    {
      const auto s = state(b);
      CHECK(s.bytes == 600);
    }
    REQUIRE(take_complete(b));  // 400 bytes left: below the mark
    CHECK(drains == 1);
    REQUIRE(take_complete(b));  // 200 bytes left
    CHECK(b.write(packet(6, 3 * kTick, true, 100)));
    CHECK(drains == 1);
  }
}

TEST_CASE("ReceiveBuffer overflow: drop-new discards and counts the arriving packet",
          "[unit][receive_buffer][overflow]") {
  // 600 bytes: three access units of two 100-byte packets.
  ReceivePath b(config(OverflowPolicy::drop_new, 10s, 600));
  for (uint16_t s = 0; s < 6; ++s) CHECK(b.write(packet(s, (s / 2) * kTick, s % 2 == 1, 100)));
  CHECK(is_full(b));
  CHECK(counters(b).dropped_overflow == 0);
  // The fourth access unit does not fit: both packets go, and the source is
  // not told to stop.
  CHECK(b.write(packet(6, 3 * kTick, false, 100)));
  CHECK(b.write(packet(7, 3 * kTick, true, 100)));
  CHECK(counters(b).dropped_overflow == 2);
  {
    const auto s = state(b);
    CHECK(s.bytes == 600);
  }
  // What was held is intact.
  for (uint32_t i = 0; i < 3; ++i) {
    auto a = take_complete(b);
    REQUIRE(a);
    CHECK(a->timestamp == i * kTick);
    CHECK(a->complete);
  }
  // The next access unit fits again but follows a gap: a loss, once later
  // data shows it is not a delay.
  write_all(b, access_unit(8, 4 * kTick, 2, 100));
  CHECK_FALSE(take_complete(b));
  write_all(b, access_unit(10, 5 * kTick, 2, 100));
  auto a = take_incomplete(b);
  REQUIRE(a);
  CHECK(a->timestamp == 4 * kTick);
  CHECK_FALSE(a->complete);
  CHECK(a->gap_before.at(0));
  CHECK(counters(b).dropped_overflow == 2);
}

// Under drop-new a packet of a frame already held adds bytes, not media time:
// the frame that reaches the bound is kept whole.
TEST_CASE("ReceiveBuffer overflow: drop-new keeps an access unit whole once its first packet is in",
          "[unit][receive_buffer][overflow]") {
  ReceivePath b(config(OverflowPolicy::drop_new, 100ms));
  write_all(b, access_unit(0, 0, 2));
  write_all(b, access_unit(2, kTick, 2));
  write_all(b, access_unit(4, 2 * kTick, 2));
  CHECK(counters(b).dropped_overflow == 0);
  REQUIRE(take_complete(b));
  REQUIRE(take_complete(b));
  auto a = take_complete(b);
  REQUIRE(a);
  CHECK(seqs_of(*a) == std::vector<uint16_t>{4, 5});
}

TEST_CASE("ReceiveBuffer overflow: drop-old discards the oldest whole access unit",
          "[unit][receive_buffer][overflow]") {
  ReceivePath b(config(OverflowPolicy::drop_old, 100ms));
  // Write access units of three packets until the policy acts.
  uint16_t seq = 0;
  uint32_t au = 0;
  while (counters(b).dropped_overflow == 0 && au < 10) {
    for (int i = 0; i < 3; ++i) CHECK(b.write(packet(seq++, au * kTick, i == 2)));
    ++au;
  }
  REQUIRE(au < 10);
  const auto k = counters(b);
  // Whole access units go, every packet counted.
  CHECK(k.dropped_overflow % 3 == 0);
  CHECK(k.dropped_overflow > 0);
  // The bound holds: at most the capacity is kept, never more.
  CHECK(buffered(b) <= 100ms);
  // The oldest went first: what is held is the newest, with nothing between.
  const auto dropped_aus = static_cast<uint32_t>(k.dropped_overflow / 3);
  CHECK(front_ts(b) == static_cast<int64_t>(dropped_aus * kTick));

  // The first to leave is whole, but its references are gone.
  auto first = take_complete(b);
  REQUIRE(first);
  CHECK(first->payloads.size() == 3);
  CHECK_FALSE(first->complete);
  // The one after it is complete again.
  auto second = take_complete(b);
  if (second) CHECK(second->complete);
  CHECK(lost(b) == 0);

  // A packet of a discarded access unit, re-sent, is not taken back in.
  b.write(packet(0, 0, false));
  CHECK(counters(b).duplicate == 1);
  CHECK(counters(b).dropped_overflow == k.dropped_overflow);
}

// drop-old discards only once the bound is passed, so a buffer of 100 ms
// holds three 33 ms frames.
TEST_CASE("ReceiveBuffer overflow: drop-old discards only past the bound",
          "[unit][receive_buffer][overflow]") {
  ReceivePath b(config(OverflowPolicy::drop_old, 100ms));
  write_all(b, access_unit(0, 0, 2));
  write_all(b, access_unit(2, kTick, 2));
  write_all(b, access_unit(4, 2 * kTick, 2));
  CHECK(counters(b).dropped_overflow == 0);  // 100 ms held: at the bound, not past it
  b.write(packet(6, 3 * kTick, false));
  CHECK(counters(b).dropped_overflow == 2);  // exactly the oldest access unit
  CHECK(front_ts(b) == std::optional<int64_t>(kTick));
}

TEST_CASE("ReceiveBuffer overflow: grow enlarges the bound up to grow_max, and grow_max holds",
          "[unit][receive_buffer][overflow]") {
  // 400 bytes to start, at most 1000: 100-byte packets, two per access unit.
  ReceivePath b(config(OverflowPolicy::grow, 10s, 400, 1000));
  {
    const auto s = state(b);
    CHECK(s.capacity_bytes == 400);
  }
  std::vector<int64_t> capacities;
  bool last_write = true;
  for (uint16_t s = 0; s < 14; ++s) {
    last_write = b.write(packet(s, (s / 2) * kTick, s % 2 == 1, 100));
    capacities.push_back(state(b).capacity_bytes);
  }
  const auto k = counters(b);
  CHECK(k.grow_events == 3);  // 400 -> 600 -> 900 -> 1000
  // Nothing is dropped while it can grow; past grow_max the packets the
  // source had already read go, not into the buffer.
  CHECK(k.dropped_overflow == 4);
  CHECK(capacities.back() == 1000);
  for (size_t i = 1; i < capacities.size(); ++i) {
    CHECK(capacities[i] >= capacities[i - 1]);
    CHECK(capacities[i] <= 1000);
  }
  // At grow_max it blocks like block: the source is told to stop.
  CHECK_FALSE(last_write);
  {
    const auto s = state(b);
    CHECK(s.bytes == 1000);
    CHECK(s.byte_bound == 1000 + media::kMaxAccessUnitBytes);
    CHECK(k.peak_bytes <= 1000);
  }
  int taken = 0;
  while (auto a = take_complete(b)) {
    CHECK(a->complete);
    ++taken;
  }
  CHECK(taken == 5);
}

// grow tells the source to stop only when it cannot grow any more.
TEST_CASE("ReceiveBuffer overflow: grow does not tell the source to stop below grow_max",
          "[unit][receive_buffer][overflow]") {
  ReceivePath b(config(OverflowPolicy::grow, 10s, 400, 1000));
  for (uint16_t s = 0; s < 9; ++s) {  // 900 bytes: below grow_max
    INFO("packet " << s);
    CHECK(b.write(packet(s, (s / 2) * kTick, s % 2 == 1, 100)));
  }
  CHECK(counters(b).grow_events > 0);
}

// A sender that starts an access unit (say an FU-A) and never ends it: one
// timestamp, no marker, packet after packet. Kept, it would grow the buffer
// without limit (drop-old never found an older unit to evict) or hold a
// blocked source forever (block, grow). Under every policy the bounds hold,
// the unit goes whole and counted, and the stream plays on after it.
TEST_CASE("ReceiveBuffer bounds: an access unit that never ends cannot outgrow the buffer",
          "[unit][receive_buffer][overflow][hostile]") {
  const auto policy = GENERATE(OverflowPolicy::block, OverflowPolicy::drop_new,
                               OverflowPolicy::drop_old, OverflowPolicy::grow);
  INFO("policy " << static_cast<int>(policy));
  ReceivePath b(config(policy, 2s, 64 * 1024, 128 * 1024));
  size_t bound = 0;
  {
    const auto s = state(b);
    bound = s.byte_bound;
    CHECK(bound <= 128 * 1024 + ReceiveBuffer::kBlockSlackBytes + media::kMaxAccessUnitBytes);
  }
  uint16_t seq = 0;
  bool last = true;
  for (int i = 0; i < 2000; ++i) {  // 34 MB offered at one timestamp
    last = b.write(packet(seq++, 0, false, 17000));
    const auto s = state(b);
    REQUIRE(s.bytes <= bound);
  }
  const auto k = counters(b);
  CHECK(k.peak_bytes <= bound);
  CHECK(k.dropped_overflow > 1500);
  // The source is not held back for good: reading goes on.
  CHECK(last);
  // The next access unit plays.
  write_all(b, access_unit(seq, kTick, 3, 1000));
  seq += 3;
  write_all(b, access_unit(seq, 2 * kTick, 3, 1000));
  std::optional<AccessUnitPayloads> a;
  a = playable(b) ? take_complete(b) : std::nullopt;
  if (!a) a = take_incomplete(b);
  REQUIRE(a);
  CHECK(a->timestamp >= 0);
  CHECK(a->payloads.size() <= 3);
  // Discarded as too large to hold, it is no part of the stream's rate: the
  // byte capacity follows the 90 kB/s of the pictures after it, not the
  // 32 MiB it reached within a frame interval (which would take it to its
  // ceiling).
  for (uint32_t t = 3; t <= 30; ++t) {
    write_all(b, access_unit(seq, t * kTick, 3, 1000));
    seq += 3;
  }
  if (policy != OverflowPolicy::grow) CHECK(state(b).capacity_bytes < 1 << 20);
}

// Empty payloads cost bookkeeping, not bytes: the packet bound holds them.
TEST_CASE("ReceiveBuffer bounds: tiny packets are bounded in count",
          "[unit][receive_buffer][overflow][hostile]") {
  const auto policy = GENERATE(OverflowPolicy::drop_new, OverflowPolicy::drop_old);
  // A long capacity in time, so the count is what binds.
  ReceivePath b(config(policy, 1000s, 64 * 1024));
  size_t limit = 0;
  {
    const auto s = state(b);
    limit = s.packet_bound - media::kMaxAccessUnitPackets;
  }
  CHECK(limit == ReceiveBuffer::kMinPacketBound);
  // Two packets per access unit: no access unit is larger than the
  // capacity, so no allowance for one is used. Nothing is taken, so the
  // count only grows until the bound holds it: checked around the bound
  // after every write, elsewhere after every 16th (a snapshot tallies up to
  // PictureLedger::kMaxOpen pictures, too slow for 12,288 of them).
  const int writes = 3 * static_cast<int>(limit);
  for (int i = 0; i < writes; ++i) {
    b.write(packet(static_cast<uint16_t>(i), (i / 2) * kTick, i % 2 == 1, 2));
    const bool near_bound = std::abs(i - static_cast<int>(limit)) <= 64 || i >= writes - 64;
    if (!near_bound && i % 16 != 0) continue;
    const auto s = state(b);
    REQUIRE(s.held_packets <= limit);
  }
  CHECK(counters(b).dropped_overflow >= 2 * limit - 2);
}

// One access unit of tiny packets may pass the packet bound, up to the
// limit of one access unit.
TEST_CASE("ReceiveBuffer bounds: one access unit of tiny packets is held up to its limit",
          "[unit][receive_buffer][overflow][hostile]") {
  ReceivePath b(config(OverflowPolicy::drop_new, 2s, 64 * 1024));
  const size_t bound = state(b).packet_bound;
  for (size_t i = 0; i < media::kMaxAccessUnitPackets + 100; ++i)
    b.write(packet(static_cast<uint16_t>(i), 0, false, 2));
  const auto s = state(b);
  CHECK(s.held_packets <= bound);
  CHECK(s.held_packets <= media::kMaxAccessUnitPackets);
  CHECK(counters(b).dropped_overflow > 0);
}

// A 20 Mbit/s stream (70 packets of 1190 bytes a picture at 30 fps) through
// a 2 s buffer: the 2 MiB it starts with hold 0.8 s of it; the capacity in
// bytes follows the measured rate, so the buffer holds the 2 s it is asked
// to, and drops nothing on the way.
TEST_CASE("ReceiveBuffer: the byte capacity follows the stream's rate, so --buffer-max is time",
          "[unit][receive_buffer][overflow]") {
  const auto policy =
      GENERATE(OverflowPolicy::drop_old, OverflowPolicy::drop_new, OverflowPolicy::block);
  INFO("policy " << static_cast<int>(policy));
  ReceivePath b(config(policy, 2s));
  const int64_t start = state(b).capacity_bytes;
  CHECK(start == 2 << 20);
  uint16_t seq = 0;
  for (uint32_t frame = 0; frame < 60; ++frame) {
    for (int i = 0; i < 70; ++i) {
      INFO("frame " << frame << " packet " << i);
      // block tells the source to stop once the 2 s are held.
      REQUIRE((b.write(packet(seq++, frame * kTick, i == 69, 1190)) || frame == 59));
    }
  }
  const auto s = state(b);
  CHECK(s.counters.dropped_overflow == 0);
  CHECK(s.buffered == 2s);
  CHECK(s.bytes == 60u * 70u * 1190u);
  // 2.5 MB a second, measured a little high (the window's end pictures).
  CHECK(s.rate_bytes_per_s >= 2.49e6);
  CHECK(s.rate_bytes_per_s <= 2.8e6);
  CHECK(s.capacity_bytes >= static_cast<int64_t>(s.bytes));
  CHECK(s.capacity_bytes <= static_cast<int64_t>(2 * 2.8e6 * ReceiveBuffer::kRateHeadroom));
  // Full in time now: the next picture is the one too many.
  CHECK(s.full);
}

TEST_CASE("ReceiveBuffer: a fixed byte capacity stays fixed when asked",
          "[unit][receive_buffer][overflow]") {
  ReceiveBufferConfig c = config(OverflowPolicy::drop_old, 2s);
  c.follow_rate = false;
  ReceivePath b(c);
  uint16_t seq = 0;
  for (uint32_t frame = 0; frame < 60; ++frame)
    for (int i = 0; i < 70; ++i) b.write(packet(seq++, frame * kTick, i == 69, 1190));
  const auto s = state(b);
  CHECK(s.capacity_bytes == 2 << 20);
  CHECK(s.bytes <= static_cast<size_t>(2 << 20));
  CHECK(s.counters.dropped_overflow > 0);
}

// A hostile sender crams 36 MB into each second of media time (and could
// cram more): the byte capacity follows it only up to its ceiling, and what
// is held stays within the bound docs/SECURITY.md states.
TEST_CASE("ReceiveBuffer bounds: the byte capacity follows a hostile rate only to its ceiling",
          "[unit][receive_buffer][overflow][hostile]") {
  const auto policy = GENERATE(OverflowPolicy::block, OverflowPolicy::drop_new,
                               OverflowPolicy::drop_old, OverflowPolicy::grow);
  INFO("policy " << static_cast<int>(policy));
  ReceivePath b(config(policy, 2s));
  const size_t ceiling = policy == OverflowPolicy::grow
                             ? 4u * (2u << 20)  // --grow-max: four times the start
                             : static_cast<size_t>(ReceiveBuffer::kMaxFollowedCapacityBytes);
  const size_t slack = policy == OverflowPolicy::block ? ReceiveBuffer::kBlockSlackBytes : 0;
  uint16_t seq = 0;
  int64_t largest = 0;
  for (uint32_t frame = 0; frame < 100; ++frame) {
    for (int i = 0; i < 20; ++i) {
      b.write(packet(seq++, frame * kTick, i == 19, 60000));
      const auto s = state(b);
      REQUIRE(s.capacity_bytes <= static_cast<int64_t>(ceiling));
      REQUIRE(s.bytes <= ceiling + slack + media::kMaxAccessUnitBytes);
      REQUIRE(s.byte_bound <= ceiling + slack + media::kMaxAccessUnitBytes);
      largest = std::max(largest, s.capacity_bytes);
    }
    // The decode thread takes what is due now and then; the block policy
    // would otherwise hold the source back for good.
    if (frame % 10 == 9)
      while (take_complete(b) && state(b).buffered > 1s) {
      }
  }
  CHECK(largest == static_cast<int64_t>(ceiling));
  CHECK(counters(b).peak_bytes <= ceiling + slack + media::kMaxAccessUnitBytes);
}
