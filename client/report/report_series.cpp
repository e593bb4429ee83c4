#include "client/report/report_series.hpp"

#include <algorithm>
#include <iterator>

#include "client/metrics/metrics_document.hpp"

namespace flowcast::client::report_page {

namespace keys = metrics_keys;

RunSeries series_of(const json& m) {
  RunSeries r;
  struct Counter {
    const Pointer& key;
    std::vector<Tick>* ticks;
    double last = 0;
  };
  // Files written before "damaged" was sampled: their rendered corrupt.
  const json* timeline_json = find(m, keys::kTimeline);
  const bool has_damaged = timeline_json && timeline_json->is_array() && !timeline_json->empty() &&
                           timeline_json->front().is_object() &&
                           timeline_json->front().contains("damaged");
  Counter counters[] = {{keys::kSampleLost, &r.lost},
                        {keys::kSampleLate, &r.late},
                        {has_damaged ? keys::kSampleDamaged : keys::kSampleCorrupt, &r.damaged},
                        {keys::kSampleAudioConcealed, &r.concealed},
                        {keys::kSampleAudioUnderruns, &r.underruns}};
  if (const json* audio = find(m, keys::kAudio); audio && audio->is_object()) r.has_audio = true;
  if (const json* timeline = find(m, keys::kTimeline); timeline && timeline->is_array()) {
    for (const json& s : *timeline) {
      auto t = number_at(s, keys::kSampleTMs);
      if (!t) continue;
      r.end_ms = std::max(r.end_ms, *t);
      if (auto v = number_at(s, keys::kSampleBufferMs)) r.buffer_ms.push_back({*t, *v});
      if (auto v = number_at(s, keys::kSampleKernelBytes)) r.kernel_bytes.push_back({*t, *v});
      if (auto v = number_at(s, keys::kSampleTargetDelayMs)) r.target_delay_ms.push_back({*t, *v});
      if (auto v = number_at(s, keys::kSampleDelayMs)) r.delay_ms.push_back({*t, *v});
      if (auto v = number_at(s, keys::kSampleReceivedKbps)) r.received_kbps.push_back({*t, *v});
      if (auto v = number_at(s, keys::kSampleAudioBufferMs)) r.audio_buffer_ms.push_back({*t, *v});
      if (auto v = number_at(s, keys::kSampleAvOffsetMs)) r.av_offset_ms.push_back({*t, *v});
      for (auto& c : counters) {
        // Cumulative counts: a tick where one grows. `late` is absent from
        // older files, which reads as 0 throughout.
        auto v = number_at(s, {c.key});
        if (!v) continue;
        if (*v > c.last) c.ticks->push_back({*t, *v - c.last, *v});
        c.last = *v;
      }
    }
  }
  if (const json* events = find(m, keys::kStallsEvents); events && events->is_array()) {
    for (const json& e : *events) {
      auto start = number_at(e, keys::kStallStartMs);
      if (!start) continue;
      Stall st{*start, std::max(0.0, number_at(e, keys::kStallDurationMs).value_or(0)), {}};
      if (const json* cause = find(e, keys::kStallCause); cause && cause->is_string())
        st.cause = cause->get<std::string>();
      r.end_ms = std::max(r.end_ms, st.start_ms + st.duration_ms);
      r.stalls.push_back(std::move(st));
    }
  }
  if (const json* frames = find(m, keys::kQualityPerFrame); frames && frames->is_array()) {
    for (const json& f : *frames) {
      auto t = number_at(f, keys::kFrameTMs);
      auto psnr = number_at(f, keys::kFramePsnr);
      if (!t || !psnr) continue;
      r.end_ms = std::max(r.end_ms, *t);
      r.psnr.push_back({*t, *psnr});
    }
  }
  if (auto d = number_at(m, keys::kDurationMs)) r.end_ms = std::max(r.end_ms, *d);
  // The timeline is sampled every 100 ms; what was counted after its last
  // sample is a tick at the end, so each lane's total is the table's.
  const Pointer* totals[] = {&keys::kPacketsLost, &keys::kPacketsLate,
                             has_damaged ? &keys::kFramesDamaged : &keys::kFramesRenderedCorrupt,
                             &keys::kAudioConcealedSamples, &keys::kAudioUnderruns};
  for (size_t i = 0; i < std::size(totals); ++i) {
    auto total = number_at(m, *totals[i]);
    if (!total) continue;
    std::vector<Tick>& ticks = *counters[i].ticks;
    const double drawn = ticks.empty() ? 0 : ticks.back().total;
    if (*total > drawn) ticks.push_back({r.end_ms, *total - drawn, *total});
  }
  r.kernel_peak_bytes = number_at(m, keys::kKernelPeakQueuedBytes);
  auto note_pts = [&](const json& item, const Pointer& key) {
    if (auto pts = number_at(item, key))
      r.first_pts_ms = std::min(r.first_pts_ms.value_or(*pts), *pts);
  };
  if (const json* frames = find(m, keys::kQualityPerFrame); frames && frames->is_array())
    for (const json& f : *frames) note_pts(f, Pointer("/pts_ms"));
  if (const json* snaps = find(m, keys::kSnapshots); snaps && snaps->is_array())
    for (const json& snap : *snaps) note_pts(snap, keys::kSnapshotPtsMs);
  r.config_buffer_ms = number_at(m, keys::kConfigBufferMs);
  r.config_rebuffer_ms = number_at(m, keys::kConfigRebufferMs);
  return r;
}

}  // namespace flowcast::client::report_page
