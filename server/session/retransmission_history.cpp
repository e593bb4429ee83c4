#include "server/session/retransmission_history.hpp"

#include <algorithm>

namespace flowcast::server {

void RetransmissionHistory::remember(std::shared_ptr<const PacketizedFrame> frame, size_t index,
                                     const common::RtpHeader& header, size_t bytes) {
  Entry& e = ring_[header.sequence % kPackets];
  e.frame = std::move(frame);
  e.index = index;
  e.header = header;
  e.bytes = bytes;
  e.last_resent = {};
  budget_ = std::min(kMaxBudgetBytes, budget_ + static_cast<double>(bytes) * kResendShare);
}

std::vector<std::vector<uint8_t>> RetransmissionHistory::answer(
    std::span<const uint16_t> sequences, Clock::time_point now,
    const std::function<bool(size_t)>& fits) {
  std::vector<std::vector<uint8_t>> out;
  // A NACK may repeat a sequence number, or list 64K of them: only the
  // first kPackets are looked at, and last_resent makes each count once.
  for (uint16_t seq : sequences.first(std::min(sequences.size(), kPackets))) {
    Entry& e = ring_[seq % kPackets];
    if (!e.frame || e.header.sequence != seq) {
      ++counters_.unknown;
      continue;
    }
    if (e.last_resent != Clock::time_point{} && now - e.last_resent < kRepeatGap) {
      ++counters_.repeated;
      continue;
    }
    if (budget_ < static_cast<double>(e.bytes)) {
      ++counters_.refused_budget;
      continue;
    }
    if (!fits(e.bytes)) {
      ++counters_.refused_queue;
      continue;
    }
    budget_ -= static_cast<double>(e.bytes);
    e.last_resent = now;
    std::vector<uint8_t> packet;
    packet.reserve(e.bytes);
    common::write_rtp(e.header, e.frame->payloads[e.index], packet);
    ++counters_.resent;
    counters_.resent_bytes += packet.size();
    out.push_back(std::move(packet));
  }
  return out;
}

}  // namespace flowcast::server
