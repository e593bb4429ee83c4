// ReceiveBuffer, written through its ReceivePath (the receiver statistics
// number the packets): packets in (built by hand, arrival times injected),
// whole access units out in sequence order, with every counter and each
// overflow policy at its limit. No sockets, no threads, no sleeping.
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
#include "client/playout/receive_path.hpp"

using namespace flowcast::client;
namespace media = flowcast::media;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t kTick = 3000;  // one frame at 30 fps on the 90 kHz clock
const SteadyTime kOrigin = SteadyTime{} + 1h;

// A packet whose payload starts with its own sequence number (big-endian), so
// a test can tell which packets an access unit was built from, and in which
// order.
ReceivedPacket packet(uint16_t seq, uint32_t ts, bool marker, size_t size = 10) {
  ReceivedPacket p;
  p.sequence = seq;
  p.timestamp = ts;
  p.marker = marker;
  p.payload.assign(std::max<size_t>(size, 2), 0xab);
  p.payload[0] = static_cast<uint8_t>(seq >> 8);
  p.payload[1] = static_cast<uint8_t>(seq & 0xff);
  p.arrival = kOrigin + std::chrono::milliseconds(seq);
  p.wire_bytes = p.payload.size() + 12;
  return p;
}

uint16_t seq_of(const std::vector<uint8_t>& payload) {
  return static_cast<uint16_t>(payload.at(0) << 8 | payload.at(1));
}

std::vector<uint16_t> seqs_of(const AccessUnitPayloads& au) {
  std::vector<uint16_t> out;
  for (const auto& p : au.payloads) out.push_back(seq_of(p));
  return out;
}

// The packets of one access unit: `count` packets from `first`, marker last.
std::vector<ReceivedPacket> access_unit(uint16_t first, uint32_t ts, int count, size_t size = 10) {
  std::vector<ReceivedPacket> out;
  for (int i = 0; i < count; ++i)
    out.push_back(packet(static_cast<uint16_t>(first + i), ts, i + 1 == count, size));
  return out;
}

void write_all(ReceivePath& b, std::vector<ReceivedPacket> packets) {
  for (auto& p : packets) b.write(std::move(p));
}

// The decode thread's takes: through the playout policy (poll_next) at a
// fake time, with playback under way and every access unit due either in
// the far future or long ago.
const SteadyTime kNow = SteadyTime{} + 10000h;
constexpr int64_t kFarTicks = int64_t{1} << 40;
std::optional<AccessUnitPayloads> take_with_clock(ReceivePath& b, SteadyTime base,
                                                  int64_t first_ts) {
  PlayoutClock clock;
  clock.start(base, first_ts);
  const PlayoutPolicy policy(PlayoutConfig{}, clock);
  return b.buffer().poll_next(policy, kNow);
}
// Nothing is due yet: the next access unit leaves if it is whole (or, once
// the stream ended, as it is).
std::optional<AccessUnitPayloads> take_complete(ReceivePath& b) {
  return take_with_clock(b, kNow + 10000h, -kFarTicks);
}
// Everything is due: the next access unit leaves as it is when later data
// is held (a gap is a loss, not a delay).
std::optional<AccessUnitPayloads> take_incomplete(ReceivePath& b) {
  return take_with_clock(b, SteadyTime{}, kFarTicks);
}
// The stream ended: the next access unit leaves as it is.
std::optional<AccessUnitPayloads> take_at_end(ReceivePath& b) {
  return take_complete(b);
}
// The buffer's state, with the counters of the whole receive path (the
// statistics' and the buffer's own) and the statistics' loss and jitter.
struct State : ReceiveBuffer::Snapshot {
  ReceiveCounters counters;
  int64_t cumulative_lost = 0;
  uint32_t jitter = 0;
};
State state(const ReceivePath& b) {
  State s;
  static_cast<ReceiveBuffer::Snapshot&>(s) = b.buffer().snapshot();
  s.counters = b.counters();
  s.cumulative_lost = s.counters.cumulative_lost;
  s.jitter = s.counters.jitter;
  return s;
}
ReceiveCounters counters(ReceivePath& b) {
  return state(b).counters;
}
int64_t lost(ReceivePath& b) {
  return state(b).cumulative_lost;
}
bool is_empty(ReceivePath& b) {
  return state(b).empty;
}
bool is_full(ReceivePath& b) {
  return state(b).full;
}
bool playable(ReceivePath& b) {
  return state(b).playable;
}
std::chrono::microseconds buffered(ReceivePath& b) {
  return state(b).buffered;
}
std::optional<int64_t> front_ts(ReceivePath& b) {
  return state(b).front_timestamp;
}

