#pragma once
// The RFC 3550 receiver side of one RTP source (one SSRC): what GStreamer
// keeps in RTPSourceStats and libwebrtc in ReceiveStatistics. It validates
// sequence numbers (Appendix A.1), counts the packets (A.3), measures the
// interarrival jitter (A.8) and writes the report block a receiver report
// carries about the source (§6.4.1, §6.4.2), with the echo of the source's
// last sender report (LSR, DLSR) from which the sender computes the round
// trip. It holds no packet: the caller keeps what it stores.
//
// Sequence validation (A.1), as flowcast receives:
//  - A source is valid after min_sequential packets in sequence (A.1's
//    MIN_SEQUENTIAL; 1, flowcast's default, accepts the first packet).
//    Packets before that are on probation.
//  - A sequence number more than max_dropout ahead of or max_misorder
//    behind the highest is a jump. It is held on probation (verdict
//    probation: the caller keeps the packet); when the next packet follows
//    it in sequence, the sequence space restarts there (verdict resynced:
//    the caller plays the held packet, whose extended number is one less,
//    then this one). The extended numbers continue right after the highest,
//    so the jump is no loss (A.1 resets its counts instead). A packet held
//    on probation that is not followed is a stray: counted received, no part
//    of the sequence space (stray_dropped on the next packet's verdict).
//  - restart(): the source restarted (a new SSRC followed): the next packet
//    begins a new sequence space the same way, without probation.
// Extended sequence numbers (A.1's cycles + max_seq) start at the first
// packet's own number and may go below it for packets overtaken at the start.
//
// Counting (A.3): expected = extended highest - base + 1, where the base
// moves back for a packet from before it; lost = expected - (received -
// duplicate), which may be negative. Every packet of the source counts in
// received, fillers included (packets that take a sequence number but carry
// no media: padding only, another payload type of the same SSRC), and
// duplicates too, as A.3 counts them. A duplicate is a number seen before
// among the last kDuplicateWindow; reordered is a packet, not a duplicate,
// older than the highest.
//
// Jitter (A.8, §6.4.1): J += (|D| - J) / 16 over the transit times of media
// packets (fillers' timestamps are not read), in RTP timestamp units; one
// transit difference counts at most max_transit_difference, so J never
// passes it (a sender silent for hours, or one whose timestamps jump). A
// resync and a restart begin the transit anew.
//
// Times are handed in (the clock is the caller's, so tests inject it):
// arrivals and report times on one steady clock.
//
// Threads: none of its own; not thread-safe, one owner (the caller locks).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/rtp/rtcp.hpp"
#include "common/rtp/sequence.hpp"

namespace flowcast::common {

struct ReceiverStatisticsConfig {
  uint32_t clock_rate = 90'000;  // RTP timestamp units per second
  // A.1's MAX_DROPOUT and MAX_MISORDER, in sequence numbers (flowcast: 3000
  // both ways, wider than A.1's 100 behind, for links that reorder widely).
  int32_t max_dropout = 3000;
  int32_t max_misorder = 3000;
  // A.1's MIN_SEQUENTIAL: packets in sequence before the source is valid.
  int min_sequential = 1;
  // The most one transit difference adds to the jitter, in timestamp units
  // (60 s at 90 kHz; §6.4.1 keeps the jitter in 32 bits).
  int64_t max_transit_difference = int64_t{60} * 90'000;
};

// Counts of one source since the first packet (A.3).
struct ReceiverCounters {
  uint64_t received = 0;   // every packet counted, duplicates and fillers included
  uint64_t fillers = 0;    // of received: packets that carry no media
  uint64_t duplicate = 0;  // of received: a number seen before
  uint64_t reordered = 0;  // of received: older than the highest, not a duplicate
  uint64_t strays = 0;     // of received: held on probation, never followed
  uint64_t bytes = 0;      // of received packets, as the caller counts them
  uint64_t resyncs = 0;    // the sequence space restarted (a jump, or restart())
  // Extended sequence numbers (A.1); highest is -1 before the first packet.
  int64_t base = 0;
  int64_t highest = -1;
  int64_t expected() const { return highest < base ? 0 : highest - base + 1; }
  // §6.4.1 cumulative number of packets lost: may be negative (duplicates).
  int64_t lost() const { return expected() - static_cast<int64_t>(received - duplicate - strays); }
};

class ReceiverStatistics {
 public:
  using Clock = std::chrono::steady_clock;
  // Numbers remembered to tell a duplicate: wider than max_misorder, so any
  // packet in the sequence space is judged.
  static constexpr size_t kDuplicateWindow = 4096;

