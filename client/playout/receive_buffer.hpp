#pragma once
// The client's jitter buffer: it stores the packets of one media stream,
// bounds them, and releases whole access units in sequence (decode) order
// as the playout policy lets them go. Packets come keyed by the extended
// sequence numbers the RFC 3550 receiver statistics of the stream hand out
// (ReceivePath: sequence validation, counts, jitter); the buffer counts what
// is its own: packets late for playout and packets its bounds discard. It is
// bounded in media time (--buffer-max) and in bytes, and what it does when
// full is its overflow policy:
//   block     insert() returns false: the source stops reading the socket.
//   drop-new  the arriving packet is discarded.
//   drop-old  the oldest whole access unit is discarded.
//   grow      both bounds grow by half, counted, up to --grow-max bytes;
//             past that it blocks.
// Every packet it discards counts in dropped_overflow.
//
// Access units (RFC 6184 §5.1, RFC 3550 §5.1): the packets of one RTP
// timestamp, in sequence order. A change of timestamp ends an access unit; a
// marker bit ends it early, unless the sender is seen to set markers inside
// access units (a packet of the same timestamp follows a marker), after
// which only the timestamp does. Packets that carry nothing of the stream
// (padding only, another payload type of the same SSRC: "fillers") take a
// sequence number but start no access unit, and are neither payload nor loss.
//
// Discontinuities of one sender (encoder restarts, splices):
//  - A sequence jump is the statistics' to judge (RFC 3550 Appendix A.1):
//    the extended numbers continue without a gap, and a lone stray is
//    counted late here (drop_stray()).
//  - A timestamp that jumps, in sequence order, further ahead than the time
//    between the arrivals explains (by kMaxTimestampLead), or further back
//    than reordering explains, is re-anchored: from that packet on, the
//    timestamps are shifted to continue one frame interval after the newest
//    held before, so the playout clock runs on and nothing of the new
//    timeline counts late. Counted in timestamp_jumps.
//  - restart() (a new SSRC): the next packet begins the timeline anew.
// Timestamps handed out (AccessUnitPayloads::timestamp) are these
// re-anchored, unwrapped 90 kHz values.
//
// Its byte capacity follows the stream, so that --buffer-max holds that much
// media whatever the bitrate. It starts at 1 MiB per second of capacity and
// grows to kRateHeadroom times what the capacity in media time holds at the
// stream's rate: the highest rate over windows of kRateWindow90k of media
// (payload bytes per second of RTP timestamps), short enough that it has
// grown before the start is full, for streams of up to 4 times 1 MiB/s. It
// grows up to kMaxFollowedCapacityBytes (or the start, if larger; under grow
// --grow-max), and never shrinks: a quiet scene leaves the next burst room.
// An access unit discarded as too large to hold does not count in the rate.
//
// What a sender controls stays in range (docs/SECURITY.md):
//  - the frame interval is 1..kMaxFrameInterval90k (1 s): a slower stream
//    counts 1 s per access unit beyond its timestamp span;
//  - a re-anchored timestamp continues at most that interval after the
//    newest, and a packet in sequence order steps at most kMaxTimestampLead
//    plus its wait ahead, so the timeline climbs no faster than that;
//  - a packet out of sequence order (reordered, resent) is read on the
//    timeline of the stretch it was sent in and is never re-anchored: one
//    further than kMaxTimestampLead ahead of the newest, or further behind
//    it than kMaxTimestampLead plus the capacity, or from before the last 16
//    re-anchors, is a stray, counted late and dropped;
//  - one access unit alone never makes the buffer full by media time (it
//    adds one frame interval, which may be longer than a small capacity):
//    only bytes and packets do, so a blocked source never waits on the
//    access unit it is in the middle of.
//
// Bounds (docs/SECURITY.md), whatever arrives: the payload bytes held never
// pass byte_bound(), nor the packets held packet_bound(). One access unit
// larger than the byte capacity is held whole while it is the oldest, up to
// media::kMaxAccessUnitBytes, without counting against the capacity, so any
// access unit a payload format accepts can be played. An access unit that
// alone passes that (a sender that starts a fragment and never ends it) is
// discarded whole, and the rest of its packets with it, under every policy.
//
// It is flushed on a timer (the playout clock: an access unit due with a gap
// leaves as it is), when full (drop-old), and at the end, as the playout
// policy decides (wait_next(), poll_next()).
//
// Threads: the network thread inserts; the decode thread waits in wait_next()
// for what the playout policy lets go, woken by the writes that may change
// its answer and by wake(), with no timer but the policy's own deadlines; the render and network
// threads read snapshot(). The lock is private: every public method takes it.
//
// Its parts, each called with the lock held: HeldPackets stores the packets
// and assembles access units, BufferCapacity holds the capacity and bounds,
// TimestampTimeline places timestamps, GapTracker finds what a NACK asks
// for, and PictureLedger counts the pictures.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "client/playout/buffer_capacity.hpp"
#include "client/playout/gap_tracker.hpp"
#include "client/playout/held_packets.hpp"
#include "client/playout/overflow_policy.hpp"
#include "client/playout/picture_ledger.hpp"
#include "client/playout/playout_policy.hpp"
#include "client/playout/timestamp_timeline.hpp"
#include "common/stream/bounded_history.hpp"
#include "media/payload/access_unit_limits.hpp"

