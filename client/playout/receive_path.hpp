#pragma once
// One media stream's receive path: the RFC 3550 receiver statistics of its
// sender (common::ReceiverStatistics: sequence validation, counts, jitter,
// the report block with LSR/DLSR) beside its jitter buffer (ReceiveBuffer:
// store, bounds, release under the playout policy). NetworkSource writes each
// packet of the stream here: the statistics count it, then the buffer takes
// it. A session holds one per media stream, chosen by SSRC and payload type
// (video today; audio will be a second ReceivePath with its own buffer,
// depacketizer and decoder).
//
// The statistics have their own lock, apart from the buffer's: a receiver
// report (every 500 ms) or a sender report reads them without taking the
// buffer's lock or a snapshot of it.
//
// Threads: the network thread calls write(), end(), restart(),
// on_sender_report() and report_block(); statistics() is for any thread;
// buffer() is the decode and render threads' (its own lock).
#include <cstdint>
#include <mutex>
#include <optional>

#include "client/playout/receive_buffer.hpp"
#include "common/rtp/receiver_statistics.hpp"
#include "common/rtp/rtcp.hpp"
#include "common/stream/stream.hpp"

namespace flowcast::client {

// The receiver statistics of a stream at one moment.
struct ReceiveStatistics {
  common::ReceiverCounters counters;
  uint32_t jitter = 0;  // RFC 3550 A.8 interarrival jitter, 90 kHz ticks
};

class ReceivePath : public common::Writable<ReceivedPacket> {
 public:
  explicit ReceivePath(ReceiveBufferConfig config);

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

  // Any thread.
  ReceiveStatistics statistics() const;
  ReceiveBuffer& buffer() { return buffer_; }
  const ReceiveBuffer& buffer() const { return buffer_; }

 private:
  ReceiveBuffer buffer_;
  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  common::ReceiverStatistics statistics_;
};

}  // namespace flowcast::client