ReceiveBufferConfig config(OverflowPolicy policy, std::chrono::microseconds capacity = 10s,
                           int64_t capacity_bytes = 0, int64_t grow_max_bytes = 0) {
  ReceiveBufferConfig c;
  c.capacity = capacity;
  c.capacity_bytes = capacity_bytes;
  c.policy = policy;
  c.grow_max_bytes = grow_max_bytes;
  return c;
}

}  // namespace

TEST_CASE("ReceiveBuffer: in-order access units come out whole and in order",
          "[unit][receive_buffer]") {
  ReceivePath b(config(OverflowPolicy::block));
  const uint32_t ts0 = 90000;
  write_all(b, access_unit(100, ts0, 3, 50));
  write_all(b, access_unit(103, ts0 + kTick, 2, 50));
  write_all(b, access_unit(105, ts0 + 2 * kTick, 4, 50));

  auto a = take_complete(b);
  REQUIRE(a);
  CHECK(a->timestamp == ts0);
  CHECK(a->complete);
  CHECK(seqs_of(*a) == std::vector<uint16_t>{100, 101, 102});
  CHECK(a->gap_before == std::vector<bool>{false, false, false});
  CHECK(a->bytes == 150);

  auto c = take_complete(b);
  REQUIRE(c);
  CHECK(c->timestamp == ts0 + kTick);
  CHECK(c->complete);
  CHECK(seqs_of(*c) == std::vector<uint16_t>{103, 104});

  auto d = take_complete(b);
  REQUIRE(d);
  CHECK(d->timestamp == ts0 + 2 * kTick);
  CHECK(seqs_of(*d) == std::vector<uint16_t>{105, 106, 107, 108});

  CHECK_FALSE(take_complete(b));
  CHECK(is_empty(b));
  const auto k = counters(b);
  CHECK(k.received == 9);
  CHECK(k.duplicate == 0);
  CHECK(k.reordered == 0);
  CHECK(k.late == 0);
  CHECK(k.dropped_overflow == 0);
  CHECK(k.bytes == 9 * 62);
  CHECK(lost(b) == 0);
}

TEST_CASE("ReceiveBuffer: an access unit without its marker yet is not complete",
          "[unit][receive_buffer]") {
  ReceivePath b(config(OverflowPolicy::block));
  auto au = access_unit(10, 0, 3);
  b.write(std::move(au[0]));
  b.write(std::move(au[1]));
  CHECK_FALSE(playable(b));
  CHECK_FALSE(take_complete(b));
  CHECK_FALSE(take_incomplete(b));  // nothing later held: a delay, not a loss
  b.write(std::move(au[2]));
  CHECK(playable(b));
  auto a = take_complete(b);
  REQUIRE(a);
  CHECK(seqs_of(*a) == std::vector<uint16_t>{10, 11, 12});
}

TEST_CASE("ReceiveBuffer: reordered packets are counted and still assemble",
          "[unit][receive_buffer]") {
  ReceivePath b(config(OverflowPolicy::block));
  // The first access unit arrives in order, so the stream's start is known.
  write_all(b, access_unit(10, 0, 3));

  SECTION("two packets swapped within an access unit") {
    auto au = access_unit(13, kTick, 3);
    b.write(std::move(au[0]));
    b.write(std::move(au[2]));
    b.write(std::move(au[1]));
    CHECK(counters(b).reordered == 1);
    REQUIRE(take_complete(b));
    auto a = take_complete(b);
    REQUIRE(a);
    CHECK(a->complete);
    CHECK(seqs_of(*a) == std::vector<uint16_t>{13, 14, 15});
    CHECK(a->gap_before == std::vector<bool>{false, false, false});
  }

  SECTION("the marker of one access unit after the next one began") {
    auto first = access_unit(13, kTick, 3);
    auto second = access_unit(16, 2 * kTick, 2);
    b.write(std::move(first[0]));
    b.write(std::move(first[1]));
    b.write(std::move(second[0]));
    b.write(std::move(first[2]));
    b.write(std::move(second[1]));
    CHECK(counters(b).reordered == 1);
    REQUIRE(take_complete(b));
    auto a = take_complete(b);
    REQUIRE(a);
    CHECK(a->timestamp == kTick);
    CHECK(a->complete);
    CHECK(seqs_of(*a) == std::vector<uint16_t>{13, 14, 15});
    auto c = take_complete(b);
    REQUIRE(c);
    CHECK(c->timestamp == 2 * kTick);
    CHECK(c->complete);
    CHECK(seqs_of(*c) == std::vector<uint16_t>{16, 17});
  }

  SECTION("a whole access unit overtaken by the next") {
    write_all(b, access_unit(16, 2 * kTick, 2));
    write_all(b, access_unit(13, kTick, 3));
    CHECK(counters(b).reordered == 3);
    std::vector<int64_t> order;
    while (auto a = take_complete(b)) {
      CHECK(a->complete);
      order.push_back(a->timestamp);
    }
    CHECK(order == std::vector<int64_t>{0, kTick, 2 * kTick});
  }

  CHECK(counters(b).duplicate == 0);
  CHECK(counters(b).late == 0);
  CHECK(lost(b) == 0);
  CHECK(is_empty(b));
}