namespace flowcast::client {

struct ReceivedPacket {
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  bool marker = false;
  std::vector<uint8_t> payload;
  std::optional<uint64_t> send_time_us;
  SteadyTime arrival;
  size_t wire_bytes = 0;
  // It takes a sequence number but carries nothing of the stream: padding
  // only (RFC 3550 §5.1, P bit), or another payload type of the same SSRC
  // (FEC, RTX). Its payload and timestamp are not read.
  bool filler = false;
};

// What the buffer itself counts, in packets unless named otherwise.
struct BufferCounters {
  // Arrived after playout passed their access unit, or strays: a lone
  // packet after a sequence jump, or one out of order whose timestamp is
  // far from everything held.
  uint64_t late = 0;
  uint64_t dropped_overflow = 0;  // discarded by the bounds or the overflow policy
  uint64_t grow_events = 0;
  uint64_t recovered = 0;  // arrived in time after a NACK asked for them
  // Timestamp jumps re-anchored (see the class comment).
  uint64_t timestamp_jumps = 0;
  uint64_t peak_bytes = 0;  // payload bytes held, the most at once
  double peak_ms = 0;       // media held, the most at once
};

struct ReceiveBufferConfig {
  std::chrono::microseconds capacity{2'000'000};
  int64_t capacity_bytes = 0;  // at the start; 0: 1 MiB per second of capacity
  bool follow_rate = true;     // the byte capacity follows the stream's rate
  OverflowPolicy policy = OverflowPolicy::block;
  int64_t grow_max_bytes = 0;  // 0: four times the starting capacity
  bool track_gaps = false;     // --nack
};

class ReceiveBuffer {
 public:
  // Under block, one read of the source (a TCP read of 64 KiB, or a
  // recvmmsg batch of 16 datagrams) may land after write() said false.
  static constexpr size_t kBlockSlackBytes = BufferCapacity::kBlockSlackBytes;
  static constexpr size_t kBytesPerHeldPacket = BufferCapacity::kBytesPerHeldPacket;
  static constexpr size_t kMinPacketBound = BufferCapacity::kMinPacketBound;
  // Sequence numbers found missing and not yet asked for, and asked for and
  // not yet answered, are each kept up to this many (the newest).
  static constexpr size_t kMaxTrackedGaps = GapTracker::kMaxTracked;
  // Sequence numbers taken by fillers, ahead of the next access unit.
  static constexpr size_t kMaxTrackedFillers = HeldPackets::kMaxFillers;
  // A timestamp ahead of the newest by more than the arrival times explain
  // plus this is a jump. A pause in sending moves both, but a file sender
  // pacing by decode time sends the picture after a still as early as the
  // still is long (its presentation time leads its decode time): stills of
  // up to a minute are not jumps.
  static constexpr std::chrono::seconds kMaxTimestampLead{60};
  // The byte capacity following the stream's rate (see the class comment).
  static constexpr int64_t kRateWindow90k = BufferCapacity::kRateWindow90k;  // 250 ms
  static constexpr double kRateHeadroom = BufferCapacity::kRateHeadroom;
  static constexpr int64_t kMaxFollowedCapacityBytes = BufferCapacity::kMaxFollowedCapacityBytes;
  // The longest frame interval counted: 1 s (1 fps). A longer step between
  // access units taken (a still, a pause, a hostile sender) counts as this.
  static constexpr int64_t kMaxFrameInterval90k = 90'000;
  // The most one packet's transit difference adds to the interarrival
  // jitter, and so the most the jitter reaches: kMaxTimestampLead, in
  // ticks. The receive path's statistics are configured with it, so that
  // what the timeline accepts as one step never reads as more jitter.
  static constexpr int64_t kMaxJitter90k = 60 * 90'000;

  // drained runs each time the buffer falls back below its bounds after
  // insert() returned false: on the decode thread, with the buffer's lock
  // held, so it only posts to the source's thread.
  explicit ReceiveBuffer(ReceiveBufferConfig config, std::function<void()> drained = {});

