#pragma once
// The client's receive/jitter buffer, a Writable of RTP packets: packets in,
// whole access units out in sequence (decode) order. It orders packets across
// the 16-bit wrap, spots duplicates, reordering, late packets and gaps, and
// counts each. It is bounded in media time (--buffer-max) and in bytes, and
// what it does when full is its overflow policy:
//   block     write() returns false: the source stops reading the socket.
//   drop-new  the arriving packet is discarded.
//   drop-old  the oldest whole access unit is discarded.
//   grow      both bounds grow by half, counted, up to --grow-max bytes;
//             past that it blocks.
// Every packet it discards counts in dropped_overflow.
//
// Bounds (docs/SECURITY.md), whatever arrives: the payload bytes held never
// pass byte_bound(), nor the packets held packet_bound(). An access unit that
// alone fills the buffer and is still open (no marker, no later data: a
// sender that starts a fragment and never ends it) is discarded whole, and
// the rest of its packets with it, under every policy: kept, it would hold the
// buffer full forever.
//
// It is flushed on a timer (the playout clock: an access unit due with a gap
// leaves as it is), when full (drop-old), when asked and at the end
// (take_incomplete_at_end()).
//
// Threads: the network thread writes; the decode thread waits in wait_next()
// for what the playout policy lets go; the render and network threads read
// snapshot(). The lock is private: every public method takes it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "client/client_options.hpp"
#include "client/playout/playout_policy.hpp"
#include "common/rtp/sequence.hpp"
#include "common/stream/stream.hpp"

namespace flowcast::client {

using SteadyTime = std::chrono::steady_clock::time_point;

struct ReceivedPacket {
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  bool marker = false;
  std::vector<uint8_t> payload;
  std::optional<uint64_t> send_time_us;
  SteadyTime arrival;
  size_t wire_bytes = 0;
};

struct AccessUnitPayloads {
  int64_t timestamp = 0;  // unwrapped 90 kHz
  // Payloads in order; gap_before[i]: packets are missing before payload i.
  std::vector<std::vector<uint8_t>> payloads;
  std::vector<bool> gap_before;
  // false when packets of it are missing, or an earlier access unit was
  // discarded (its references are gone).
  bool complete = true;
  std::optional<uint64_t> send_time_us;  // of its first packet
  size_t bytes = 0;
};

struct ReceiveCounters {
  uint64_t received = 0;  // every RTP packet that reached the buffer
  uint64_t duplicate = 0;
  uint64_t reordered = 0;
  uint64_t late = 0;
  uint64_t dropped_overflow = 0;
  uint64_t grow_events = 0;
  uint64_t recovered = 0;  // arrived in time after a NACK asked for them
  uint64_t bytes = 0;
  uint64_t peak_bytes = 0;
  double peak_ms = 0;
};

struct ReceiveBufferConfig {
  std::chrono::microseconds capacity{2'000'000};
  int64_t capacity_bytes = 0;  // 0: 1 MiB per second of capacity
  OverflowPolicy policy = OverflowPolicy::block;
  int64_t grow_max_bytes = 0;  // 0: four times the starting capacity
  bool track_gaps = false;     // --nack
};

class ReceiveBuffer : public common::Writable<ReceivedPacket> {
 public:
  // Under block, one read of the source (a TCP read of 64 KiB, or a
  // recvmmsg batch of 16 datagrams) may land after write() said false.
  static constexpr size_t kBlockSlackBytes = 1 << 20;
  static constexpr size_t kBytesPerHeldPacket = 64;
  static constexpr size_t kMinPacketBound = 4096;
  // Sequence numbers found missing and not yet asked for, and asked for and
  // not yet answered, are each kept up to this many (the newest).
  static constexpr size_t kMaxTrackedGaps = 1024;

  explicit ReceiveBuffer(ReceiveBufferConfig config);

  // Network thread. false: full under the block policy; stop reading and
  // wait for drain.
  bool write(ReceivedPacket packet) override;
  // The stream ended: what is held is all there is.
  void end() override;

  // --- Decode thread.
  // Blocks until the playout policy lets the next access unit go, and takes
  // it; nullopt once the stream ended and everything was taken, or when stop
  // is set (wake() wakes it to see that).
  std::optional<AccessUnitPayloads> wait_next(const PlayoutPolicy& policy,
                                              const std::atomic<bool>& stop);
  // Wakes wait_next() to look at its stop flag. Any thread.
  void wake();

