#include "media/source/source_timeline.hpp"

#include <algorithm>

namespace flowcast::media {
namespace {
constexpr int64_t kTimeLimit = int64_t{1} << 50;
}  // namespace

TimelinePoint SourceTimeline::place(std::optional<int64_t> pts, std::optional<int64_t> dts,
                                    int64_t duration_90k, std::optional<int64_t> picture_order,
                                    bool /*keyframe*/) {
  const int64_t frame = config_.frame_duration_90k > 0 ? config_.frame_duration_90k : 3600;
  const int64_t duration = duration_90k > 0 ? std::min<int64_t>(duration_90k, 3600 * 90000) : frame;
  const int64_t next_dts = last_dts_ ? *last_dts_ + last_duration_90k_ : 0;
  TimelinePoint point;
  point.duration_90k = duration;
  if (!pts && !dts) {
    ++synthesized_;
    point.dts_90k = next_dts;
    // The picture order restarts at 0 with each IDR: its pictures are shown
    // in that order from its decode time, behind the decoder's reordering.
    if (picture_order && *picture_order == 0) order_base_dts_ = next_dts;
    const int64_t rank = picture_order ? std::max<int64_t>(0, *picture_order) : 0;
    point.pts_90k = picture_order ? order_base_dts_ + (rank + config_.reorder_depth) * frame
                                  : next_dts + config_.reorder_depth * frame;
    // A picture order the stream does not keep cannot make a picture due
    // before it is decoded.
    point.pts_90k = std::max(point.pts_90k, point.dts_90k);
  } else {
    // A hostile file's times cannot overflow the arithmetic below: 2^50
    // ticks are four centuries.
    auto bounded = [](int64_t t) { return std::clamp(t, -kTimeLimit, kTimeLimit); };
    int64_t p = bounded(pts ? *pts : *dts) + offset_90k_;
    int64_t d = 0;
    if (dts) {
      d = bounded(*dts) + offset_90k_;
    } else if (last_dts_) {
      // A unit with only a presentation time (a Matroska block, whose
      // decode time libavformat derives only once it has seen enough
      // reordering): decoded one unit after the last. Its presentation time
      // says nothing of its decode order.
      d = next_dts;
    } else {
      // The first unit of the file is shown once the decoder holds its
      // reordering window: it was decoded that many frames earlier.
      d = p - config_.reorder_depth * frame;
    }
    if (dts && last_dts_) {
      // Decode times only move forward; a format that declares
      // discontinuities may also leap ahead. Either way the file goes on one
      // frame after the last access unit.
      const bool backward = d <= *last_dts_;
      const bool leap = config_.discontinuous_format && d - next_dts > kForwardJump90k;
      if (backward || leap) {
        const int64_t shift = next_dts - d;
        offset_90k_ += shift;
        d += shift;
        p += shift;
        ++discontinuities_;
      }
    }
    point.dts_90k = d;
    point.pts_90k = std::max(p, d);
  }
  last_dts_ = point.dts_90k;
  last_duration_90k_ = duration;
  return point;
}

void SourceTimeline::reset() {
  offset_90k_ = 0;
  last_dts_.reset();
  last_duration_90k_ = 0;
  order_base_dts_ = 0;
}

}  // namespace flowcast::media
