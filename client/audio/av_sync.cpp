#include "client/audio/av_sync.hpp"

#include <algorithm>
#include <cmath>

#include "common/util/percentile.hpp"

namespace flowcast::client {

std::optional<std::chrono::microseconds> AvSync::on_shown(int64_t video_pts, SteadyTime shown,
                                                          const std::optional<SyncPoint>& video,
                                                          const std::optional<SyncPoint>& audio,
                                                          std::optional<int64_t> audio_ts,
                                                          int64_t frame_interval_90k) {
  if (last_shown_) {
    const auto span = shown - *last_shown_;
    // Only between two measured pictures.
    if (!offsets_ms_.empty()) {
      measured_time_ += span;
      if (last_outside_) outside_time_ += span;
    }
  }
  last_shown_ = shown;
  // A mapping that moved waits for the other stream's next report.
  const bool agreed =
      video && audio && audio->received >= video->moved && video->received >= audio->moved;
  if (!audio_ts || !agreed) {
    last_outside_ = false;
    return std::nullopt;
  }
  const double offset_ms =
      static_cast<double>(ntp_us_of(*audio, *audio_ts) - ntp_us_of(*video, video_pts)) / 1000.0;
  ++measured_;
  last_offset_ms_ = offset_ms;
  interval_sum_ms_ += offset_ms;
  ++interval_count_;
  if (offsets_ms_.size() < kMaxPictures) offsets_ms_.push_back(offset_ms);
  last_outside_ = offset_ms > kAudioEarlyLimitMs || offset_ms < kAudioLateLimitMs;
  if (hold_until_ && shown < *hold_until_) return std::nullopt;
  window_.push_back(offset_ms);
  if (window_.size() < (corrections_ == 0 ? kFirstWindow : kWindow)) return std::nullopt;
  std::vector<double> sorted = window_;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  if (window_.size() >= kWindow) window_.erase(window_.begin());
  if (std::abs(median) <= static_cast<double>(kCorrectAbove.count())) return std::nullopt;
  window_.clear();
  hold_until_ = shown + kHoldOff;
  ++corrections_;
  const double frame_ms = static_cast<double>(std::max<int64_t>(frame_interval_90k, 1)) / 90.0;
  const auto frames = static_cast<uint64_t>(std::abs(median) / frame_ms);
  // Audio early: the pictures must come sooner (due times earlier).
  if (video_follows_) (median > 0 ? dropped_ : repeated_) += frames;
  return std::chrono::microseconds(static_cast<int64_t>(-median * 1000.0));
}

std::optional<double> AvSync::take_interval_offset_ms() {
  if (interval_count_ == 0) return std::nullopt;
  const double mean = interval_sum_ms_ / static_cast<double>(interval_count_);
  interval_sum_ms_ = 0;
  interval_count_ = 0;
  return mean;
}

AvSyncFigures AvSync::figures() const {
  AvSyncFigures f;
  f.pictures = measured_;
  if (offsets_ms_.empty()) return f;
  std::vector<double> magnitude;
  magnitude.reserve(offsets_ms_.size());
  double sum = 0;
  double signed_sum = 0;
  for (double o : offsets_ms_) {
    magnitude.push_back(std::abs(o));
    sum += std::abs(o);
    signed_sum += o;
  }
  std::sort(magnitude.begin(), magnitude.end());
  const auto n = static_cast<double>(magnitude.size());
  f.mean_ms = sum / n;
  f.mean_signed_ms = signed_sum / n;
  f.p50_ms = common::nearest_rank(magnitude, 0.50);
  f.p95_ms = common::nearest_rank(magnitude, 0.95);
  f.max_ms = magnitude.back();
  f.outside_window_share =
      measured_time_.count() > 0
          ? static_cast<double>(outside_time_.count()) / static_cast<double>(measured_time_.count())
          : 0;
  f.corrections = corrections_;
  f.pictures_dropped_for_sync = dropped_;
  f.pictures_repeated_for_sync = repeated_;
  return f;
}

}  // namespace flowcast::client
