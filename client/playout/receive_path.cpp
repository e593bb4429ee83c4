#include "client/playout/receive_path.hpp"

namespace flowcast::client {

namespace {
common::ReceiverStatisticsConfig statistics_config() {
  common::ReceiverStatisticsConfig c;
  c.clock_rate = 90'000;
  c.max_dropout = ReceiveBuffer::kMaxDropout;
  c.max_misorder = ReceiveBuffer::kMaxMisorder;
  c.max_transit_difference = ReceiveBuffer::kMaxJitter90k;
  return c;
}
}  // namespace

ReceivePath::ReceivePath(ReceiveBufferConfig config)
    : buffer_(config), statistics_(statistics_config()) {
  buffer_.on_drain([this] { emit_drain(); });
}

bool ReceivePath::write(ReceivedPacket packet) {
  {
    std::lock_guard lock(mutex_);
    const std::optional<uint32_t> timestamp =
        packet.filler ? std::nullopt : std::optional<uint32_t>(packet.timestamp);
    statistics_.on_packet(packet.sequence, timestamp, packet.arrival, packet.wire_bytes);
  }
  return buffer_.write(std::move(packet));
}

void ReceivePath::restart() {
  {
    std::lock_guard lock(mutex_);
    statistics_.restart();
  }
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