  enum class Verdict {
    accepted,   // in the sequence space: play it (extended)
    probation,  // held: keep the packet until the next verdict
    resynced,   // a new sequence space: play the held packet (extended - 1), then this
  };
  struct Sequenced {
    Verdict verdict = Verdict::accepted;
    int64_t extended = 0;        // accepted, resynced: this packet's extended number
    bool stray_dropped = false;  // the packet held on probation is dropped, a stray
    bool duplicate = false;      // accepted: a number seen before
  };

  explicit ReceiverStatistics(ReceiverStatisticsConfig config = {});

  // One RTP packet of the source, arrived at `arrival`: its sequence number,
  // its RTP timestamp (nullopt for a filler: it takes its number, its
  // timestamp is not read) and its size in bytes (counted in bytes).
  Sequenced on_packet(uint16_t sequence, std::optional<uint32_t> rtp_timestamp,
                      Clock::time_point arrival, size_t bytes);
  // The source restarted (a new SSRC is followed): the next packet begins a
  // new sequence space, continuing the extended numbers; a packet on
  // probation is forgotten uncounted.
  void restart();
  // The source's RTCP sender report (§6.4.1): its 64-bit NTP timestamp, and
  // when it arrived. The next report blocks echo it.
  void on_sender_report(uint64_t ntp_time, Clock::time_point arrival);

  // The report block about `ssrc` at `now` (§6.4.1): fraction lost since the
  // previous report block (in 1/256; 0 when fewer were lost than expected),
  // cumulative lost (clamped to 24 bits), extended highest sequence number,
  // jitter (timestamp units), LSR (the middle 32 bits of the last SR's NTP
  // timestamp; 0 before any SR) and DLSR (the time since that SR arrived, in
  // 1/65536 s; 0 before any SR). Moves the fraction's interval on. nullopt
  // before the first packet.
  std::optional<ReportBlock> report_block(uint32_t ssrc, Clock::time_point now);

  const ReceiverCounters& counters() const { return counters_; }
  // A.8's interarrival jitter, in timestamp units (the J of the report block).
  uint32_t jitter() const { return static_cast<uint32_t>(jitter_); }
  // Whether a packet was accepted yet (the source is valid).
  bool started() const { return highest_raw_.has_value(); }

 private:
  // A packet on probation: what counting it later needs.
  struct Held {
    uint16_t sequence = 0;
    std::optional<uint32_t> rtp_timestamp;
    Clock::time_point arrival{};
    size_t bytes = 0;
  };
  // Starts a new sequence space at `first`, continuing the extended numbers.
  void resync(uint16_t first);
  // Counts a packet in the sequence space and returns its verdict.
  Sequenced accept(const Held& packet);
  // The packet on probation is dropped: a stray after a jump, counted.
  void drop_held_stray(Sequenced& verdict);
  void measure_jitter(uint32_t rtp_timestamp, Clock::time_point arrival);
  bool seen(int64_t extended) const;
  void remember(int64_t extended);

  ReceiverStatisticsConfig config_;
  ReceiverCounters counters_;
  SequenceUnwrapper unwrap_;
  int64_t offset_ = 0;                   // added to the unwrapped number
  std::optional<uint16_t> highest_raw_;  // the highest number as sent
  int in_sequence_ = 0;                  // before the source is valid: packets in a row
  std::optional<Held> held_;             // the packet on probation
  bool restart_pending_ = false;
  // A bit per extended number in (highest - kDuplicateWindow, highest].
  std::vector<bool> window_;
  double jitter_ = 0;
  std::optional<double> last_transit_;  // timestamp units
  // The last SR: the middle 32 bits of its NTP timestamp, and its arrival.
  std::optional<uint32_t> last_sr_;
  Clock::time_point last_sr_arrival_{};
  // The previous report block's expected and received-but-not-duplicate.
  int64_t prior_expected_ = 0;
  int64_t prior_received_ = 0;
};

// §6.4.1: the round-trip time a sender computes from a report block that
// echoes one of its SRs: A - LSR - DLSR in 1/65536 s, A the report's
// arrival as the middle 32 bits of the sender's NTP clock. nullopt when LSR
// is 0 (no SR echoed) or the result is negative (clocks or a hostile peer).
std::optional<std::chrono::microseconds> round_trip_time(const ReportBlock& block,
                                                         uint32_t arrival_ntp_middle);

// The middle 32 bits of a 64-bit NTP timestamp (§4: 16.16 fixed point s).
inline uint32_t ntp_middle(uint64_t ntp_time) {
  return static_cast<uint32_t>(ntp_time >> 16);
}

}  // namespace flowcast::common
