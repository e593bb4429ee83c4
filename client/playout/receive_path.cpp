#include "client/playout/receive_path.hpp"

#include <stdexcept>
#include <string>

namespace flowcast::client {

namespace {
common::ReceiverStatisticsConfig statistics_config(uint32_t clock_rate) {
  common::ReceiverStatisticsConfig c;
  c.clock_rate = clock_rate;
  c.max_dropout = ReceivePath::kMaxDropout;
  c.max_misorder = ReceivePath::kMaxMisorder;
  // The buffer's bound on one step, in the stream's own ticks.
  c.max_transit_difference = ReceiveBuffer::kMaxJitter90k * clock_rate / 90'000;
  return c;
}

uint32_t checked_rate(uint32_t clock_rate) {
  if (clock_rate == 0 || clock_rate > 1'000'000)
    throw std::invalid_argument("an RTP clock rate of " + std::to_string(clock_rate) +
                                " Hz; 1 Hz to 1 MHz are played");
  return clock_rate;
}

// a * b / c rounded toward minus infinity.
int64_t scale_floor(int64_t a, int64_t b, int64_t c) {
  const __int128 p = static_cast<__int128>(a) * b;
  return static_cast<int64_t>(p >= 0 ? p / c : -((-p + c - 1) / c));
}
}  // namespace

ReceivePath::ReceivePath(ReceiveBufferConfig config, uint32_t clock_rate)
    : buffer_(config, [this] { emit_drain(); }),
      clock_rate_(checked_rate(clock_rate)),
      statistics_(statistics_config(clock_rate)) {}

uint32_t ReceivePath::to_90k(int64_t unwrapped) const {
  return static_cast<uint32_t>(scale_floor(unwrapped, 90'000, clock_rate_));
}

int64_t ReceivePath::timeline_of(uint32_t rtp_timestamp) const {
  if (clock_rate_ == 90'000) return buffer_.timeline_of(rtp_timestamp);
  return buffer_.timeline_of(to_90k(unwrapper_.peek(rtp_timestamp)));
}

bool ReceivePath::write(ReceivedPacket packet) {
  using Verdict = common::ReceiverStatistics::Verdict;
  common::ReceiverStatistics::Sequenced verdict;
  {
    std::lock_guard lock(mutex_);
    const std::optional<uint32_t> timestamp =
        packet.filler ? std::nullopt : std::optional<uint32_t>(packet.timestamp);
    verdict = statistics_.on_packet(packet.sequence, timestamp, packet.arrival, packet.wire_bytes);
  }
  if (!packet.filler && clock_rate_ != 90'000)
    packet.timestamp = to_90k(unwrapper_.unwrap(packet.timestamp));
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
  unwrapper_ = {};  // a new sender's timestamps begin anew
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
