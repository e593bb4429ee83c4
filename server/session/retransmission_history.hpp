#pragma once
// The packets a session sent lately, to answer RTCP generic NACKs (RFC 4585
// §6.2.1) from, and the budget that keeps the answers from amplifying.
//
// Memory: a ring of kPackets entries. An entry holds the RTP header and a
// reference to the shared, packetized frame its payload lives in (not a copy
// of the packet), so a live session's history costs about 100 KiB however
// large the frames; the packet is written again only when it is resent,
// unchanged (same sequence number and timestamp, RFC 4588 RTX is not used).
//
// The amplification rule (docs/SECURITY.md): every media byte sent earns
// kResendShare bytes of resend budget, up to kMaxBudgetBytes, so what a
// session is sent in answer to NACKs stays below half of what it is sent
// anyway (plus one bucket), whatever it asks. A packet is resent at most once
// per kRepeatGap, each NACK is answered for at most kPackets sequence numbers,
// and a resend that does not fit the transport's send queue is refused.
// Refusals are counted, never queued.
//
// Threads: the server's network thread only.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "common/rtp/rtp_packet.hpp"
#include "server/session/rtp_sender.hpp"

namespace flowcast::server {

struct ResendCounters {
  uint64_t resent = 0;  // packets sent again
  uint64_t resent_bytes = 0;
  uint64_t refused_budget = 0;  // asked for, but past the resend budget
  uint64_t refused_queue = 0;   // asked for, but the send queue was full
  uint64_t repeated = 0;        // asked for again within kRepeatGap
  uint64_t unknown = 0;         // not (or no longer) in the history
};

class RetransmissionHistory {
 public:
  using Clock = std::chrono::steady_clock;
  // About two seconds at 4 Mbit/s in 1200-byte packets.
  static constexpr size_t kPackets = 1024;
  static constexpr double kResendShare = 0.5;
  static constexpr double kMaxBudgetBytes = 128 * 1024;
  static constexpr auto kRepeatGap = std::chrono::milliseconds(100);

  // Notes a packet as sent: payload `index` of `frame` under `header`
  // (`bytes` on the wire), and earns its share of resend budget.
  void remember(std::shared_ptr<const PacketizedFrame> frame, size_t index,
                const common::RtpHeader& header, size_t bytes);

  // The packets to resend for the sequence numbers one NACK asks for, in the
  // order asked, each at most once. fits(bytes): the transport's send queue
  // has room for a packet of that size (it is then counted as queued).
  std::vector<std::vector<uint8_t>> answer(std::span<const uint16_t> sequences,
                                           Clock::time_point now,
                                           const std::function<bool(size_t)>& fits);

  const ResendCounters& counters() const { return counters_; }

 private:
  struct Entry {
    std::shared_ptr<const PacketizedFrame> frame;  // null: empty slot
    size_t index = 0;
    common::RtpHeader header;
    size_t bytes = 0;
    Clock::time_point last_resent{};
  };
  std::vector<Entry> ring_ = std::vector<Entry>(kPackets);
  double budget_ = 0;
  ResendCounters counters_;
};

}  // namespace flowcast::server
