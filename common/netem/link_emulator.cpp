#include "common/netem/link_emulator.hpp"

#include <algorithm>

namespace flowcast::common {

using std::chrono::microseconds;

LinkEmulator::LinkEmulator(LinkConfig config) : config_(config), rng_(config.seed) {}

microseconds LinkEmulator::transmit_time(size_t bytes) const {
  if (config_.rate_bps <= 0) return microseconds(0);
  return microseconds(static_cast<int64_t>(bytes) * 8 * 1'000'000 / config_.rate_bps);
}

microseconds LinkEmulator::backlog(TimePoint now) const {
  if (busy_until_ <= now) return microseconds(0);
  return std::chrono::duration_cast<microseconds>(busy_until_ - now);
}

bool LinkEmulator::would_block(size_t bytes, TimePoint now) const {
  if (!config_.reliable || config_.rate_bps <= 0) return false;
  return backlog(now) + transmit_time(bytes) > config_.queue;
}

LinkEmulator::TimePoint LinkEmulator::room_at(size_t bytes, TimePoint now) const {
  if (!would_block(bytes, now)) return now;
  return busy_until_ + transmit_time(bytes) - config_.queue;
}

bool LinkEmulator::lose() {
  const double p = config_.loss_percent / 100.0;
  if (p <= 0) return false;
  if (config_.burst <= 1.0) return uniform() < p;
  // Gilbert–Elliott, every packet in the bad state lost: leaving the bad
  // state with 1/burst gives bursts of that mean length, and entering it
  // with p / (burst (1 - p)) makes p of all packets lost.
  if (bad_state_) {
    if (uniform() < 1.0 / config_.burst) bad_state_ = false;
  } else {
    const double enter = std::min(1.0, p / (config_.burst * (1.0 - std::min(p, 0.999))));
    if (uniform() < enter) bad_state_ = true;
  }
  return bad_state_;
}

LinkEmulator::Outcome LinkEmulator::offer(size_t bytes, TimePoint now) {
  ++counters_.offered;
  Outcome out;
  // The bottleneck: wait behind what is queued, then take the wire.
  TimePoint start = std::max(now, busy_until_);
  if (config_.rate_bps > 0 && !config_.reliable &&
      (start - now) + transmit_time(bytes) > config_.queue) {
    ++counters_.dropped_queue;
    out.dropped = true;
    return out;
  }
  TimePoint sent = start + transmit_time(bytes);
  busy_until_ = sent;
  // Decide every random event in a fixed order, so a seed replays exactly.
  const bool lost = lose();
  const double jitter_draw = uniform();
  const bool reorder = uniform() * 100.0 < config_.reorder_percent;
  const bool duplicate = uniform() * 100.0 < config_.duplicate_percent;
  if (lost && !config_.reliable) {
    ++counters_.dropped_loss;
    out.dropped = true;
    return out;
  }
  microseconds jitter(0);
  if (config_.jitter.count() > 0)
    jitter = microseconds(static_cast<int64_t>((2.0 * jitter_draw - 1.0) *
                                               static_cast<double>(config_.jitter.count())));
  TimePoint at = sent + std::max(microseconds(0), config_.delay + jitter);
  if (config_.reliable) {
    // TCP delivers in order, and a loss holds everything behind it.
    at = std::max({at, last_delivery_, blocked_until_});
    if (lost) {
      at += kTcpRetransmissionTimeout;
      blocked_until_ = at;
      ++counters_.retransmitted;
    }
    last_delivery_ = at;
  } else if (reorder) {
    // Held back a little: the packets behind it may overtake it.
    at += std::max(config_.jitter, microseconds(5000));
    ++counters_.reordered;
  } else {
    at = std::max(at, last_delivery_);
    last_delivery_ = at;
  }
  if (at - now > transmit_time(bytes)) ++counters_.delayed;
  out.deliver_at = at;
  if (duplicate) {
    out.duplicate_at = at + microseconds(100);
    ++counters_.duplicated;
  }
  return out;
}

LinkEmulator::Outcome LinkEmulator::offer_control(size_t bytes, TimePoint now) {
  Outcome out;
  TimePoint start = std::max(now, busy_until_);
  if (config_.rate_bps > 0 && !config_.reliable &&
      (start - now) + transmit_time(bytes) > config_.queue) {
    out.dropped = true;
    return out;
  }
  const TimePoint sent = start + transmit_time(bytes);
  busy_until_ = sent;
  TimePoint at = std::max({sent + config_.delay, last_delivery_, blocked_until_});
  last_delivery_ = at;
  out.deliver_at = at;
  return out;
}

}  // namespace flowcast::common