  // Network thread: the packet of extended sequence number `extended` (RFC
  // 3550 A.1, as ReceiverStatistics::on_packet judged it). A number already
  // held or recently released is not stored again. false: full under the
  // block policy; stop reading and wait for drained.
  bool insert(int64_t extended, ReceivedPacket packet);
  // Network thread: a packet the statistics found to be a stray (alone
  // after a sequence jump) is dropped: counted late.
  void drop_stray();
  // Whether the source may read on (false: blocked, wait for drained).
  bool accepting() const;
  // The stream ended: what is held is all there is.
  void end();
  // Network thread: the sender restarted (a new SSRC); the next packet begins
  // a new timeline.
  void restart();
  // A timestamp of the sender's clock as sent (an RTCP SR's RTP timestamp),
  // on the timeline the buffer hands out: unwrapped next to the newest
  // packet's, and re-anchored as the newest packets are. Any thread.
  int64_t timeline_of(uint32_t rtp_timestamp) const;

  // --- Decode thread.
  // Blocks until the playout policy lets the next access unit go, and takes
  // it; nullopt once the stream ended and everything was taken, or when stop
  // is set (wake() wakes it to see that).
  std::optional<AccessUnitPayloads> wait_next(const PlayoutPolicy& policy,
                                              const std::atomic<bool>& stop);
  // Wakes wait_next() to look again: at its stop flag, or at a playout
  // clock another thread changed (a stall begun). Any thread.
  void wake();

  // What the playout policy lets go at `now`, without waiting: the next
  // access unit, or nullopt when the policy says wait or finished. wait_next()
  // decides the same way at the steady clock's now; tests drive this one with
  // a fake clock.
  std::optional<AccessUnitPayloads> poll_next(const PlayoutPolicy& policy, SteadyTime now);

  // --- Any thread; each takes the lock itself.
  // The buffer's state and counters at one moment.
  struct Snapshot {
    bool empty = true;
    bool playable = false;        // the next access unit can leave now: complete, or a loss
    bool front_complete = false;  // ... because it is whole
    bool has_later_data = false;
    bool end_of_stream = false;
    bool full = false;
    std::optional<int64_t> front_timestamp;
    // Media held, from the next access unit to the newest: one frame
    // interval more than the timestamp span; 0 when empty.
    std::chrono::microseconds buffered{0};
    size_t bytes = 0;
    size_t held_packets = 0;
    std::chrono::microseconds capacity{0};
    int64_t capacity_bytes = 0;
    // The stream's rate the byte capacity follows: payload bytes per second
    // of media, the highest window measured; 0 before the first.
    double rate_bytes_per_s = 0;
    // The most payload bytes it ever holds: the byte capacity (drop-new,
    // drop-old), --grow-max (grow), or the capacity plus kBlockSlackBytes
    // (block: what the source read before it was told to stop still goes in),
    // plus media::kMaxAccessUnitBytes for one access unit larger than that.
    size_t byte_bound = 0;
    // The most packets it ever holds: the byte bound above without the
    // access unit / kBytesPerHeldPacket, at least kMinPacketBound, plus
    // media::kMaxAccessUnitPackets. Bounds the bookkeeping of tiny packets,
    // which costs more than their payload.
    size_t packet_bound = 0;
    int64_t frame_interval_90k = 3000;  // smallest recent step between access units
    BufferCounters counters;
    // Pictures by what the buffer did with them (frame conservation).
    PictureTally pictures;
  };
  Snapshot snapshot() const;
  // What the render thread's stall check reads, without a whole snapshot:
  // the next access unit can leave now; the stream ended.
  struct PlayoutView {
    bool playable = false;
    bool end_of_stream = false;
    bool full = false;  // at its capacity (a writer under block is refused)
  };
  PlayoutView playout_view() const;
  // Startup: how long playback would have held the front access unit if it
  // started at `now`, in the sender's time. That is how long ago it arrived,
  // plus the median (as the latency summary ranks it) over held access units
  // of how much later each is presented than it arrived, relative to the
  // front. With B-frames a picture arrives ahead of its presentation by the
  // reordering delay, which `buffered` would count as media held; starting on
  // this makes the median send-to-render latency the buffer asked. 0 when
  // empty. Walks every packet held (the policy reads it only before playback
  // starts), so it is not part of snapshot().
  std::chrono::microseconds startup_held(SteadyTime now) const;

  // Sequence numbers found missing since the last call (a later packet
  // arrived first), for a NACK; they then count as recovered if they come in
  // time. Only tracked when track_gaps is set in the config. now: when the
  // NACK asking for them goes out (the round trip a retransmission takes
  // counts from it, and rides on the access units released).
  std::vector<uint16_t> take_new_gaps(SteadyTime now);

