#pragma once
// The jitter buffer's timeline: RTP timestamps of one sender (32-bit, 90 kHz)
// as the unwrapped, re-anchored 64-bit ticks the buffer orders, bounds and
// hands out (ReceiveBuffer's class comment gives the rules). In sequence
// order, a timestamp that steps further ahead than the arrivals explain (by
// kMaxLead) or further back than reordering explains is a jump: the stretch
// of the timeline from that packet on is shifted to continue one frame
// interval after the newest, and counted. A packet out of sequence order is
// read on the stretch it was sent in and never re-anchored; one far from the
// newest, or from before the last kMaxStretches re-anchors, has no place on
// the timeline (a stray: map() returns nullopt).
//
// Units: timestamps in 90 kHz ticks; sequence numbers are the extended ones
// (RFC 3550 A.1) the receiver statistics hand out; arrivals on the steady
// clock. No errors: what does not fit is a stray.
//
// Threads: none of its own; not thread-safe, the ReceiveBuffer calls it with
// its lock held.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "common/rtp/sequence.hpp"
#include "common/stream/bounded_history.hpp"

namespace flowcast::client {

class TimestampTimeline {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  // A timestamp ahead of the newest by more than the arrival times explain
  // plus this is a jump (see ReceiveBuffer::kMaxTimestampLead).
  static constexpr int64_t kMaxLead90k = 60 * 90'000;
  // A timestamp this far behind the newest (at least; twice the largest
  // recent step forward, for B-frames at low frame rates) is a jump.
  static constexpr int64_t kMinBackwardJump90k = 45'000;
  // Stretches between re-anchors kept for packets out of sequence order.
  static constexpr size_t kMaxStretches = 16;

  // The packet of extended sequence number `seq`, sent at `timestamp`,
  // arrived at `arrival`; out_of_order: a higher number was inserted before.
  // Its place on the timeline; re-anchors at a jump (frame_interval_90k
  // after the newest). An out-of-order packet more than kMaxLead90k ahead of
  // the newest or more than kMaxLead90k + behind_90k behind it: nullopt.
  std::optional<int64_t> map(int64_t seq, uint32_t timestamp, SteadyTime arrival, bool out_of_order,
                             int64_t frame_interval_90k, int64_t behind_90k);
  // The sender restarted (a new SSRC): the next packet in order re-anchors.
  void restart() { restart_pending_ = true; }
  // A timestamp as sent (an RTCP SR's), next to the newest packet's.
  int64_t timeline_of(uint32_t rtp_timestamp) const;
  uint64_t jumps() const { return jumps_; }

 private:
  // A stretch between re-anchors: the shift added to its unwrapped
  // timestamps, and its unwrapper as it was when the next began.
  struct Stretch {
    int64_t offset = 0;
    common::TimestampUnwrapper unwrap;
  };
  std::optional<int64_t> map_out_of_order(int64_t seq, uint32_t timestamp, SteadyTime arrival,
                                          int64_t behind_90k);
  bool is_jump(int64_t step, SteadyTime arrival) const;

  bool restart_pending_ = false;
  bool force_anchor_ = false;             // the next timestamp is re-anchored (restart)
  common::TimestampUnwrapper unwrap_;     // of the newest stretch
  std::map<int64_t, Stretch> stretches_;  // by the first extended sequence they apply from
  std::optional<int64_t> newest_;         // the highest (re-anchored) timestamp seen
  SteadyTime newest_arrival_{};
  common::BoundedWindow<int64_t> recent_steps_{32};  // forward steps between new timestamps
  uint64_t jumps_ = 0;
};

}  // namespace flowcast::client
