#include "server/session/link_delivery.hpp"

#include <algorithm>

namespace flowcast::server {

LinkDelivery::LinkDelivery(asio::io_context& io, const common::LinkConfig& link, Sink& sink)
    : sink_(sink), timer_(io) {
  if (link.active()) link_.emplace(link);
}

const common::LinkCounters& LinkDelivery::counters() const {
  static const common::LinkCounters kNone;
  return link_ ? link_->counters() : kNone;
}

std::optional<LinkDelivery::Clock::time_point> LinkDelivery::blocked_until(
    size_t bytes, Clock::time_point now) const {
  if (!link_ || !link_->would_block(bytes, now)) return std::nullopt;
  return link_->room_at(bytes, now);
}

void LinkDelivery::route(Packet&& packet, Clock::time_point offer_at) {
  const size_t size = packet.size();
  if (!link_ && offer_at <= Clock::now() && queue_.empty()) {
    burst_.push_back(std::move(packet));
    return;
  }
  Clock::time_point at = offer_at;
  if (link_) {
    auto outcome = link_->offer(size, offer_at);
    if (outcome.dropped) return;
    at = outcome.deliver_at;
    if (outcome.duplicate_at) enqueue(*outcome.duplicate_at, Packet(packet));
  }
  enqueue(at, std::move(packet));
  schedule();
}

void LinkDelivery::enqueue(Clock::time_point at, Packet&& packet) {
  if (queue_.empty() || queue_.back().first <= at) {
    queue_.emplace_back(at, std::move(packet));
    return;
  }
  auto it =
      std::upper_bound(queue_.begin(), queue_.end(), at,
                       [](Clock::time_point t, const auto& entry) { return t < entry.first; });
  queue_.emplace(it, at, std::move(packet));
}

void LinkDelivery::flush() {
  if (burst_.empty()) return;
  sink_.send_burst(burst_);
  burst_.clear();
}

void LinkDelivery::after_crossing(std::function<void()> then) {
  if (queue_.empty()) {
    then();
    return;
  }
  after_crossing_ = std::move(then);
}

void LinkDelivery::close() {
  closed_ = true;
  timer_.cancel();
}

void LinkDelivery::schedule() {
  if (queue_.empty()) return;
  const auto first = queue_.front().first;
  if (armed_for_ && *armed_for_ <= first) return;
  armed_for_ = first;
  timer_.expires_at(first);
  timer_.async_wait([this, keep = sink_.keep_alive()](const asio::error_code& ec) {
    if (ec) return;
    armed_for_.reset();
    deliver_due();
  });
}

void LinkDelivery::deliver_due() {
  if (closed_) return;
  const auto now = Clock::now();
  while (!queue_.empty() && queue_.front().first <= now) {
    burst_.push_back(std::move(queue_.front().second));
    queue_.pop_front();
  }
  flush();
  if (queue_.empty() && after_crossing_) {
    auto then = std::move(after_crossing_);
    after_crossing_ = nullptr;
    then();
    return;
  }
  schedule();
}

}  // namespace flowcast::server
