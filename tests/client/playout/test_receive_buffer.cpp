// ReceiveBuffer, written through its ReceivePath (the receiver statistics
// number the packets): packets in (built by hand, arrival times injected),
// whole access units out in sequence order, with every counter. The
// overflow policies and bounds are in test_receive_buffer_overflow.cpp,
// what a sender controls at its edges in test_receive_buffer_edges.cpp. No
// sockets, no threads, no sleeping.
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
