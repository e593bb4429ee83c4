#pragma once
// The timeline a file is played on: one presentation and decode time per
// access unit, in 90 kHz ticks, that only moves forward, whatever the file's
// own timestamps do. It repairs the ways a file's timestamps fail a
// player that paces by them:
//  - missing timestamps (a raw Annex B elementary stream has none): decode
//    times follow the stream's frame rate, and presentation times follow the
//    picture order (H.264 picture order count) when the caller knows it;
//  - a missing decode time beside a presentation time (the first blocks of
//    a Matroska file with B-frames, before libavformat has seen enough
//    reordering to derive one): derived, one unit after the last, or for
//    the first unit reorder_depth frames before its presentation time;
//    never taken from the presentation time, which would run ahead of the
//    decode times that follow and look like a jump back;
//  - discontinuities (MPEG-TS files joined with cat, a camera restarting):
//    a decode time that does not move forward, or that jumps forward more
//    than kForwardJump90k in a format that declares discontinuities, is
//    re-anchored one frame after the previous access unit, as ffmpeg's
//    command line does for such formats. A gap shorter than that (a still
//    in a variable-frame-rate file) is kept: it is part of the timing.
//
// Pure: no FFmpeg, no clock. One thread (the file source's).
#include <cstdint>
#include <optional>

namespace flowcast::media {

struct TimelineConfig {
  // The interval assumed between pictures when the file gives none, in
  // 90 kHz ticks (from the stream's frame rate; 3600 for 25 fps).
  int64_t frame_duration_90k = 3600;
  // How many pictures the decoder may hold back for reordering (H.264
  // max_num_reorder_frames, FFmpeg's video_delay): a synthesized
  // presentation time is at least this many frames after its decode time.
  int reorder_depth = 0;
  // The container declares timestamp discontinuities (AVFMT_TS_DISCONT:
  // MPEG-TS and the like): forward jumps past kForwardJump90k are re-anchored.
  bool discontinuous_format = false;
};

// One access unit on the timeline, in 90 kHz ticks.
struct TimelinePoint {
  int64_t pts_90k = 0;
  int64_t dts_90k = 0;
  int64_t duration_90k = 0;
};

class SourceTimeline {
 public:
  // ffmpeg's dts_delta_threshold: a larger forward jump is a discontinuity
  // in formats that declare them (10 s).
  static constexpr int64_t kForwardJump90k = 10 * 90000;

  explicit SourceTimeline(TimelineConfig config) : config_(config) {}

  // Places the next access unit, in decode order. pts and dts are the
  // file's (90 kHz, nullopt when it has none), duration its own (0 or less:
  // unknown). `picture_order` is the unit's rank in presentation order since
  // the last keyframe that resets it (H.264: picture order count / 2; 0 for
  // an IDR), used only when the file has no timestamps. Never fails.
  TimelinePoint place(std::optional<int64_t> pts, std::optional<int64_t> dts, int64_t duration_90k,
                      std::optional<int64_t> picture_order, bool keyframe);

  // Times the file's timestamps were re-anchored.
  uint64_t discontinuities() const { return discontinuities_; }
  // Access units that had no timestamps of their own.
  uint64_t synthesized() const { return synthesized_; }

  // Starts over (--loop rewinds the file); the counters stay.
  void reset();

 private:
  TimelineConfig config_;
  // The offset added to the file's times since the last re-anchoring.
  int64_t offset_90k_ = 0;
  std::optional<int64_t> last_dts_;  // on the timeline
  int64_t last_duration_90k_ = 0;
  // Synthesized times: the decode time of the picture that reset the
  // picture order (an IDR).
  int64_t order_base_dts_ = 0;
  uint64_t discontinuities_ = 0;
  uint64_t synthesized_ = 0;
};

}  // namespace flowcast::media
