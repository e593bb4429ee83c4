#include "client/transport/stream_receiver.hpp"

#include <algorithm>
#include <cstdlib>

namespace flowcast::client {

int64_t ntp_to_us(uint64_t ntp_time) {
  const auto seconds = static_cast<int64_t>(ntp_time >> 32);
  const auto fraction = static_cast<int64_t>(ntp_time & 0xFFFFFFFFu);
  return seconds * 1'000'000 + ((fraction * 1'000'000) >> 32);
}

int64_t ntp_us_of(const SyncPoint& point, int64_t media_ts_90k) {
  // 90 kHz ticks are 1/90 ms: µs = ticks * 100 / 9.
  return ntp_to_us(point.ntp_time) + (media_ts_90k - point.media_ts_90k) * 100 / 9;
}

SyncPoint next_sync_point(const std::optional<SyncPoint>& last, int64_t media_ts_90k,
                          uint64_t ntp_time, std::chrono::steady_clock::time_point received) {
  SyncPoint point{media_ts_90k, ntp_time, received,
                  last ? last->moved : std::chrono::steady_clock::time_point{}};
  // The NTP time of media time 0: constant while the mapping holds.
  if (last && std::abs(ntp_us_of(point, 0) - ntp_us_of(*last, 0)) > kMappingMove.count())
    point.moved = received;
  return point;
}

void keep_early_report(std::vector<EarlyReport>& kept, EarlyReport early) {
  std::erase_if(
      kept, [&](const EarlyReport& e) { return e.report.sender_ssrc == early.report.sender_ssrc; });
  if (kept.size() >= kMaxEarlyReports) kept.erase(kept.begin());
  kept.push_back(std::move(early));
}

bool StreamReceiver::on_rtp(const common::RtpView& rtp, size_t wire,
                            std::chrono::steady_clock::time_point now) {
  const uint32_t ssrc = rtp.header.ssrc;
  if (!ssrc_) {
    ssrc_ = ssrc;
  } else if (ssrc == *ssrc_ && bye_seen_) {
    // After its BYE the stream has ended (its path too).
    std::lock_guard lock(mutex_);
    ++counters_.after_bye;
    return true;
  } else if (ssrc != *ssrc_) {
    std::lock_guard lock(mutex_);
    // After its BYE the stream has ended (its path too): nothing follows.
    if (counters_.bye || now - last_media_ < kSwitchSilence) {
      ++counters_.foreign_ssrc;
      return true;
    }
    // The sender restarted: follow it.
    ssrc_ = ssrc;
    ++counters_.ssrc_changes;
    sync_point_.reset();
    path_.restart();
  }
  last_media_ = now;
  ReceivedPacket p;
  p.sequence = rtp.header.sequence;
  p.timestamp = rtp.header.timestamp;
  p.marker = rtp.header.marker;
  p.arrival = now;
  p.wire_bytes = wire;
  if (rtp.payload.empty()) {
    p.filler = true;
    std::lock_guard lock(mutex_);
    ++counters_.padding;
  } else {
    p.payload.assign(rtp.payload.begin(), rtp.payload.end());
    p.send_time_us = rtp.header.send_time_us;
    media_seen_ = true;
  }
  sender_clock_.on_media(now);
  const bool accepting = path_.write(std::move(p));
  if (!early_reports_.empty()) {
    const std::vector<EarlyReport> early = std::move(early_reports_);
    early_reports_.clear();
    // For the sync point only: the sender clock knows media came after them.
    for (const EarlyReport& e : early) on_sender_report(e.report, e.arrival, false);
  }
  return accepting;
}

void StreamReceiver::on_sender_report(const common::SenderReport& report,
                                      std::chrono::steady_clock::time_point now,
                                      bool to_sender_clock) {
  if (!ssrc_) {
    keep_early_report(early_reports_, {report, now});
    return;
  }
  if (report.sender_ssrc != *ssrc_) return;
  path_.on_sender_report(report.ntp_time, now);
  const int64_t media_ts_90k = path_.timeline_of(report.rtp_time);
  {
    std::lock_guard lock(mutex_);
    sync_point_ = next_sync_point(sync_point_, media_ts_90k, report.ntp_time, now);
  }
  if (!to_sender_clock || !media_seen_) return;
  // As NetworkSource does for the video: every packet the report counts
  // (RFC 3550 A.3 expected, modulo 2^32) arrived before it.
  const auto expected = static_cast<uint32_t>(path_.statistics().counters.expected());
  const bool all_received = static_cast<int32_t>(report.packet_count - expected) <= 0;
  sender_clock_.on_sender_report(now, media_ts_90k, all_received);
}

void StreamReceiver::on_bye(std::span<const uint32_t> ssrcs) {
  if (!ssrc_ || std::find(ssrcs.begin(), ssrcs.end(), *ssrc_) == ssrcs.end()) return;
  {
    std::lock_guard lock(mutex_);
    if (counters_.bye) return;
    counters_.bye = true;
    bye_seen_ = true;
  }
  path_.end();
}

std::optional<common::ReportBlock> StreamReceiver::report_block(
    std::chrono::steady_clock::time_point now) {
  if (!ssrc_) return std::nullopt;
  return path_.report_block(*ssrc_, now);
}

std::optional<SyncPoint> StreamReceiver::sync_point() const {
  std::lock_guard lock(mutex_);
  return sync_point_;
}

StreamReceiverCounters StreamReceiver::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace flowcast::client
