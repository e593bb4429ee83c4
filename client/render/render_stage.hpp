#pragma once
// The render end of the pipeline: the render queue the decode thread fills,
// and the pictures it holds shown on the Renderer as the PlayoutClock says
// they are due. A picture whose successor is due as well is too late and is
// dropped (unless the stream has ended: then every picture left is shown);
// a skip marker (the freeze loss policy) leaves the last picture on screen.
// It counts what it shows (RenderStats: rendered, damage, latency from the
// send-time extension, W3C freezes) and hands each shown picture to the
// QualityMeter. It measures the client's own lag too: when a pass ends with
// a picture waiting that is not yet due (the loop then sleeps until it is),
// the next pass that takes that picture records how late after its due time
// it came (RenderStats::wake_late_ms), and counts it in late_pictures if it
// must drop it because its successor is due as well.
//
// Threads: the decode thread writes to queue(); everything else runs on the
// render (main) thread.
#include <cstdint>
#include <functional>
#include <optional>

#include "client/decode/coded_access_unit.hpp"
#include "client/metrics/client_metrics.hpp"
#include "client/metrics/quality_meter.hpp"
#include "client/playout/playout_clock.hpp"
#include "client/render/renderer.hpp"
#include "common/stream/bounded_queue.hpp"

namespace flowcast::client {

class RenderStage {
 public:
  // Frames the decoder may run ahead of the renderer: enough to cover
  // B-frame reordering, few enough that the receive buffer holds the rest.
  static constexpr size_t kQueueFrames = 8;
  // Once the queue is full, the decoder goes on only when fewer than this
  // are left, then decodes kQueueFrames - kResumeFrames + 1 = 4 pictures
  // back to back. With a buffer that keeps the queue full (the default 500
  // ms), libavcodec so costs about 10 % less CPU than fed one access unit
  // per picture shown (flowcast-decode-bench --pace --batch 4; bench/
  // RESULTS.md, history). The four pictures still queued when it goes on
  // are 133 ms at 30 fps, 67 ms at 60: many decodes' worth.
  static constexpr size_t kResumeFrames = 5;

  // Borrows all; quality may be nullptr. launched: what t_ms counts from
  // (QualityMeter::submit).
  RenderStage(Renderer& renderer, const PlayoutClock& clock, QualityMeter* quality,
              SteadyTime launched);

  // The render queue: the decode thread writes, show_due() takes.
  common::BoundedQueue<RenderFrame>& queue() { return queue_; }

  // Shows (or drops, or skips) every picture due at `now`. stream_end: when
  // the loop saw the stream end, if it did. startup_from: what the first
  // picture's startup_ms counts from.
  void show_due(SteadyTime now, std::optional<SteadyTime> stream_end, SteadyTime startup_from);
  // When the picture at the front of the queue is due: nullopt when the queue
  // is empty, the clock has not started, or its stall is held (the video
  // waits for the audio: client/audio/stall_follower.hpp).
  std::optional<SteadyTime> next_due();

  // Calls shown(pts_90k, now) after each picture shown (render thread):
  // what the A/V offset is measured on. Call on the render thread, before
  // show_due() or between its calls.
  void on_shown(std::function<void(int64_t, SteadyTime)> shown) { shown_ = std::move(shown); }
  // Calls picture(frame, now) with each picture as it is shown, before the
  // renderer takes it (render thread; keep it cheap): the beep-and-flash
  // test looks for its flash. Call before the first show_due().
  void on_picture(std::function<void(const AVFrame&, SteadyTime)> picture) {
    picture_ = std::move(picture);
  }

  const RenderStats& stats() const { return stats_; }
  uint64_t skipped() const { return skipped_; }  // skip markers taken
  // The last picture taken (shown, dropped or skipped), in 90 kHz ticks.
  std::optional<int64_t> last_pts() const { return last_pts_; }
  // The step between the last two pictures taken, 300..90000 ticks (3000
  // before two were).
  int64_t frame_interval_90k() const { return frame_interval_90k_; }
  // The last picture shown was damaged (corrupt or tainted).
  bool last_damaged() const { return last_damaged_; }
  // Pictures decoded but never shown: in the queue, or written after it
  // closed. Read once the decode thread has stopped.
  uint64_t left_in_queue() const { return queue_.size() + queue_.discarded(); }

 private:
  // Shows f now: counts it, measures its latency, hands it to the quality
  // meter.
  void show(RenderFrame f, SteadyTime now, std::optional<SteadyTime> stream_end,
            SteadyTime startup_from);

  Renderer& renderer_;
  const PlayoutClock& clock_;
  QualityMeter* quality_;
  SteadyTime launched_;
  common::BoundedQueue<RenderFrame> queue_{kQueueFrames, kResumeFrames};
  RenderStats stats_;
  uint64_t skipped_ = 0;
  std::optional<int64_t> last_pts_;
  int64_t frame_interval_90k_ = 3000;
  bool last_damaged_ = false;
  // The picture at the front when the last pass ended before its due time.
  std::optional<int64_t> awaited_pts_;
  std::function<void(int64_t, SteadyTime)> shown_;
  std::function<void(const AVFrame&, SteadyTime)> picture_;
};

}  // namespace flowcast::client
