#include "client/playout/timestamp_timeline.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

namespace flowcast::client {

int64_t TimestampTimeline::timeline_of(uint32_t rtp_timestamp) const {
  const int64_t offset = stretches_.empty() ? 0 : stretches_.rbegin()->second.offset;
  return unwrap_.peek(rtp_timestamp) + offset;
}

std::optional<int64_t> TimestampTimeline::map_out_of_order(int64_t seq, uint32_t timestamp,
                                                           SteadyTime arrival, int64_t behind_90k) {
  // On the timeline of the stretch it was sent in, never re-anchored, and it
  // does not move the unwrapper on.
  auto it = stretches_.upper_bound(seq);
  if (it == stretches_.begin()) return std::nullopt;  // before every stretch kept
  --it;
  const bool newest_stretch = std::next(it) == stretches_.end();
  const int64_t ts =
      (newest_stretch ? unwrap_ : it->second.unwrap).peek(timestamp) + it->second.offset;
  if (ts - *newest_ > kMaxLead90k || *newest_ - ts > kMaxLead90k + behind_90k) return std::nullopt;
  if (ts > *newest_) {
    newest_ = ts;
    newest_arrival_ = arrival;
  }
  return ts;
}

bool TimestampTimeline::is_jump(int64_t step, SteadyTime arrival) const {
  if (force_anchor_) return true;
  if (step > 0) {
    // Is the step one the sender's clock explains?
    const double waited_90k =
        std::chrono::duration<double>(arrival - newest_arrival_).count() * 90000.0;
    return static_cast<double>(step) - waited_90k > static_cast<double>(kMaxLead90k);
  }
  int64_t largest = 0;
  for (int64_t s : recent_steps_) largest = std::max(largest, s);
  return -step > std::max(kMinBackwardJump90k, 2 * largest);
}

std::optional<int64_t> TimestampTimeline::map(int64_t seq, uint32_t timestamp, SteadyTime arrival,
                                              bool out_of_order, int64_t frame_interval_90k,
                                              int64_t behind_90k) {
  if (restart_pending_) {
    restart_pending_ = false;
    if (newest_) {
      unwrap_ = common::TimestampUnwrapper{};
      force_anchor_ = true;
    }
  }
  if (newest_ && out_of_order) return map_out_of_order(seq, timestamp, arrival, behind_90k);
  if (stretches_.empty()) {
    // The first packet: the first stretch also takes what overtook it.
    stretches_[std::numeric_limits<int64_t>::min()] = {};
  }
  int64_t ts = unwrap_.peek(timestamp) + stretches_.rbegin()->second.offset;
  if (newest_) {
    const int64_t step = ts - *newest_;
    if (is_jump(step, arrival)) {
      // Continue one frame after the newest: the playout clock runs on. The
      // new stretch unwraps from this packet, so the unwrapped values stay
      // near the timestamps as sent however often a sender jumps.
      stretches_.rbegin()->second.unwrap = unwrap_;
      unwrap_ = common::TimestampUnwrapper{};
      const int64_t anchored = *newest_ + frame_interval_90k;
      stretches_[seq] = {anchored - unwrap_.unwrap(timestamp), {}};
      if (stretches_.size() > kMaxStretches) stretches_.erase(stretches_.begin());
      ts = anchored;
      ++jumps_;
      recent_steps_.clear();
    } else {
      unwrap_.unwrap(timestamp);
      if (step > 0) recent_steps_.push(step);
    }
  } else {
    unwrap_.unwrap(timestamp);
  }
  force_anchor_ = false;
  if (!newest_ || ts > *newest_) {
    newest_ = ts;
    newest_arrival_ = arrival;
  }
  return ts;
}

}  // namespace flowcast::client
