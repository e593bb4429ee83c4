#include "client/render/render_stage.hpp"

#include <algorithm>
#include <utility>

namespace flowcast::client {

namespace {

double ms_between(SteadyTime a, SteadyTime b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

uint64_t steady_now_us() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

RenderStage::RenderStage(Renderer& renderer, const PlayoutClock& clock, QualityMeter* quality,
                         SteadyTime launched)
    : renderer_(renderer), clock_(clock), quality_(quality), launched_(launched) {}

std::optional<SteadyTime> RenderStage::next_due() {
  // A held stall (the video waiting for the audio) shows nothing.
  if (clock_.held()) return std::nullopt;
  std::optional<SteadyTime> due;
  queue_.peek([&](const RenderFrame& f) { due = clock_.due(f.pts_90k); });
  return due;
}

void RenderStage::show_due(SteadyTime now, std::optional<SteadyTime> stream_end,
                           SteadyTime startup_from) {
  // The picture the loop went to sleep holding, not yet due then.
  const std::optional<int64_t> awaited = std::exchange(awaited_pts_, std::nullopt);
  for (;;) {
    const auto due = next_due();
    if (!due) return;
    if (*due > now) {
      queue_.peek([&](const RenderFrame& f) { awaited_pts_ = f.pts_90k; });
      return;
    }
    auto f = queue_.try_pop();
    if (!f) return;
    // Waited for and now due: how late the loop came back for it.
    const bool held = awaited && f->pts_90k == *awaited;
    if (held) stats_.wake_late_ms.push_back(ms_between(*due, now));
    if (last_pts_ && f->pts_90k > *last_pts_)
      frame_interval_90k_ = std::clamp<int64_t>(f->pts_90k - *last_pts_, 300, 90000);
    last_pts_ = f->pts_90k;
    if (f->skipped) {
      // The freeze policy: the last good picture stays on screen.
      ++skipped_;
      continue;
    }
    // Too late to show when the next one is already due as well. Once the
    // stream has ended nothing more is coming: the pictures the decoder held
    // until the end are all shown, not dropped.
    const auto next = next_due();
    if (next && *next <= now && !stream_end) {
      ++stats_.dropped_late;
      // Held in time, its successor due strictly after it: only the loop's
      // lateness made both due at once.
      if (held && *next > *due) ++stats_.late_pictures;
      continue;
    }
    show(std::move(*f), now, stream_end, startup_from);
  }
}

void RenderStage::show(RenderFrame f, SteadyTime now, std::optional<SteadyTime> stream_end,
                       SteadyTime startup_from) {
  const bool corrupt = f.corrupt, tainted = f.tainted;
  const auto send_time = f.send_time_us;
  const int64_t pts = f.pts_90k;
  if (quality_) quality_->submit(f.frame, f.pts_90k, ms_between(launched_, now), corrupt, tainted);
  if (picture_ && f.frame) picture_(*f.frame.get(), now);
  renderer_.write(std::move(f));
  ++stats_.rendered;
  if (corrupt) ++stats_.corrupt;
  if (tainted) ++stats_.tainted;
  if (corrupt || tainted) ++stats_.damaged;
  last_damaged_ = corrupt || tainted;
  if (!stats_.first_picture) {
    stats_.first_picture = now;
    stats_.startup_ms = ms_between(startup_from, now);
  }
  if (send_time) {
    const uint64_t now_us = steady_now_us();
    if (now_us >= *send_time)
      stats_.latencies_ms.push_back(static_cast<double>(now_us - *send_time) / 1000.0);
  }
  stats_.freezes.on_rendered(now, stream_end);
  if (shown_) shown_(pts, now);
}

}  // namespace flowcast::client