// An earlier packet overtaken at the very start is reordering, not lateness:
// nothing has left yet, so the first access unit takes it in.
TEST_CASE("ReceiveBuffer: packets swapped at the very start of the stream still assemble",
          "[unit][receive_buffer]") {
  ReceivePath b(config(OverflowPolicy::block));
  auto au = access_unit(10, 0, 3);
  b.write(std::move(au[1]));
  b.write(std::move(au[0]));
  b.write(std::move(au[2]));
  CHECK(counters(b).late == 0);
  CHECK(counters(b).reordered == 1);
  auto a = take_complete(b);
  REQUIRE(a);
  // Either all three payloads, or flagged as not complete: never a
  // "complete" access unit with its first packet silently missing.
  CHECK(seqs_of(*a) == std::vector<uint16_t>{10, 11, 12});
  CHECK(a->complete);
}

TEST_CASE("ReceiveBuffer: duplicates count as duplicate, once in the access unit",
          "[unit][receive_buffer]") {
  ReceivePath b(config(OverflowPolicy::block));
  auto au = access_unit(10, 0, 3);
  b.write(au[0]);
  b.write(au[1]);
  b.write(au[1]);  // the same packet twice while held
  b.write(au[2]);
  CHECK(counters(b).duplicate == 1);
  CHECK(counters(b).received == 4);
  auto a = take_complete(b);
  REQUIRE(a);
  CHECK(seqs_of(*a) == std::vector<uint16_t>{10, 11, 12});
  CHECK(a->payloads.size() == 3);

  // Re-sent after its access unit left: a duplicate, not late, and not held.
  b.write(au[0]);
  b.write(au[2]);
  CHECK(counters(b).duplicate == 3);
  CHECK(counters(b).late == 0);
  CHECK(is_empty(b));
  CHECK_FALSE(take_complete(b));
  CHECK(lost(b) == 0);

  write_all(b, access_unit(13, kTick, 2));
  auto c = take_complete(b);
  REQUIRE(c);
  CHECK(c->complete);
  CHECK(seqs_of(*c) == std::vector<uint16_t>{13, 14});
}

TEST_CASE("ReceiveBuffer: a gap is a loss only once later data is held", "[unit][receive_buffer]") {
  ReceivePath b(config(OverflowPolicy::block));
  write_all(b, access_unit(10, 0, 2));
  auto gappy = access_unit(12, kTick, 3);  // 13 never arrives
  b.write(std::move(gappy[0]));
  b.write(std::move(gappy[2]));

  REQUIRE(take_complete(b));
  CHECK_FALSE(take_complete(b));
  CHECK_FALSE(take_incomplete(b));
  CHECK_FALSE(playable(b));
  CHECK(lost(b) == 1);

  auto next = access_unit(15, 2 * kTick, 2);
  b.write(std::move(next[0]));
  CHECK_FALSE(take_complete(b));
  CHECK(playable(b));
  auto a = take_incomplete(b);
  REQUIRE(a);
  CHECK(a->timestamp == kTick);
  CHECK_FALSE(a->complete);
  CHECK(seqs_of(*a) == std::vector<uint16_t>{12, 14});
  CHECK(a->gap_before == std::vector<bool>{false, true});

  // The next access unit is whole, and nothing before it was discarded.
  b.write(std::move(next[1]));
  auto c = take_complete(b);
  REQUIRE(c);
  CHECK(c->complete);
  CHECK(seqs_of(*c) == std::vector<uint16_t>{15, 16});
  CHECK(lost(b) == 1);
}

