#pragma once
// One media stream's receive path: the RFC 3550 receiver statistics of its
// sender (common::ReceiverStatistics: sequence validation, counts, jitter,
// the report block with LSR/DLSR) beside its jitter buffer (ReceiveBuffer:
// store, bounds, release under the playout policy). NetworkSource writes each
// packet of the stream here: the statistics judge and count it (RFC 3550
// A.1), then the buffer stores it under the extended sequence number they
// handed out. A packet after a sequence jump waits here on probation until
// the statistics say whether the sequence space restarted at it (the buffer
// gets it) or it was a stray (the buffer counts it late). A session holds
// one per media stream, chosen by SSRC and payload type
// (video today; audio will be a second ReceivePath with its own buffer,
// depacketizer and decoder).
//
// The statistics have their own lock, apart from the buffer's: a receiver
// report (every 500 ms) or a sender report reads them without taking the
// buffer's lock or a snapshot of it.
//
// Clocks: the statistics count in the stream's own RTP clock (its jitter in
// the report block is in those units, RFC 3550 §6.4.1); the buffer and the
// playout count in 90 kHz ticks. A stream of another clock (audio: its
// sample rate) has its timestamps unwrapped and converted to 90 kHz on the
// way into the buffer (rounded down; the converted 32-bit values wrap as
// the buffer expects), and so do its sender reports' (timeline_of()).
//
// Threads: the network thread calls write(), end(), restart(),
// on_sender_report() and report_block(); statistics() and counters() are for
// any thread; buffer() is the decode and render threads' (its own lock).
#include <cstdint>
#include <mutex>
#include <optional>

#include "client/playout/receive_buffer.hpp"
#include "common/rtp/receiver_statistics.hpp"
#include "common/rtp/rtcp.hpp"
#include "common/rtp/sequence.hpp"
#include "common/stream/stream.hpp"

namespace flowcast::client {

// The receiver statistics of a stream at one moment.
struct ReceiveStatistics {
  common::ReceiverCounters counters;
  uint32_t jitter = 0;  // RFC 3550 A.8 interarrival jitter, 90 kHz ticks
};

// The stream's packet counters as the metrics report them (docs/METRICS.md
// "packets"): the statistics' and the buffer's own, at one moment.
struct ReceiveCounters {
  // RTP packets of the stream that carry media (fillers not), duplicates,
  // late ones and strays included.
  uint64_t received = 0;
  uint64_t duplicate = 0;         // a number seen before (RFC 3550 A.3)
  uint64_t reordered = 0;         // older than the highest, not a duplicate
  uint64_t fillers = 0;           // padding only, or another payload type: not lost
  uint64_t sequence_resyncs = 0;  // the sequence space restarted (A.1, or a new SSRC)
  uint64_t bytes = 0;             // wire bytes of every packet received
  // §6.4.1: expected minus received, fillers taking their numbers; may be
  // negative (duplicates).
  int64_t cumulative_lost = 0;
  uint32_t jitter = 0;  // A.8 interarrival jitter, 90 kHz ticks
  // The buffer's own (BufferCounters).
  uint64_t late = 0;
  uint64_t dropped_overflow = 0;
  uint64_t grow_events = 0;
  uint64_t recovered = 0;
  uint64_t timestamp_jumps = 0;
  uint64_t peak_bytes = 0;
  double peak_ms = 0;
};

class ReceivePath : public common::Writable<ReceivedPacket> {
 public:
  // RFC 3550 Appendix A.1: a sequence number this far from the highest is a
  // jump, not loss or reordering (wider than A.1's 100 behind, for links
  // that reorder widely).
  static constexpr int32_t kMaxDropout = 3000;
  static constexpr int32_t kMaxMisorder = 3000;

  // clock_rate: the stream's RTP timestamp ticks per second (90000 for
  // video; an audio stream's sample rate), 1..1'000'000.
  explicit ReceivePath(ReceiveBufferConfig config, uint32_t clock_rate = 90'000);

  // Network thread. Counts the packet, then hands it to the buffer. false:
  // the buffer is full under the block policy (stop reading; drain follows).
  bool write(ReceivedPacket packet) override;
  // The stream ended: what the buffer holds is all there is.
  void end() override { buffer_.end(); }
  // Network thread: the sender restarted (a new SSRC is followed).
  void restart();
  // Network thread: an RTCP SR of the sender (its 64-bit NTP timestamp),
  // arrived at `arrival`; the next report blocks echo it (LSR, DLSR).
  void on_sender_report(uint64_t ntp_time, SteadyTime arrival);
  // Network thread: the report block about `ssrc` at `now` (RFC 3550
  // §6.4.1; ReceiverStatistics::report_block). nullopt before any packet.
  std::optional<common::ReportBlock> report_block(uint32_t ssrc, SteadyTime now);

  // Network thread: a timestamp of the sender's clock as sent (an RTCP
  // SR's RTP timestamp) on the buffer's timeline (90 kHz ticks, unwrapped
  // next to the newest packet's; ReceiveBuffer::timeline_of).
  int64_t timeline_of(uint32_t rtp_timestamp) const;
  uint32_t clock_rate() const { return clock_rate_; }

  // Any thread.
  ReceiveStatistics statistics() const;
  // The statistics' counters and the buffer's (takes both locks in turn).
  ReceiveCounters counters() const;
  ReceiveBuffer& buffer() { return buffer_; }
  const ReceiveBuffer& buffer() const { return buffer_; }

 private:
  // An unwrapped timestamp of the stream's clock in the buffer's 90 kHz
  // ticks, as the 32 bits the buffer unwraps again.
  uint32_t to_90k(int64_t unwrapped) const;

  ReceiveBuffer buffer_;
  const uint32_t clock_rate_;
  // --- Network thread only.
  common::TimestampUnwrapper unwrapper_;     // of a clock other than 90 kHz
  std::optional<ReceivedPacket> probation_;  // the packet the statistics hold on probation
  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  common::ReceiverStatistics statistics_;
};

}  // namespace flowcast::client
