#include "client/playout/buffer_capacity.hpp"

#include <algorithm>

#include "media/payload/access_unit_limits.hpp"

namespace flowcast::client {

BufferCapacity::BufferCapacity(std::chrono::microseconds capacity, int64_t capacity_bytes,
                               bool follow_rate, OverflowPolicy policy, int64_t grow_max_bytes)
    : policy_(policy), follow_rate_(follow_rate), time_(capacity) {
  const double seconds = std::chrono::duration<double>(capacity).count();
  bytes_ = capacity_bytes > 0
               ? capacity_bytes
               : std::max<int64_t>(kMinStartBytes,
                                   static_cast<int64_t>(seconds * kBytesPerSecondOfCapacity));
  grow_max_bytes_ = grow_max_bytes > 0 ? grow_max_bytes : 4 * bytes_;
  if (policy == OverflowPolicy::grow) bytes_ = std::min(bytes_, grow_max_bytes_);
  followed_ceiling_bytes_ = std::max(kMaxFollowedCapacityBytes, bytes_);
  if (policy == OverflowPolicy::grow)
    followed_ceiling_bytes_ = std::min(followed_ceiling_bytes_, grow_max_bytes_);
}

void BufferCapacity::measure(int64_t ts, size_t bytes) {
  if (!follow_rate_) return;
  rate_from_ts_ = std::min(rate_from_ts_.value_or(ts), ts);
  rate_to_ts_ = std::max(rate_to_ts_.value_or(ts), ts);
  rate_bytes_ += bytes;
  const int64_t span = *rate_to_ts_ - *rate_from_ts_;
  if (span < kRateWindow90k) return;
  // The window holds the pictures at both ends: a frame more than its span,
  // so the rate errs high, as a bound should.
  peak_rate_ =
      std::max(peak_rate_, static_cast<double>(rate_bytes_) * 90000.0 / static_cast<double>(span));
  rate_from_ts_.reset();
  rate_to_ts_.reset();
  rate_bytes_ = 0;
  const double seconds = std::chrono::duration<double>(time_).count();
  const double wanted =
      std::min(peak_rate_ * seconds * kRateHeadroom, static_cast<double>(followed_ceiling_bytes_));
  if (wanted > static_cast<double>(bytes_)) bytes_ = static_cast<int64_t>(wanted);
}

void BufferCapacity::unmeasure(size_t bytes) {
  rate_bytes_ -= std::min<uint64_t>(rate_bytes_, bytes);
}

bool BufferCapacity::grow() {
  const int64_t grown = std::min(grow_max_bytes_, bytes_ + bytes_ / 2);
  if (grown <= bytes_) return false;
  bytes_ = grown;
  time_ = time_ + time_ / 2;
  return true;
}

size_t BufferCapacity::base_byte_bound() const {
  switch (policy_) {
    case OverflowPolicy::block:
      return static_cast<size_t>(bytes_) + kBlockSlackBytes;
    case OverflowPolicy::grow:
      return static_cast<size_t>(grow_max_bytes_);
    case OverflowPolicy::drop_new:
    case OverflowPolicy::drop_old:
      break;
  }
  return static_cast<size_t>(bytes_);
}

size_t BufferCapacity::base_packet_bound() const {
  return std::max<size_t>(kMinPacketBound, base_byte_bound() / kBytesPerHeldPacket);
}

size_t BufferCapacity::byte_bound() const {
  return base_byte_bound() + media::kMaxAccessUnitBytes;
}

size_t BufferCapacity::packet_bound() const {
  return base_packet_bound() + media::kMaxAccessUnitPackets;
}

}  // namespace flowcast::client
