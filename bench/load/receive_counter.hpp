#pragma once
// What one viewer of flowcast-load receives from the server, counted as RFC
// 3550 Appendix A.1 counts it: sequence numbers validated and extended to 64
// bits by common::ReceiverStatistics (the client's receive path uses the
// same), expected = highest - first + 1, lost = expected - received. Counted
// twice: over the viewer's whole stay, and over the measured window, which
// opens `measure_after` after the join (so the wait for the first keyframe is
// not counted). Its receiver reports are the statistics' report blocks, with
// the server's last SR echoed (LSR, DLSR), so the server measures the round
// trip to every viewer.
//
// No allocation per RTP packet (RTCP, about one packet a second, is parsed
// with common::parse_rtcp, which allocates). Single-threaded: the load
// tool's one thread owns every counter.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/rtp/receiver_statistics.hpp"
#include "common/rtp/rtcp.hpp"

namespace flowcast::bench {

using Clock = std::chrono::steady_clock;

// RTP packets of one SSRC between the first and the highest extended
// sequence number seen (duplicates count as received, as in RFC 3550).
struct SequenceSpan {
  uint64_t packets = 0;
  uint64_t bytes = 0;   // whole RTP packets: header and payload
  uint64_t frames = 0;  // access units: runs of one RTP timestamp (RFC 6184 §5.1)
  int64_t first = 0;    // extended sequence numbers; valid once packets > 0
  int64_t highest = 0;
  Clock::time_point first_at{};  // arrival of the first and the last packet
  Clock::time_point last_at{};

  void add(int64_t extended, size_t size, Clock::time_point now);
  uint64_t expected() const {
    return packets == 0 ? 0 : static_cast<uint64_t>(highest - first + 1);
  }
  int64_t lost() const { return static_cast<int64_t>(expected()) - static_cast<int64_t>(packets); }
};

class ReceiveCounter {
 public:
  // Packets that arrive at or after `from` also count in the measured window.
  void set_measure_from(Clock::time_point from) { measure_from_ = from; }
  // Closes the measured window: nothing after `at` counts in it.
  void close_window(Clock::time_point at);

  // One RTP or RTCP packet from the server (a datagram, or an RFC 4571
  // frame's payload), arrived at `now`. Anything else counts as malformed.
  void on_packet(std::span<const uint8_t> packet, Clock::time_point now);

  // The report block a receiver report carries about the server's stream
  // (RFC 3550 §6.4.1, common::ReceiverStatistics::report_block), and moves
  // the interval on for the next fraction_lost. nullopt before any RTP.
  std::optional<common::ReportBlock> report_block(Clock::time_point now);

  const SequenceSpan& all() const { return all_; }
  const SequenceSpan& measured() const { return measured_; }
  Clock::time_point measure_from() const { return measure_from_; }
  std::optional<uint32_t> ssrc() const { return ssrc_; }
  uint64_t other_ssrc_packets() const { return other_ssrc_; }
  uint64_t sender_reports() const { return sender_reports_; }
  uint64_t malformed() const { return malformed_; }
  // The arrival of the last RTP or RTCP packet from the server.
  std::optional<Clock::time_point> last_heard() const { return last_heard_; }
  // The server sent an RTCP BYE, at that time.
  std::optional<Clock::time_point> bye_at() const { return bye_at_; }
  // The BYE's reason for leaving (RFC 3550 §6.6), empty when it gave none.
  const std::string& bye_reason() const { return bye_reason_; }
  // Whether any RTP arrived (all of the run, not only the measured window).
  bool any_media() const { return all_.packets > 0; }

 private:
  void on_rtcp(std::span<const uint8_t> packet, Clock::time_point now);

  // Counts one packet the statistics placed at `extended` in the spans.
  void count(int64_t extended, size_t size, bool frame, Clock::time_point now);

  common::ReceiverStatistics statistics_;
  size_t held_size_ = 0;  // of the packet the statistics hold on probation
  SequenceSpan all_;
  SequenceSpan measured_;
  Clock::time_point measure_from_ = Clock::time_point::max();
  Clock::time_point window_closed_at_ = Clock::time_point::max();
  std::optional<uint32_t> ssrc_;
  uint64_t other_ssrc_ = 0;  // RTP of another SSRC: not counted in the spans
  uint64_t sender_reports_ = 0;
  uint64_t malformed_ = 0;
  std::optional<Clock::time_point> bye_at_;
  std::optional<uint32_t> last_timestamp_;  // of the last RTP packet
  std::string bye_reason_;
  std::optional<Clock::time_point> last_heard_;
};

}  // namespace flowcast::bench
