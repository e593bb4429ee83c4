#include "client/player_metrics.hpp"

#include <algorithm>
#include <filesystem>

#include "client/metrics/qoe_score.hpp"

namespace flowcast::client {

namespace {

double ms_between(SteadyTime a, SteadyTime b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

template <typename Duration>
double ms(Duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

// "session", "startup_ms", "stalls", "rebuffering_ratio", "freezes": the
// session's outcome (account_session) from what the parts recorded.
void fill_session(MetricsDocument& m, const SessionFacts& s, const PartReadings& p) {
  SessionRecord record;
  record.launched = s.launched;
  record.finished = s.finished;
  record.first_picture = p.render.first_picture;
  // --listen: joining begins with the sender; without one it never did.
  if (s.listen) record.joining_from = s.first_packet.value_or(s.finished);
  for (const auto& ev : p.stalls) record.stalls.push_back({ev.start, ev.start + ev.duration});
  record.play_time = p.play_time;
  for (const auto& [from, to] : p.render.freezes.freezes()) record.freezes.push_back({from, to});
  record.stream_end_seen = s.stream_end_seen;
  record.ended_by = s.ended_by;
  record.protocol = s.protocol;
  const SessionOutcome outcome = account_session(record);
  m.session = outcome.session;
  m.startup_ms = outcome.startup_ms;
  for (size_t i : outcome.counted_stalls)
    m.stalls.events.push_back({.start_ms = ms_between(s.launched, p.stalls[i].start),
                               .duration_ms = ms(p.stalls[i].duration),
                               .cause = p.stalls[i].cause});
  m.stalls.count = m.stalls.events.size();
  m.stalls.total_ms = outcome.stall_ms;
  m.rebuffering_ratio = outcome.rebuffering_ratio;
  m.freezes = {.count = p.render.freezes.count(), .total_ms = p.render.freezes.total_ms()};
}

void fill_packets(MetricsDocument& m, const PartReadings& p) {
  const ReceiveCounters& rc = p.receive;
  const SourceCounters& sc = p.source;
  m.packets = {.received = rc.received,
               .lost = std::max<int64_t>(0, rc.cumulative_lost),
               .late = rc.late,
               .duplicate = rc.duplicate,
               .reordered = rc.reordered,
               .dropped_overflow = rc.dropped_overflow,
               .dropped_kernel = sc.dropped_kernel,
               .recovered = rc.recovered,
               .foreign_payload_type = sc.foreign_payload_type,
               .foreign_ssrc = sc.foreign_ssrc,
               .malformed = sc.malformed,
               .plis_sent = sc.plis_sent,
               .nacks_sent = sc.nacks_sent,
               .padding = sc.padding,
               .nonconformant = p.nonconformant,
               .sequence_resyncs = rc.sequence_resyncs,
               .timestamp_jumps = rc.timestamp_jumps,
               .ssrc_changes = sc.ssrc_changes};
}

// "frames": every picture sent, accounted once (frame conservation,
// docs/METRICS.md).
void fill_frames(MetricsDocument& m, const PartReadings& p) {
  const PictureTally& pt = p.buffer.pictures;
  const DecodeCounters& dc = p.decode;
  const RenderStats& rs = p.render;
  // Pictures of which nothing came are counted from timestamp gaps; no
  // more of them than packets went missing (a sender's pause is no loss).
  const uint64_t missing = std::min<uint64_t>(
      pt.missing, static_cast<uint64_t>(std::max<int64_t>(0, p.receive.cumulative_lost)));
  m.frames = {.decoded = dc.decoded,
              .rendered = rs.rendered,
              .dropped_late = rs.dropped_late,
              .corrupt = dc.corrupt,
              .tainted = rs.tainted,
              .skipped = p.skipped,
              .oversized = dc.oversized,
              .incomplete_access_units = dc.incomplete_access_units,
              .unrecovered = dc.unrecovered,
              .damaged = rs.damaged,
              .rendered_corrupt = rs.corrupt,
              .sent = pt.seen + missing,
              .rendered_clean = rs.rendered - rs.damaged,
              .dropped_buffer = pt.dropped,
              .lost = pt.late + missing,
              .undecodable = dc.undecodable + dc.oversized + dc.unrecovered,
              .pending = pt.pending + dc.held + p.left_in_render_queue,
              .decode_order_timestamps = dc.decode_order_timestamps};
  m.frames.accounted = conservation_sum(m.frames);
}

// "quality", "snapshots": the snapshots named from the metrics file's
// folder, so the file and its pictures are read together from any directory
// (flowcast-report does).
void fill_quality(MetricsDocument& m, const QualityMeter& quality,
                  const std::optional<std::string>& metrics_path) {
  m.quality = quality.quality();
  m.snapshots = quality.snapshot_records();
  if (!metrics_path) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path folder = fs::absolute(fs::path(*metrics_path), ec).parent_path();
  for (auto& snap : m.snapshots) {
    const fs::path relative = fs::absolute(snap.file, ec).lexically_relative(folder);
    if (!ec && !relative.empty()) snap.file = relative.string();
  }
}

}  // namespace

MetricsDocument assemble_metrics(const SessionFacts& session, const PartReadings& parts,
                                 const QualityMeter* quality,
                                 std::vector<TimelineSample> timeline) {
  MetricsDocument m;
  m.transport = session.transport;
  m.config = session.config;
  m.duration_ms = ms_between(session.launched, session.finished);
  fill_session(m, session, parts);
  fill_packets(m, parts);
  fill_frames(m, parts);
  m.buffer = {.capacity_bytes = parts.buffer.capacity_bytes,
              .capacity_ms = ms(parts.buffer.capacity),
              .peak_bytes = parts.receive.peak_bytes,
              .peak_ms = parts.receive.peak_ms,
              .grow_events = parts.receive.grow_events};
  m.kernel = {.rcvbuf_bytes = parts.source.rcvbuf_bytes,
              .peak_queued_bytes = parts.source.peak_kernel_queued};
  m.latency_ms = summarize_latency(parts.render.latencies_ms);
  const LatencySummary late = summarize_latency(parts.render.wake_late_ms);
  m.client_load = {.wakes = parts.render.wake_late_ms.size(),
                   .wake_late_ms = {.p50 = late.p50, .p95 = late.p95, .max = late.max},
                   .late_pictures = parts.render.late_pictures,
                   .cpu_ms = parts.cpu_ms};
  if (quality) fill_quality(m, *quality, session.metrics_path);
  m.timeline = std::move(timeline);
  m.qoe = qoe_of(m);
  const JitterBufferCounters& jb = parts.delay.counters;
  m.jitter_buffer = {.policy = parts.delay.adaptive ? "adaptive" : "fixed",
                     .jitterBufferDelay = jb.delay_s,
                     .jitterBufferTargetDelay = jb.target_delay_s,
                     .jitterBufferMinimumDelay = jb.minimum_delay_s,
                     .jitterBufferEmittedCount = jb.emitted};
  return m;
}

}  // namespace flowcast::client
