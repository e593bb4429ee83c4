// What a NACK asks for, and what its answer measures: the numbers a later
// packet jumped past are handed out once; one that then arrives is
// recovered, and the time from its NACK to its arrival is the round trip a
// retransmission takes, which the playout delay counts (--buffer adaptive
// with --nack).
#include <catch2/catch.hpp>

#include "client/playout/gap_tracker.hpp"
#include "receive_buffer_fixture.hpp"

using namespace flowcast::test;

TEST_CASE("GapTracker hands each missing number out once and times its answer", "[unit][nack]") {
  GapTracker gaps;
  CHECK_FALSE(gaps.on_packet(10, -1, kOrigin).recovered);
  CHECK_FALSE(gaps.on_packet(13, 10, kOrigin).recovered);  // 11 and 12 missing
  CHECK(gaps.take_new(kOrigin + 5ms) == std::vector<uint16_t>{11, 12});
  CHECK(gaps.take_new(kOrigin + 6ms).empty());

  const GapTracker::Arrival eleven = gaps.on_packet(11, 13, kOrigin + 45ms);
  CHECK(eleven.recovered);
  REQUIRE(eleven.round_trip);
  CHECK(*eleven.round_trip == 40ms);
  // Answered once: a duplicate is not recovered again.
  CHECK_FALSE(gaps.on_packet(11, 13, kOrigin + 50ms).recovered);

  // Found missing but not yet asked for: recovered, with no round trip.
  CHECK_FALSE(gaps.on_packet(16, 13, kOrigin + 60ms).recovered);  // 14, 15
  const GapTracker::Arrival fourteen = gaps.on_packet(14, 16, kOrigin + 61ms);
  CHECK(fourteen.recovered);
  CHECK_FALSE(fourteen.round_trip);
  // Handed out now: 15 only (14 came).
  CHECK(gaps.take_new(kOrigin + 70ms) == std::vector<uint16_t>{15});
}

TEST_CASE("GapTracker stays bounded however many numbers go missing", "[unit][nack][hostile]") {
  GapTracker gaps;
  int64_t seq = 0;
  gaps.on_packet(seq, -1, kOrigin);
  for (int i = 0; i < 100; ++i) {
    const int64_t next = seq + GapTracker::kMaxRun;
    gaps.on_packet(next, seq, kOrigin);
    seq = next;
  }
  CHECK(gaps.take_new(kOrigin).size() <= GapTracker::kMaxTracked);
}

TEST_CASE("the access units released carry the retransmissions' smoothed round trip",
          "[unit][nack][receive_buffer]") {
  ReceiveBufferConfig c = config(OverflowPolicy::block);
  c.track_gaps = true;
  ReceivePath b(c);
  write_all(b, access_unit(100, 0, 1));
  auto p102 = packet(102, kTick, true);
  b.write(std::move(p102));  // 101 missing
  REQUIRE(b.buffer().take_new_gaps(kOrigin + 200ms) == std::vector<uint16_t>{101});
  auto first = take_complete(b);
  REQUIRE(first);
  CHECK_FALSE(first->nack_round_trip);  // nothing came back yet

  auto p101 = packet(101, kTick, false);
  p101.arrival = kOrigin + 260ms;  // 60 ms after its NACK
  b.write(std::move(p101));
  auto second = take_complete(b);
  REQUIRE(second);
  REQUIRE(second->nack_round_trip);
  CHECK(*second->nack_round_trip == 60ms);
  CHECK(counters(b).recovered == 1);
}