  // --- Any thread; each takes the lock itself.
  // The next access unit if all its packets are there.
  std::optional<AccessUnitPayloads> take_complete();
  // The next access unit as it is, gaps and all, when later data is held
  // (so the gap is a loss, not a delay). nullopt otherwise.
  std::optional<AccessUnitPayloads> take_incomplete();
  // The next access unit as it is, even with nothing after it (the stream
  // ended). nullopt when empty.
  std::optional<AccessUnitPayloads> take_incomplete_at_end();

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
    // The most payload bytes it ever holds: the byte capacity (drop-new,
    // drop-old), --grow-max (grow), or the capacity plus kBlockSlackBytes
    // (block: what the source read before it was told to stop still goes in).
    size_t byte_bound = 0;
    // The most packets it ever holds: byte_bound / kBytesPerHeldPacket, at
    // least kMinPacketBound. Bounds the bookkeeping of tiny packets, which
    // costs more than their payload.
    size_t packet_bound = 0;
    int64_t frame_interval_90k = 3000;  // smallest recent step between access units
    ReceiveCounters counters;
    // RFC 3550 §6.4.1: expected minus received (may be negative with duplicates).
    int64_t cumulative_lost = 0;
    int64_t extended_highest_sequence = -1;
    uint32_t jitter = 0;  // RFC 3550 interarrival jitter, 90 kHz ticks
  };
  Snapshot snapshot() const;
  // What the render thread's stall check reads, without a whole snapshot:
  // the next access unit can leave now; the stream ended.
  struct PlayoutView {
    bool playable = false;
    bool end_of_stream = false;
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
  // time. Only tracked when track_gaps is set in the config.
  std::vector<uint16_t> take_new_gaps();

 private:
  // --- Called with mutex_ held.
  std::optional<AccessUnitPayloads> take_complete_locked();
  std::optional<AccessUnitPayloads> take_incomplete_locked();
  std::optional<AccessUnitPayloads> take_incomplete_at_end_locked();
  bool playable() const;
  bool has_later_data() const;
  std::chrono::microseconds buffered() const;
  std::chrono::microseconds held_for(SteadyTime now) const;
  bool full() const;
  size_t byte_bound() const;
  size_t packet_bound() const;
  int64_t cumulative_lost() const;
  BufferState state_for_policy(const PlayoutPolicy& policy, SteadyTime now) const;

  struct Held {
    int64_t ts = 0;
    bool marker = false;
    std::vector<uint8_t> payload;
    std::optional<uint64_t> send_time_us;
    size_t bytes = 0;
    SteadyTime arrival;
  };
  AccessUnitPayloads take_front();
  // Discards the oldest access unit, counting its packets in
  // dropped_overflow. oversized: it is too large to hold at all, so the rest
  // of its packets are dropped as they come.
  void discard_front(bool oversized = false);
  bool make_room(int64_t ts, size_t bytes);
  bool over_capacity() const;
  bool bytes_over_capacity() const;
  // The buffer holds a single access unit, still open (no marker, nothing
  // after it), and a packet of `bytes` more would pass its byte or packet
  // capacity (grow: --grow-max).
  bool lone_open_unit_at_bound(size_t bytes) const;
  // The front access unit is complete: contiguous from next_seq_ up to a marker.
  bool front_playable() const;
  bool would_overflow(int64_t ts, size_t bytes) const;
  void remember_released_ts(int64_t ts);
  void release(std::map<int64_t, Held>::iterator it);
  void note_interval(int64_t ts);
  void remember_released(int64_t seq);
  void after_take();

  mutable std::mutex mutex_;
  // Notified on every write that may let an access unit go, at the end of
  // the stream, on a discard and by wake().
  std::condition_variable changed_;
  // --- Protected by mutex_.
  ReceiveBufferConfig config_;
  std::chrono::microseconds capacity_;
  int64_t capacity_bytes_;
  int64_t grow_max_bytes_;
  common::SequenceUnwrapper seq_unwrap_;
  common::TimestampUnwrapper ts_unwrap_;
  std::map<int64_t, Held> packets_;   // by extended sequence
  std::map<int64_t, int> ts_counts_;  // packets held per timestamp
  std::set<int64_t> released_;        // recent sequences, to tell duplicates
  std::deque<int64_t> released_order_;
  std::set<int64_t> released_ts_;  // recent access units gone: their stragglers are late
  std::deque<int64_t> released_ts_order_;
  std::vector<uint16_t> new_gaps_;
  std::set<int64_t> asked_;  // sequences a NACK asked for
  std::deque<int64_t> recent_intervals_;
  std::optional<int64_t> next_seq_;  // first sequence of the next access unit
  std::optional<int64_t> base_seq_;
  int64_t highest_seq_ = -1;
  std::optional<int64_t> last_released_ts_;
  int64_t frame_interval_90k_ = 3000;
  size_t bytes_ = 0;
  bool end_of_stream_ = false;
  bool discontinuity_ = false;           // an access unit was discarded before the next
  std::optional<int64_t> oversized_ts_;  // the last access unit discarded as too large
  bool writer_blocked_ = false;
  double jitter_ = 0;  // RFC 3550 interarrival jitter, 90 kHz ticks
  std::optional<double> last_transit_;
  ReceiveCounters counters_;
};

}  // namespace flowcast::client
