#include "server/session/playback_timeline.hpp"

#include <algorithm>

namespace flowcast::server {

void PlaybackTimeline::anchor(int64_t dts_90k, Clock::time_point now) {
  if (first_dts_90k_) return;
  first_dts_90k_ = dts_90k;
  start_ = now;
}

PlaybackTimeline::Clock::time_point PlaybackTimeline::due(int64_t time_90k) const {
  return start_ + std::chrono::microseconds((time_90k - *first_dts_90k_) * 1000 / 90);
}

void PlaybackTimeline::held_until(int64_t dts_90k, Clock::time_point now) {
  const auto at = due(dts_90k);
  if (now > at) start_ += now - at;
}

void PlaybackTimeline::paused_from(Clock::time_point since, Clock::time_point now) {
  since = std::max(since, start_);
  if (now > since) start_ += now - since;
}

int64_t PlaybackTimeline::time_at(Clock::time_point at) const {
  return *first_dts_90k_ +
         std::chrono::duration_cast<std::chrono::microseconds>(at - start_).count() * 9 / 100;
}

}  // namespace flowcast::server
