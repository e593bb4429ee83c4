#include "server/keyframe_limiter.hpp"

namespace flowcast::server {

KeyframeLimiter::Decision KeyframeLimiter::request(Clock::time_point now) {
  ++requests_;
  if (pending_) {
    ++coalesced_;
    return Decision::coalesced;
  }
  if (!last_forced_ || now - *last_forced_ >= kMinGap) {
    last_forced_ = now;
    ++forced_;
    return Decision::force_now;
  }
  pending_ = true;
  return Decision::deferred;
}

void KeyframeLimiter::fire(Clock::time_point now) {
  pending_ = false;
  last_forced_ = now;
  ++forced_;
}

KeyframeLimiter::Clock::time_point KeyframeLimiter::due_at() const {
  return last_forced_ ? *last_forced_ + kMinGap : Clock::time_point{};
}

}  // namespace flowcast::server
