#pragma once
// The jitter buffer's capacity and the bounds that follow from it
// (ReceiveBuffer's class comment has the rules): the capacity in media time
// (--buffer-max) and in payload bytes; the byte capacity following the
// stream's rate, the highest over windows of kRateWindow90k of media, times
// kRateHeadroom, up to a ceiling, never shrinking; growing by half under the
// grow policy up to --grow-max; and the hard bounds on the bytes and packets
// held (docs/SECURITY.md), which no policy passes.
//
// Units: media time in µs; timestamps in 90 kHz ticks; bytes of RTP payload;
// the rate in payload bytes per second of media. No errors.
//
// Threads: none of its own; not thread-safe, the ReceiveBuffer calls it with
// its lock held.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "client/playout/overflow_policy.hpp"

namespace flowcast::client {

class BufferCapacity {
 public:
  // Under block, one read of the source (a TCP read of 64 KiB, or a
  // recvmmsg batch of 16 datagrams) may land after the buffer said full.
  static constexpr size_t kBlockSlackBytes = 1 << 20;
  static constexpr size_t kBytesPerHeldPacket = 64;
  static constexpr size_t kMinPacketBound = 4096;
  // The starting byte capacity when none is given, per second of capacity,
  // and at least kMinStartBytes.
  static constexpr int64_t kBytesPerSecondOfCapacity = 1 << 20;
  static constexpr int64_t kMinStartBytes = 64 * 1024;
  // The window the rate is measured over, in media time.
  static constexpr int64_t kRateWindow90k = 22'500;  // 250 ms
  static constexpr double kRateHeadroom = 1.5;
  static constexpr int64_t kMaxFollowedCapacityBytes = int64_t{64} << 20;

  // capacity_bytes: at the start, 0 for kBytesPerSecondOfCapacity per
  // second of capacity; grow_max_bytes: 0 for four times that. Under grow,
  // neither the start nor the followed ceiling passes grow_max_bytes.
  BufferCapacity(std::chrono::microseconds capacity, int64_t capacity_bytes, bool follow_rate,
                 OverflowPolicy policy, int64_t grow_max_bytes);

  std::chrono::microseconds time() const { return time_; }
  int64_t bytes() const { return bytes_; }
  // The highest rate measured, bytes per second of media; 0 before the first.
  double rate() const { return peak_rate_; }
  // The byte capacity reached --grow-max (grow: the buffer then blocks).
  bool at_grow_max() const { return bytes_ >= grow_max_bytes_; }

  // A packet of `bytes` of payload at timestamp ts (unwrapped 90 kHz) counts
  // towards the stream's rate; each full window may raise the byte capacity.
  // Nothing when the capacity does not follow the rate.
  void measure(int64_t ts, size_t bytes);
  // Bytes measured in the current window no longer count (an access unit
  // discarded as too large to hold is no part of the stream's rate).
  void unmeasure(size_t bytes);
  // The grow policy: both capacities grow by half, the bytes up to
  // --grow-max. false: already at --grow-max, nothing grew.
  bool grow();

  // The most payload bytes and packets held, without the allowance for one
  // access unit beyond the capacity: the byte capacity (drop-new, drop-old),
  // --grow-max (grow), or the capacity plus kBlockSlackBytes (block); the
  // packets that / kBytesPerHeldPacket, at least kMinPacketBound.
  size_t base_byte_bound() const;
  size_t base_packet_bound() const;
  // The same plus one access unit's limits (media::kMaxAccessUnitBytes,
  // kMaxAccessUnitPackets): ReceiveBuffer::Snapshot's byte_bound and
  // packet_bound.
  size_t byte_bound() const;
  size_t packet_bound() const;

 private:
  const OverflowPolicy policy_;
  const bool follow_rate_;
  std::chrono::microseconds time_;
  int64_t bytes_;
  int64_t grow_max_bytes_;
  int64_t followed_ceiling_bytes_;  // the most the byte capacity follows the rate to
  // The window the rate is measured over: its timestamps and payload bytes.
  std::optional<int64_t> rate_from_ts_, rate_to_ts_;
  uint64_t rate_bytes_ = 0;
  double peak_rate_ = 0;
};

}  // namespace flowcast::client
