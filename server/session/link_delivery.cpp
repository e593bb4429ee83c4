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
  offer(std::move(packet), offer_at, false);
}

void LinkDelivery::control(Packet&& packet, Clock::time_point offer_at) {
  offer(std::move(packet), offer_at, true);
}

void LinkDelivery::offer(Packet&& packet, Clock::time_point offer_at, bool control) {
  const size_t size = packet.size();
  offer_at = std::max(offer_at, last_offer_);
  last_offer_ = offer_at;
  if (!link_ && offer_at <= Clock::now() && queue_.empty()) {
    if (control) {
      flush();  // behind the media routed before it
      sink_.send_control(std::move(packet));
    } else {
      burst_.push_back(std::move(packet));
    }
    return;
  }
  Clock::time_point at = offer_at;
  if (link_) {
    auto outcome = control ? link_->offer_control(size, offer_at) : link_->offer(size, offer_at);
    if (outcome.dropped) return;
    at = outcome.deliver_at;
    if (outcome.duplicate_at) enqueue(*outcome.duplicate_at, Packet(packet), control);
  }
  enqueue(at, std::move(packet), control);
  schedule();
}

void LinkDelivery::enqueue(Clock::time_point at, Packet&& packet, bool control) {
  if (queue_.empty() || queue_.back().at <= at) {
    queue_.push_back(Entry{at, std::move(packet), control});
    return;
  }
  auto it = std::upper_bound(queue_.begin(), queue_.end(), at,
                             [](Clock::time_point t, const Entry& entry) { return t < entry.at; });
  queue_.insert(it, Entry{at, std::move(packet), control});
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
  const auto first = queue_.front().at;
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
  while (!queue_.empty() && queue_.front().at <= now) {
    Entry entry = std::move(queue_.front());
    queue_.pop_front();
    if (entry.control) {
      flush();
      sink_.send_control(std::move(entry.packet));
    } else {
      burst_.push_back(std::move(entry.packet));
    }
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
