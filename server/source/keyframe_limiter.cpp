#include "server/source/keyframe_limiter.hpp"

namespace flowcast::server {

KeyframeLimiter::Decision KeyframeLimiter::request(Clock::time_point now, Reason reason) {
  ++requests_;
  const auto gap = reason == Reason::join ? std::chrono::duration_cast<Clock::duration>(kJoinGap)
                                          : std::chrono::duration_cast<Clock::duration>(kMinGap);
  if (!last_forced_ || now - *last_forced_ >= gap) {
    // Forced now: it answers a deferred request too.
    pending_ = false;
    last_forced_ = now;
    ++forced_;
    return Decision::force_now;
  }
  const Clock::time_point due = *last_forced_ + gap;
  if (pending_) {
    // A join waiting behind a PLI's deferral is due sooner: move it up.
    if (due < pending_due_) {
      pending_due_ = due;
      return Decision::deferred;
    }
    ++coalesced_;
    return Decision::coalesced;
  }
  pending_ = true;
  pending_due_ = due;
  return Decision::deferred;
}

bool KeyframeLimiter::fire(Clock::time_point now) {
  if (!pending_) return false;
  pending_ = false;
  last_forced_ = now;
  ++forced_;
  return true;
}

KeyframeLimiter::Clock::time_point KeyframeLimiter::due_at() const {
  return pending_due_;
}

}  // namespace flowcast::server
