#pragma once
// The playout delay at work: a PlayoutDelay fed with the frames the decode
// thread takes from the receive buffer, moving the PlayoutClock by what it
// says (adaptive, or a fixed buffer's early correction), and read by the
// render thread for the timeline and by the metrics at exit (the W3C
// jitter-buffer counters).
//
// Threads: on_taken() on the decode thread, the readings on any thread; its
// own mutex guards the PlayoutDelay. Lock order: this, then the clock's.
#include <mutex>
#include <optional>

#include "client/playout/held_packets.hpp"
#include "client/playout/playout_clock.hpp"
#include "client/playout/playout_delay.hpp"

namespace flowcast::client {

class AdaptivePlayout {
 public:
  struct Readings {
    bool adaptive = false;  // --buffer adaptive
    double target_ms = 0;
    double minimum_ms = 0;
    std::optional<double> actual_ms;  // nullopt before a frame was measured
    JitterBufferCounters counters;
  };

  // Borrows clock; it outlives this.
  AdaptivePlayout(PlayoutDelayConfig config, PlayoutClock& clock) : delay_(config), clock_(clock) {}

  // Decode thread: `unit` left the receive buffer at `now`. Once a unit
  // says a retransmission arrived (its nack_round_trip), the delay's
  // minimum counts that round trip.
  void on_taken(const AccessUnitPayloads& unit, SteadyTime now);
  // From now on the clock follows another's (PlayoutDelay::
  // follow_other_clock); a move under way stops.
  void follow_other_clock() {
    std::lock_guard lock(mutex_);
    delay_.follow_other_clock();
  }
  Readings readings() const;
  bool adaptive() const { return delay_.config().adaptive; }

 private:
  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  PlayoutDelay delay_;
  size_t stalls_seen_ = 0;
  PlayoutClock& clock_;
};

}  // namespace flowcast::client
