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
  const int64_t extended = unwrapper_.unwrap(rtp->header.sequence);
  // A new timestamp starts an access unit: frames a server skipped leave no
  // gap in the sequence numbers, but fewer frames a second.
  const bool frame = last_timestamp_ != rtp->header.timestamp;
  last_timestamp_ = rtp->header.timestamp;
  all_.add(extended, packet.size(), now);
  all_.frames += frame;
  if (now >= measure_from_ && now < window_closed_at_) {
    measured_.add(extended, packet.size(), now);
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
    last_sr_ntp_middle_ = static_cast<uint32_t>(sr.ntp_time >> 16);
    last_sr_at_ = now;
  }
  if (!rtcp->byes.empty() && !bye_at_) {
    bye_at_ = now;
    bye_reason_ = rtcp->byes.front().reason;
  }
}

std::optional<common::ReportBlock> ReceiveCounter::report_block(Clock::time_point now) {
  if (!ssrc_ || all_.packets == 0) return std::nullopt;
  common::ReportBlock block;
  block.ssrc = *ssrc_;
  const uint64_t expected = all_.expected();
  const uint64_t expected_interval = expected - prior_expected_;
  const uint64_t received_interval = all_.packets - prior_received_;
  prior_expected_ = expected;
  prior_received_ = all_.packets;
  if (expected_interval > 0 && expected_interval > received_interval)
    block.fraction_lost =
        static_cast<uint8_t>(((expected_interval - received_interval) << 8) / expected_interval);
  block.cumulative_lost =
      static_cast<int32_t>(std::clamp<int64_t>(all_.lost(), -0x800000, 0x7fffff));
  block.highest_sequence = static_cast<uint32_t>(std::max<int64_t>(all_.highest, 0));
  if (last_sr_at_ != Clock::time_point{}) {
    block.last_sr = last_sr_ntp_middle_;
    const auto since = std::chrono::duration_cast<std::chrono::microseconds>(now - last_sr_at_);
    block.delay_since_last_sr = static_cast<uint32_t>(since.count() * 65536 / 1'000'000);
  }
  return block;
}

}  // namespace flowcast::bench
