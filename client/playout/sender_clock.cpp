#include "client/playout/sender_clock.hpp"

#include <algorithm>

namespace flowcast::client {

void SenderClock::on_sender_report(SteadyTime arrival, int64_t media_ts, bool all_received) {
  std::lock_guard lock(mutex_);
  report_at_ = arrival;
  report_ts_ = media_ts;
  all_received_ = all_received;
  media_since_.reset();
}

void SenderClock::on_media(SteadyTime arrival) {
  std::lock_guard lock(mutex_);
  if (report_at_ && !media_since_) media_since_ = arrival;
}

std::optional<int64_t> SenderClock::idle_through(SteadyTime now) const {
  std::lock_guard lock(mutex_);
  if (!report_at_ || !all_received_ || now - *report_at_ > kFresh) return std::nullopt;
  // The clock runs on from the report until media flows again.
  const SteadyTime until = std::max(*report_at_, media_since_ ? std::min(now, *media_since_) : now);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(until - *report_at_);
  return report_ts_ + us.count() * 9 / 100;
}

}  // namespace flowcast::client