TEST_CASE("ReceiveBuffer: cumulative_lost is expected minus received (RFC 3550)",
          "[unit][receive_buffer]") {
  ReceivePath b(config(OverflowPolicy::block));
  // 20 packets in 5 access units; 3 of them never arrive.
  int written = 0;
  for (uint16_t s = 0; s < 20; ++s) {
    if (s == 3 || s == 9 || s == 10) continue;
    b.write(packet(s, (s / 4) * kTick, s % 4 == 3));
    ++written;
  }
  CHECK(written == 17);
  CHECK(lost(b) == 3);
  auto first = take_incomplete(b);  // 0, 1, 2 without the marker 3
  REQUIRE(first);
  CHECK(seqs_of(*first) == std::vector<uint16_t>{0, 1, 2});
  CHECK_FALSE(first->complete);
  // 3 could have been the first packet of the next access unit as well: that
  // one leaves as a loss too, with a gap before its first payload.
  CHECK_FALSE(take_complete(b));
  auto second = take_incomplete(b);
  REQUIRE(second);
  CHECK(seqs_of(*second) == std::vector<uint16_t>{4, 5, 6, 7});
  CHECK(second->gap_before.at(0));
  auto a = take_incomplete(b);  // 8 and 11
  REQUIRE(a);
  CHECK(seqs_of(*a) == std::vector<uint16_t>{8, 11});
  CHECK(a->gap_before == std::vector<bool>{false, true});
  CHECK_FALSE(a->complete);
}

TEST_CASE("ReceiveBuffer: a packet after its access unit left with a gap is late",
          "[unit][receive_buffer]") {
  ReceivePath b(config(OverflowPolicy::block));
  write_all(b, access_unit(10, 0, 2));
  auto gappy = access_unit(12, kTick, 3);
  b.write(gappy[0]);
  b.write(gappy[2]);
  write_all(b, access_unit(15, 2 * kTick, 2));
  REQUIRE(take_complete(b));
  auto a = take_incomplete(b);
  REQUIRE(a);
  CHECK_FALSE(a->complete);
  CHECK(lost(b) == 1);

  b.write(gappy[1]);  // 13, too late
  const auto k = counters(b);
  CHECK(k.late == 1);
  CHECK(k.duplicate == 0);
  // Late packets were received after all (RFC 3550 counts them).
  CHECK(lost(b) == 0);
  auto c = take_complete(b);
  REQUIRE(c);
  CHECK(c->timestamp == 2 * kTick);
  CHECK(seqs_of(*c) == std::vector<uint16_t>{15, 16});
  CHECK(is_empty(b));
}

// A straggler of an access unit that already left (here its marker packet)
// is late: it must not come back as an access unit of its own.
TEST_CASE("ReceiveBuffer: the missing marker packet arriving after its access unit left is late",
          "[unit][receive_buffer]") {
  ReceivePath b(config(OverflowPolicy::block));
  write_all(b, access_unit(10, 0, 2));
  auto tail_lost = access_unit(12, kTick, 2);  // 13 (the marker) is late
  b.write(tail_lost[0]);
  write_all(b, access_unit(14, 2 * kTick, 2));
  write_all(b, access_unit(16, 3 * kTick, 2));
  REQUIRE(take_complete(b));
  auto a = take_incomplete(b);
  REQUIRE(a);
  CHECK(a->timestamp == kTick);
  CHECK_FALSE(a->complete);

  b.write(tail_lost[1]);
  CHECK(counters(b).late == 1);
  // What leaves next is the access unit after the one that already left.
  std::optional<AccessUnitPayloads> c = take_complete(b);
  if (!c) c = take_incomplete(b);
  REQUIRE(c);
  CHECK(c->timestamp == 2 * kTick);
}