 private:
  using FrontRun = HeldPackets::FrontRun;

  // --- Called with mutex_ held.
  bool insert_locked(int64_t seq, ReceivedPacket packet);
  // --nack: the packet of extended number seq arrived (in time or late);
  // times the round trip when a NACK asked for it. true: it was missing.
  bool track_gap(int64_t seq, SteadyTime arrival);
  bool insert_filler(int64_t seq);
  FrontRun front_run() const;
  std::optional<AccessUnitPayloads> take_complete_locked();
  std::optional<AccessUnitPayloads> take_incomplete_locked();
  std::optional<AccessUnitPayloads> take_incomplete_at_end_locked();
  bool playable() const;
  std::chrono::microseconds buffered() const;
  bool full() const;
  // The front access unit, when it alone is larger than the byte capacity:
  // its bytes and packets (up to the limits of one access unit) do not count
  // against the capacity. {0, 0} otherwise.
  HeldPackets::PerTimestamp front_allowance() const;
  size_t counted_bytes() const;
  size_t counted_packets() const;
  BufferState state_for_policy(const PlayoutPolicy& policy, SteadyTime now) const;
  // The access unit the policy's action lets go (nullopt for wait, finished).
  std::optional<AccessUnitPayloads> take_as(PlayoutDecision::Action action);

  // Takes the front access unit, as front_run() found it just now.
  AccessUnitPayloads take_front(const FrontRun& run);
  // Discards the oldest access unit, counting its packets in
  // dropped_overflow. oversized: it is too large to hold at all, so the rest
  // of its packets are dropped as they come.
  void discard_front(bool oversized = false);
  // A packet of `bytes` with timestamp `ts` arrives: true when it may go in
  // (making room as the policy says), false to discard it.
  bool make_room(int64_t ts, size_t bytes);
  // drop-old: the oldest access units make way for what was just stored.
  void evict_oldest();
  bool over_capacity() const;
  bool bytes_over_capacity() const;
  // The buffer holds a single access unit, still open, and a packet of
  // `bytes` more would pass the limits of one access unit.
  bool lone_open_unit_at_bound(size_t bytes) const;
  bool would_overflow(int64_t ts, size_t bytes) const;
  // A packet of the front access unit that makes it (or finds it) larger
  // than the capacity: whether it fits the limits of one access unit.
  // nullopt: it is not such a packet, the usual bounds apply.
  std::optional<bool> joins_large_front(int64_t ts, size_t bytes) const;
  // Whether the sender's markers end access units, from a packet of
  // timestamp ts that arrives next to what is held.
  void judge_markers(int64_t seq, int64_t ts, bool marker);
  void note_interval(int64_t ts);
  void after_take();

  mutable std::mutex mutex_;
  // Notified on every write that may let an access unit go, at the end of
  // the stream, on a discard and by wake().
  std::condition_variable changed_;
  const std::function<void()> drained_;
  // --- Protected by mutex_.
  ReceiveBufferConfig config_;
  BufferCapacity capacity_;
  TimestampTimeline timeline_;
  HeldPackets held_;
  PictureLedger ledger_{[this](int64_t ts) { return held_.holds_timestamp(ts); }};
  GapTracker gaps_;
  // From a NACK to the retransmission it asked for, smoothed; nullopt
  // before the first.
  std::optional<std::chrono::microseconds> nack_round_trip_;
  // Timestamps of access units a retransmission completed, not yet
  // released (the newest kMaxRecoveredUnits).
  static constexpr size_t kMaxRecoveredUnits = 256;
  std::set<int64_t> recovered_ts_;
  bool markers_seen_ = false;
  bool marker_trusted_ = true;                 // a marker ends an access unit
  bool last_take_had_marker_ = false;          // the last access unit taken ended at a marker
  common::RecentSet<int64_t> released_{4096};  // recent sequences, to tell duplicates
  // Recent access units gone: their stragglers are late.
  common::RecentSet<int64_t> released_ts_{256};
  common::BoundedWindow<int64_t> recent_intervals_{32};
  std::optional<int64_t> next_seq_;  // first sequence of the next access unit
  int64_t highest_seq_ = -1;         // the highest extended number inserted
  std::optional<int64_t> last_released_ts_;
  int64_t frame_interval_90k_ = 3000;
  bool end_of_stream_ = false;
  bool discontinuity_ = false;           // an access unit was discarded before the next
  std::optional<int64_t> oversized_ts_;  // the last access unit discarded as too large
  bool writer_blocked_ = false;
  BufferCounters counters_;
};

}  // namespace flowcast::client
