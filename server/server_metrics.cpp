#include "server/server_metrics.hpp"

namespace flowcast::server {

LinkConfigMetrics LinkConfigMetrics::of(const common::LinkConfig& link) {
  LinkConfigMetrics m;
  m.rate_bps = link.rate_bps;
  m.queue_ms = static_cast<double>(link.queue.count()) / 1000.0;
  m.delay_ms = static_cast<double>(link.delay.count()) / 1000.0;
  m.jitter_ms = static_cast<double>(link.jitter.count()) / 1000.0;
  m.loss_percent = link.loss_percent;
  m.burst = link.burst;
  m.reorder_percent = link.reorder_percent;
  m.duplicate_percent = link.duplicate_percent;
  m.seed = link.seed;
  return m;
}

void ServerMetrics::add(const SessionStats& session) {
  sessions.push_back(session);
  link.offered += session.link.offered;
  link.dropped_queue += session.link.dropped_queue;
  link.dropped_loss += session.link.dropped_loss;
  link.delayed += session.link.delayed;
  link.retransmitted += session.link.retransmitted;
  link.duplicated += session.link.duplicated;
  link.reordered += session.link.reordered;
  total_round_trip_time_ms += session.total_round_trip_time_ms;
  round_trip_time_measurements += session.round_trip_time_measurements;
}

}  // namespace flowcast::server
