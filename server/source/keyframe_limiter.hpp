#pragma once
// How often the live source may be asked for a keyframe. Every PLI (RFC 4585
// §6.3.1) and every viewer joining asks for one; obeyed each time, a viewer
// sending a hundred PLIs a second would make every picture of every viewer
// an IDR (the same bitrate spent on intra pictures: a worse picture for all).
// As WebRTC senders do, keyframes forced by PLI are at least kMinGap apart: a
// request inside the gap is not dropped but coalesced into one keyframe at
// the gap's end. A viewer joining waits for less, kJoinGap, since it can
// show nothing until its keyframe (and joins are bounded by --max-clients);
// a keyframe forced for it also answers any PLI waiting.
//
// Pure logic, time given by the caller (unit-tested with a fake clock).
// Threads: the server's network thread only.
#include <chrono>
#include <cstdint>
#include <optional>

namespace flowcast::server {

class KeyframeLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kMinGap = std::chrono::seconds(1);
  static constexpr auto kJoinGap = std::chrono::milliseconds(250);

  enum class Reason { pli, join };

  enum class Decision {
    force_now,  // ask the encoder for a keyframe now
    deferred,   // one is now due at due_at(): arm (or move) a timer that calls fire()
    coalesced,  // one is already due at due_at(): nothing to do
  };
  Decision request(Clock::time_point now, Reason reason = Reason::pli);
  // The deferred keyframe's time has come: true to ask the encoder for it
  // (false when a join's keyframe answered it meanwhile).
  bool fire(Clock::time_point now);
  Clock::time_point due_at() const;

  uint64_t requests() const { return requests_; }
  uint64_t forced() const { return forced_; }
  uint64_t coalesced() const { return coalesced_; }

 private:
  std::optional<Clock::time_point> last_forced_;
  bool pending_ = false;
  Clock::time_point pending_due_{};
  uint64_t requests_ = 0;
  uint64_t forced_ = 0;
  uint64_t coalesced_ = 0;
};

}  // namespace flowcast::server
