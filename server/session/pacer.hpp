#pragma once
// The pacer: when the packets of a frame leave. `smooth` (the default)
// spreads a frame over kSpread of its interval in bursts, so that a
// keyframe does not land in the client's kernel buffer all at once; a
// burst is one timer wake and, over UDP, one sendmmsg. A frame of at most
// kMinBurstPackets packets leaves in one burst, a larger one in at most one
// burst per kMinBurstPackets packets, at least kMinBurstGapUs apart. `burst`
// sends every frame at once.
//
// Pure: no clock, no state beyond the mode. Any thread may call it; the
// session calls it on the network thread for each frame it sends.
#include <cstddef>
#include <cstdint>

namespace flowcast::server {

enum class Pacing { smooth, burst };

// When a frame's packets leave, after the moment it is sent: in bursts of
// `size` packets (0: all at once), one burst every `spacing_us`.
struct BurstSchedule {
  size_t size = 0;
  uint64_t spacing_us = 0;

  // Microseconds after the frame's start at which packet `index` leaves.
  uint64_t offset_us(size_t index) const { return size ? index / size * spacing_us : 0; }
};

class Pacer {
 public:
  // Bursts of a few KiB, which any receive buffer absorbs, at least 2 ms
  // apart: one timer and one system call a burst rather than a packet.
  static constexpr size_t kMinBurstPackets = 8;
  static constexpr int64_t kMinBurstGapUs = 2000;
  // The share of the frame interval a frame is spread over, in tenths.
  static constexpr int64_t kSpreadTenths = 8;
  // The interval assumed for a frame that has no duration (30 fps).
  static constexpr int64_t kDefaultDuration90k = 3000;
  // The longest interval a frame is spread over (100 ms): a picture held
  // for seconds (a still, one picture every 3 s) must still arrive whole
  // well within the client's buffer, not over most of its duration.
  static constexpr int64_t kMaxSpreadDuration90k = 9000;

  explicit Pacer(Pacing pacing) : pacing_(pacing) {}

  // The schedule of a frame of `packets` packets lasting `duration_90k`
  // (90 kHz ticks; 0 or less: unknown).
  BurstSchedule schedule(size_t packets, int64_t duration_90k) const;

  Pacing pacing() const { return pacing_; }

 private:
  Pacing pacing_;
};

}  // namespace flowcast::server
