#include "client/playout/receive_path.hpp"

namespace flowcast::client {

namespace {
common::ReceiverStatisticsConfig statistics_config() {
  common::ReceiverStatisticsConfig c;
  c.clock_rate = 90'000;
  c.max_dropout = ReceivePath::kMaxDropout;
  c.max_misorder = ReceivePath::kMaxMisorder;
  c.max_transit_difference = ReceiveBuffer::kMaxJitter90k;
  return c;
}
}  // namespace

ReceivePath::ReceivePath(ReceiveBufferConfig config)
    : buffer_(config, [this] { emit_drain(); }), statistics_(statistics_config()) {}

bool ReceivePath::write(ReceivedPacket packet) {
  using Verdict = common::ReceiverStatistics::Verdict;
  common::ReceiverStatistics::Sequenced verdict;
  {
    std::lock_guard lock(mutex_);
    const std::optional<uint32_t> timestamp =
        packet.filler ? std::nullopt : std::optional<uint32_t>(packet.timestamp);
    verdict = statistics_.on_packet(packet.sequence, timestamp, packet.arrival, packet.wire_bytes);
  }
  if (verdict.stray_dropped && probation_) {
    probation_.reset();
    buffer_.drop_stray();
  }
  switch (verdict.verdict) {
    case Verdict::probation:
      probation_ = std::move(packet);
      return buffer_.accepting();
    case Verdict::resynced:
      if (probation_) {
        // The held packet opens the new sequence space, right before this one.
        ReceivedPacket first = std::move(*probation_);
        probation_.reset();
        buffer_.insert(verdict.extended - 1, std::move(first));
      }
      break;
    case Verdict::accepted:
      break;
  }
  return buffer_.insert(verdict.extended, std::move(packet));
}

void ReceivePath::restart() {
  {
    std::lock_guard lock(mutex_);
    statistics_.restart();
  }
  // The statistics forget the packet on probation uncounted; so does the path.
  probation_.reset();
  buffer_.restart();
}

void ReceivePath::on_sender_report(uint64_t ntp_time, SteadyTime arrival) {
  std::lock_guard lock(mutex_);
  statistics_.on_sender_report(ntp_time, arrival);
}

std::optional<common::ReportBlock> ReceivePath::report_block(uint32_t ssrc, SteadyTime now) {
  std::lock_guard lock(mutex_);
  return statistics_.report_block(ssrc, now);
}

ReceiveStatistics ReceivePath::statistics() const {
  std::lock_guard lock(mutex_);
  return {statistics_.counters(), statistics_.jitter()};
}

}  // namespace flowcast::client

namespace flowcast::client {

ReceiveCounters ReceivePath::counters() const {
  const ReceiveStatistics s = statistics();
  const BufferCounters b = buffer_.snapshot().counters;
  ReceiveCounters c;
  c.received = s.counters.received - s.counters.fillers;
  c.duplicate = s.counters.duplicate;
  c.reordered = s.counters.reordered;
  c.fillers = s.counters.fillers;
  c.sequence_resyncs = s.counters.resyncs;
  c.bytes = s.counters.bytes;
  c.cumulative_lost = s.counters.lost();
  c.jitter = s.jitter;
  c.late = b.late;
  c.dropped_overflow = b.dropped_overflow;
  c.grow_events = b.grow_events;
  c.recovered = b.recovered;
  c.timestamp_jumps = b.timestamp_jumps;
  c.peak_bytes = b.peak_bytes;
  c.peak_ms = b.peak_ms;
  return c;
}

}  // namespace flowcast::client