TEST_CASE("ReceiveBuffer: sequence numbers wrap from 65535 to 0", "[unit][receive_buffer]") {
  ReceivePath b(config(OverflowPolicy::block));

  SECTION("inside one access unit") {
    write_all(b, access_unit(65534, 0, 4));  // 65534, 65535, 0, 1
    auto a = take_complete(b);
    REQUIRE(a);
    CHECK(a->complete);
    CHECK(seqs_of(*a) == std::vector<uint16_t>{65534, 65535, 0, 1});
    CHECK(a->gap_before == std::vector<bool>{false, false, false, false});
  }

  SECTION("across access units, with the timestamp wrapping too") {
    const uint32_t ts0 = 0xFFFFFFFFu - 1000;
    write_all(b, access_unit(65533, ts0, 3));      // 65533..65535
    write_all(b, access_unit(0, ts0 + kTick, 2));  // the timestamp wraps to 1999
    write_all(b, access_unit(2, ts0 + 2 * kTick, 2));
    auto a = take_complete(b);
    REQUIRE(a);
    CHECK(a->complete);
    CHECK(seqs_of(*a) == std::vector<uint16_t>{65533, 65534, 65535});
    auto c = take_complete(b);
    REQUIRE(c);
    CHECK(c->complete);
    CHECK(seqs_of(*c) == std::vector<uint16_t>{0, 1});
    CHECK(c->timestamp == a->timestamp + kTick);
    auto d = take_complete(b);
    REQUIRE(d);
    CHECK(d->timestamp == a->timestamp + 2 * kTick);
  }

  SECTION("reordered across the wrap") {
    write_all(b, access_unit(65532, 0, 2));     // 65532, 65533
    auto later = access_unit(65534, kTick, 4);  // 65534, 65535, 0, 1
    b.write(std::move(later[0]));
    b.write(std::move(later[2]));
    b.write(std::move(later[1]));
    b.write(std::move(later[3]));
    CHECK(counters(b).reordered == 1);
    REQUIRE(take_complete(b));
    auto a = take_complete(b);
    REQUIRE(a);
    CHECK(a->complete);
    CHECK(seqs_of(*a) == std::vector<uint16_t>{65534, 65535, 0, 1});
  }

  CHECK(lost(b) == 0);
  CHECK(counters(b).late == 0);
}

TEST_CASE("ReceiveBuffer: buffered() is the timestamp span plus one frame interval",
          "[unit][receive_buffer]") {
  ReceivePath b(config(OverflowPolicy::block));
  CHECK(buffered(b) == 0us);
  write_all(b, access_unit(0, 0, 1));
  // One access unit: one (default, 30 fps) frame interval.
  CHECK(buffered(b) == 33333us);
  write_all(b, access_unit(1, kTick, 1));
  write_all(b, access_unit(2, 2 * kTick, 1));
  CHECK(buffered(b) == 100000us);

  SECTION("the interval is learned from the access units taken") {
    ReceivePath f(config(OverflowPolicy::block));
    for (uint16_t i = 0; i < 5; ++i) write_all(f, access_unit(i, i * 1500u, 1));  // 60 fps
    REQUIRE(take_complete(f));
    REQUIRE(take_complete(f));
    CHECK(state(f).frame_interval_90k == 1500);
    // Held: 3000, 4500, 6000: a span of 3000 plus 1500.
    CHECK(buffered(f) == std::chrono::microseconds(4500 * 1000 / 90));
  }

  while (take_complete(b)) {
  }
  CHECK(buffered(b) == 0us);
}

TEST_CASE("ReceiveBuffer: end() marks the end and a partial last access unit can leave",
          "[unit][receive_buffer]") {
  ReceivePath b(config(OverflowPolicy::block));
  write_all(b, access_unit(10, 0, 2));
  auto last = access_unit(12, kTick, 3);
  b.write(std::move(last[0]));
  b.write(std::move(last[1]));  // its marker never comes
  CHECK_FALSE(state(b).end_of_stream);
  REQUIRE(take_complete(b));
  CHECK_FALSE(take_complete(b));
  CHECK_FALSE(take_incomplete(b));  // nothing later held: a delay, not a loss
  b.end();
  CHECK(state(b).end_of_stream);
  auto a = take_at_end(b);
  REQUIRE(a);
  CHECK(a->timestamp == kTick);
  CHECK_FALSE(a->complete);
  CHECK(seqs_of(*a) == std::vector<uint16_t>{12, 13});
  CHECK_FALSE(take_at_end(b));
  CHECK(is_empty(b));
}

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

// --- What a sender controls, at its edges (docs/SECURITY.md).

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
