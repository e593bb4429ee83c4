#include "bench/load/receive_counter.hpp"

#include <algorithm>

#include "common/rtp/rtp_packet.hpp"

namespace flowcast::bench {

void SequenceSpan::add(int64_t extended, size_t size, Clock::time_point now) {
  if (packets == 0) {
    first = highest = extended;
    first_at = now;
  }
  // A late packet from before the first one moves the start back, as
  // RFC 3550 A.1's base_seq would have been had it come first.
  first = std::min(first, extended);
  highest = std::max(highest, extended);
  ++packets;
  bytes += size;
  last_at = now;
}

void ReceiveCounter::close_window(Clock::time_point at) {
  window_closed_at_ = std::min(window_closed_at_, at);
}

void ReceiveCounter::on_packet(std::span<const uint8_t> packet, Clock::time_point now) {
  last_heard_ = now;
  if (common::is_rtcp(packet)) {
    on_rtcp(packet, now);
    return;
  }
  const auto rtp = common::parse_rtp(packet);
  if (!rtp) {
    ++malformed_;
    return;
  }
  if (!ssrc_) ssrc_ = rtp->header.ssrc;
  if (rtp->header.ssrc != *ssrc_) {
    ++other_ssrc_;
    return;
  }
  // A new timestamp starts an access unit: frames a server skipped leave no
  // gap in the sequence numbers, but fewer frames a second.
  const bool frame = last_timestamp_ != rtp->header.timestamp;
  last_timestamp_ = rtp->header.timestamp;
  using Verdict = common::ReceiverStatistics::Verdict;
  const auto sequenced =
      statistics_.on_packet(rtp->header.sequence, rtp->header.timestamp, now, packet.size());
  switch (sequenced.verdict) {
    case Verdict::probation:
      held_size_ = packet.size();
      return;
    case Verdict::resynced:
      count(sequenced.extended - 1, held_size_, false, now);
      break;
    case Verdict::accepted:
      break;
  }
  count(sequenced.extended, packet.size(), frame, now);
}

void ReceiveCounter::count(int64_t extended, size_t size, bool frame, Clock::time_point now) {
  all_.add(extended, size, now);
  all_.frames += frame;
  if (now >= measure_from_ && now < window_closed_at_) {
    measured_.add(extended, size, now);
    measured_.frames += frame;
  }
}

void ReceiveCounter::on_rtcp(std::span<const uint8_t> packet, Clock::time_point now) {
  const auto rtcp = common::parse_rtcp(packet);
  if (!rtcp) {
    ++malformed_;
    return;
  }
  for (const auto& sr : rtcp->sender_reports) {
    ++sender_reports_;
    if (!ssrc_ || sr.sender_ssrc == *ssrc_) statistics_.on_sender_report(sr.ntp_time, now);
  }
  if (!rtcp->byes.empty() && !bye_at_) {
    bye_at_ = now;
    bye_reason_ = rtcp->byes.front().reason;
  }
}

std::optional<common::ReportBlock> ReceiveCounter::report_block(Clock::time_point now) {
  if (!ssrc_) return std::nullopt;
  return statistics_.report_block(*ssrc_, now);
}

}  // namespace flowcast::bench
