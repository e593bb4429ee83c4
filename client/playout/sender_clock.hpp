#pragma once
// The sender's media clock, as its RTCP sender reports give it (RFC 3550
// §6.4.1: an RTP timestamp and the wall clock at which it was read), so the
// playout can tell a gap in the source from a stall. A sender that has
// nothing to send (a still in a variable-frame-rate file) still reports at
// least every second; when a report arrives and every packet it counts has
// arrived before it, nothing is in flight: no picture exists between the
// last one received and the report's timestamp. Extrapolated by the wall
// time since the report (until media flows again, or the report is
// kFresh old), that is how far the sender's clock has run without a
// picture: a picture the playout misses before that point was never sent,
// so its absence is not a stall. While the receiver does not read the
// socket, it knows nothing new, and the extrapolation stops there.
//
// Threads: the network thread writes (on_sender_report, on_media), the
// render thread reads (idle_through); every method locks the clock's mutex.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "client/playout/playout_clock.hpp"

namespace flowcast::client {

class SenderClock {
 public:
  // A report older than this no longer says the sender is idle: flowcast's
  // sender reports every 250 ms, and a link that delivers none for three of
  // them is held up, not idle.
  static constexpr std::chrono::milliseconds kFresh{750};

  // A sender report of the played source arrived at `arrival`. `media_ts`
  // is its RTP timestamp unwrapped as the media's (90 kHz ticks);
  // `all_received`: every packet it counts had arrived before it.
  void on_sender_report(SteadyTime arrival, int64_t media_ts, bool all_received);
  // Media from the sender arrived at `arrival`: the sender is no longer idle
  // beyond this point.
  void on_media(SteadyTime arrival);
  // The receiver stopped reading the socket at `at` (the block policy, a
  // busy consumer): what the sender did after that is not known.
  void on_not_reading(SteadyTime at) { on_media(at); }

  // The media timestamp (unwrapped, 90 kHz ticks) up to which the sender is
  // known to have had nothing more to send at `now`, or nullopt when that is
  // not known (no fresh report, or packets in flight).
  std::optional<int64_t> idle_through(SteadyTime now) const;

 private:
  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  std::optional<SteadyTime> report_at_;
  int64_t report_ts_ = 0;
  bool all_received_ = false;
  std::optional<SteadyTime> media_since_;  // the first media after the report
};

}  // namespace flowcast::client
