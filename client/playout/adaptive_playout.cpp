#include "client/playout/adaptive_playout.hpp"

namespace flowcast::client {

void AdaptivePlayout::on_taken(const AccessUnitPayloads& unit, SteadyTime now) {
  std::lock_guard lock(mutex_);
  // A stall moved the clock's base by itself: measure afresh.
  const size_t stalls = clock_.stall_count();
  if (stalls != stalls_seen_) {
    stalls_seen_ = stalls;
    delay_.rebase();
  }
  // A retransmission arrived: from now on the delay counts its round trip.
  if (unit.nack_round_trip) {
    delay_.set_round_trip(*unit.nack_round_trip);
    delay_.note_retransmission();
  }
  TakenFrame f;
  f.timestamp = unit.timestamp;
  f.first_arrival = unit.first_arrival;
  f.last_arrival = unit.last_arrival;
  f.bytes = unit.bytes;
  f.complete = unit.complete;
  f.retransmitted = unit.retransmitted;
  f.taken = now;
  if (clock_.state() == PlayState::playing) f.due = clock_.due(unit.timestamp);
  const auto shift = delay_.on_frame(f);
  if (shift.count() != 0) clock_.shift(shift);
}

AdaptivePlayout::Readings AdaptivePlayout::readings() const {
  std::lock_guard lock(mutex_);
  Readings r;
  r.adaptive = delay_.config().adaptive;
  r.target_ms = static_cast<double>(delay_.target().count()) / 1000.0;
  r.minimum_ms = static_cast<double>(delay_.minimum().count()) / 1000.0;
  if (auto a = delay_.actual()) r.actual_ms = static_cast<double>(a->count()) / 1000.0;
  r.counters = delay_.counters();
  return r;
}

}  // namespace flowcast::client
