// PictureLedger: each picture the sender sent lands in one bucket of the
// receive buffer's tally, and pictures of which nothing came are found from
// the gaps in the timestamps.
#include <catch2/catch.hpp>
#include <set>

#include "client/playout/picture_ledger.hpp"

using flowcast::client::PictureLedger;
using flowcast::client::PictureTally;

namespace {
constexpr int64_t kFrame = 3000;  // 30 fps at 90 kHz

struct Fixture {
  std::set<int64_t> held;
  PictureLedger ledger{[this](int64_t ts) { return held.count(ts) > 0; }};
};

uint64_t total(const PictureTally& t) {
  return t.released + t.dropped + t.late + t.pending;
}
}  // namespace

TEST_CASE("PictureLedger: pictures released, dropped, late and still held", "[unit][playout]") {
  Fixture f;
  for (int i = 0; i < 10; ++i) f.ledger.seen(i * kFrame);
  f.ledger.seen(0);  // a second packet of a picture: still one picture
  for (int i = 0; i < 6; ++i) f.ledger.released(i * kFrame);
  f.ledger.dropped(6 * kFrame);  // every packet of picture 6 discarded
  f.held = {8 * kFrame, 9 * kFrame};
  // Picture 7's packets came only after playout had passed it.
  const PictureTally t = f.ledger.tally();
  CHECK(t.seen == 10);
  CHECK(t.released == 6);
  CHECK(t.dropped == 1);
  CHECK(t.late == 1);
  CHECK(t.pending == 2);
  CHECK(t.missing == 0);
  CHECK(total(t) == t.seen);
}

TEST_CASE("PictureLedger: a picture partly discarded and then released is released",
          "[unit][playout]") {
  Fixture f;
  f.ledger.seen(0);
  f.ledger.dropped(0);
  f.ledger.released(0);
  const PictureTally t = f.ledger.tally();
  CHECK(t.released == 1);
  CHECK(t.dropped == 0);
}

TEST_CASE("PictureLedger: pictures of which no packet came are counted from timestamp gaps",
          "[unit][playout]") {
  Fixture f;
  // Pictures 0..9, then 13..19: 10, 11 and 12 never arrived.
  for (int i = 0; i < 20; ++i) {
    if (i >= 10 && i <= 12) continue;
    f.ledger.seen(i * kFrame);
    f.ledger.released(i * kFrame);
  }
  const PictureTally t = f.ledger.tally();
  CHECK(t.seen == 17);
  CHECK(t.missing == 3);
}

TEST_CASE("PictureLedger: B-frames arriving out of timestamp order are no gap", "[unit][playout]") {
  Fixture f;
  // Decode order I0 P3 B1 B2 P6 B4 B5 ...
  for (int base = 0; base < 30; base += 3) {
    for (int i : {base + 3, base + 1, base + 2}) {
      f.ledger.seen(i * kFrame);
      f.ledger.released(i * kFrame);
    }
  }
  f.ledger.seen(0);
  f.ledger.released(0);
  const PictureTally t = f.ledger.tally();
  CHECK(t.seen == 31);
  CHECK(t.missing == 0);
}

TEST_CASE("PictureLedger: a long pause of the sender is not lost pictures", "[unit][playout]") {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.ledger.seen(i * kFrame);
  f.ledger.seen(4 * kFrame + PictureLedger::kMaxGap90k + kFrame);
  CHECK(f.ledger.tally().missing == 0);
}

TEST_CASE("PictureLedger: settled pictures are forgotten, and the sums stay right",
          "[unit][playout]") {
  Fixture f;
  // 60 s at 30 fps with every 10th picture lost whole: far more than the
  // ledger keeps undecided.
  uint64_t sent = 0, lost = 0;
  for (int i = 0; i < 1800; ++i) {
    ++sent;
    if (i % 10 == 5) {
      ++lost;
      continue;
    }
    f.ledger.seen(i * kFrame);
    f.ledger.released(i * kFrame);
  }
  const PictureTally t = f.ledger.tally();
  CHECK(t.seen + t.missing == sent);
  CHECK(t.missing == lost);
  CHECK(t.released == sent - lost);
  // A straggler of a settled picture changes nothing.
  f.ledger.seen(3 * kFrame);
  CHECK(f.ledger.tally().seen == t.seen);
}

TEST_CASE("PictureLedger: a picture still held is not settled however old", "[unit][playout]") {
  Fixture f;
  f.held = {0};
  f.ledger.seen(0);
  for (int i = 1; i < 600; ++i) f.ledger.seen(i * kFrame);  // 20 s later
  f.ledger.released(0);
  f.held.clear();
  const PictureTally t = f.ledger.tally();
  CHECK(t.released == 1);
  CHECK(t.late == 599);
}

TEST_CASE("PictureLedger: pictures a tick apart do not shrink the frame interval",
          "[unit][playout]") {
  Fixture f;
  // Three hidden pictures a tick apart before the first shown one, then a
  // picture lost whole at 30 fps.
  for (int64_t ts : {kFrame - 3, kFrame - 2, kFrame - 1}) f.ledger.seen(ts);
  for (int i = 1; i < 10; ++i)
    if (i != 5) f.ledger.seen(i * kFrame);
  const PictureTally t = f.ledger.tally();
  CHECK(t.seen == 11);
  CHECK(t.missing == 1);
}
