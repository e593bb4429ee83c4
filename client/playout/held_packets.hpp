#pragma once
// The packets the jitter buffer holds, and the access units read off them:
// the data structure of ReceiveBuffer, apart from the lock, the bounds and
// the policies (as GStreamer's rtpjitterbuffer.c is apart from its element).
// Packets are kept by extended sequence number (RFC 3550 A.1), with the
// packets and payload bytes held per timestamp, and the sequence numbers
// that fillers took (they end no access unit and are no gap).
//
// Access units (RFC 6184 §5.1, RFC 3550 §5.1): the packets of one
// timestamp, in sequence order; front_run() finds where the oldest ends (a
// trusted marker, or the next access unit right after it), take_front()
// assembles its payloads for the decoder. ReceiveBuffer's class comment has
// the rules; what to take, and when, is its decision.
//
// Units: timestamps are the buffer's unwrapped, re-anchored 90 kHz ticks;
// bytes are RTP payload bytes; arrivals on the steady clock. No errors: the
// front accessors require a packet held (!empty()).
//
// Threads: none of its own; not thread-safe, the ReceiveBuffer calls it with
// its lock held.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "common/stream/bounded_history.hpp"

namespace flowcast::client {

using SteadyTime = std::chrono::steady_clock::time_point;

// One access unit as it leaves the buffer for the depacketizer.
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
  SteadyTime first_arrival;  // its first packet's arrival
  SteadyTime last_arrival;   // its last packet's (the latest) arrival
  // --nack: the round trip a retransmission took (from the NACK to the
  // packet, smoothed over those recovered so far); nullopt before the
  // first retransmission arrived.
  std::optional<std::chrono::microseconds> nack_round_trip;
  // A packet of it came back after a NACK asked for it.
  bool retransmitted = false;
};

class HeldPackets {
 public:
  // Sequence numbers taken by fillers, ahead of the next access unit, kept
  // at most (the newest).
  static constexpr size_t kMaxFillers = 4096;

  struct Packet {
    int64_t ts = 0;
    bool marker = false;
    std::vector<uint8_t> payload;
    std::optional<uint64_t> send_time_us;
    size_t bytes = 0;
    SteadyTime arrival;
  };
  using Map = std::map<int64_t, Packet>;  // by extended sequence number
  // Packets and payload bytes held of one timestamp.
  struct PerTimestamp {
    size_t packets = 0;
    size_t bytes = 0;
  };
  // How the front access unit ends, from what is held.
  struct FrontRun {
    Map::const_iterator end;  // one past its last packet held in sequence
    bool closed = false;      // nothing missing, and ended (marker or next unit)
    bool marker = false;      // its last packet carries a trusted marker
  };
  // What take_front() and discard_front() let go of.
  struct Released {
    int64_t next_seq = 0;      // one past the highest sequence number among them
    bool last_marker = false;  // the last of them carries a marker
    size_t packets = 0;
    size_t bytes = 0;
  };

  bool empty() const { return packets_.empty(); }
  size_t packets() const { return packets_.size(); }
  size_t bytes() const { return bytes_; }
  bool holds(int64_t seq) const { return packets_.count(seq) > 0; }
  // The packet of that sequence number, or nullptr.
  const Packet* find(int64_t seq) const;
  bool holds_timestamp(int64_t ts) const { return per_ts_.count(ts) > 0; }
  // Requires holds_timestamp(ts).
  const PerTimestamp& at_timestamp(int64_t ts) const { return per_ts_.at(ts); }
  // The timestamp of the oldest packet in sequence order (the front access
  // unit's), and the lowest and highest timestamps held. Require !empty().
  int64_t front_ts() const { return packets_.begin()->second.ts; }
  int64_t oldest_ts() const { return per_ts_.begin()->first; }
  int64_t newest_ts() const { return per_ts_.rbegin()->first; }
  // Packets of more than one timestamp are held: a later access unit is
  // here (also when a hostile sender interleaves timestamps).
  bool has_later_data() const { return per_ts_.size() > 1; }
  // Media held, from the oldest timestamp to the newest plus one frame
  // interval; 0 when empty.
  std::chrono::microseconds buffered(int64_t frame_interval_90k) const;
  // Startup (ReceiveBuffer::startup_held): how long ago the front packet
  // arrived at `now`, plus the median (nearest rank) over the access units
  // held of how much later each is presented than it arrived, relative to
  // the front; at least 0, and 0 when empty. Walks every packet held.
  std::chrono::microseconds held_for(SteadyTime now) const;

  // Stores the packet under `seq`; the caller checked it is not held.
  void hold(int64_t seq, Packet packet);

  // --- Fillers: sequence numbers that carry nothing of the stream.
  bool has_filler(int64_t seq) const { return fillers_.count(seq) > 0; }
  // Keeps at most kMaxFillers, forgetting the lowest.
  void add_filler(int64_t seq);
  // A packet of the stream took the number after all.
  void erase_filler(int64_t seq) { fillers_.erase(seq); }
  // Forgets the fillers before the next access unit's first number.
  void pass_fillers(int64_t next_seq);
  // The first sequence number at or after seq that no filler took.
  int64_t skip_fillers(int64_t seq) const;

  // --- Access units. Require !empty().
  // Where the front access unit ends, expecting its first packet at
  // next_seq; a marker ends it only when marker_trusted.
  FrontRun front_run(int64_t next_seq, bool marker_trusted) const;
  // Takes the front access unit's packets up to run.end (front_run() just
  // now) into `unit`, from next_seq on: its timestamp, payloads, gaps,
  // first send time and bytes; a gap marks it incomplete (it stays as
  // given otherwise). Each sequence number taken goes into `released`.
  Released take_front(const FrontRun& run, int64_t next_seq, AccessUnitPayloads& unit,
                      common::RecentSet<int64_t>& released);
  // Discards every packet of the front access unit's timestamp, in
  // sequence order up to the first of another timestamp; each sequence
  // number goes into `released`.
  Released discard_front(common::RecentSet<int64_t>& released);

 private:
  // Lets go of one packet: counted in r, its number into `released`.
  Map::iterator release(Map::iterator it, Released& r, common::RecentSet<int64_t>& released);

  Map packets_;
  std::map<int64_t, PerTimestamp> per_ts_;
  size_t bytes_ = 0;
  std::set<int64_t> fillers_;  // sequences fillers took, not yet passed
};

}  // namespace flowcast::client
