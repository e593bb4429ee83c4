#include "server/source/encoder_meter.hpp"

#include <algorithm>
#include <cstdio>

namespace flowcast::server {

namespace {
double ms(EncoderMeter::Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}
}  // namespace

std::string fell_behind_summary(const EncoderMetrics& e) {
  char text[300];
  std::snprintf(
      text, sizeof text,
      "the encoder fell behind: %llu pictures encoded, %.1f a second of %.0f "
      "(%.0f%%), %llu skipped; %.0f ms a picture, at most %.0f ms",
      static_cast<unsigned long long>(e.pictures_encoded), e.pictures_per_second_mean, e.target_fps,
      e.target_fps > 0 ? 100 * e.pictures_per_second_mean / e.target_fps : 0.0,
      static_cast<unsigned long long>(e.pictures_skipped), e.picture_ms_mean, e.picture_ms_peak);
  return text;
}

EncoderMeter::EncoderMeter(std::string codec, std::string preset, double target_fps) {
  metrics_.codec = std::move(codec);
  metrics_.preset = std::move(preset);
  metrics_.target_fps = target_fps;
}

void EncoderMeter::roll(Clock::time_point now) {
  if (!first_) {
    first_ = now;
    second_start_ = now;
  }
  // Every whole second that ended before `now` is closed; a second with no
  // picture at all (the encoder stuck on one) counts as 0.
  while (now - second_start_ >= std::chrono::seconds(1)) {
    last_fps_ = static_cast<double>(second_pictures_);
    last_picture_ms_ = second_pictures_ ? second_picture_ms_ / second_pictures_ : 0;
    second_start_ += std::chrono::seconds(1);
    second_pictures_ = 0;
    second_picture_ms_ = 0;
    // The first second warms the encoder up (its first pictures are slow).
    if (!warmed_up_) {
      warmed_up_ = true;
      continue;
    }
    metrics_.pictures_per_second_min =
        whole_second_ ? std::min(metrics_.pictures_per_second_min, last_fps_) : last_fps_;
    whole_second_ = true;
    for (int i = kBehindSeconds - 1; i > 0; --i) recent_[i] = recent_[i - 1];
    recent_[0] = static_cast<uint64_t>(last_fps_);
    recent_seconds_ = std::min(recent_seconds_ + 1, kBehindSeconds);
    if (recent_seconds_ == kBehindSeconds && metrics_.target_fps > 0) {
      uint64_t pictures = 0;
      for (const uint64_t n : recent_) pictures += n;
      const double fps = static_cast<double>(pictures) / kBehindSeconds;
      if (fps < kBehindShare * metrics_.target_fps) {
        metrics_.fell_behind = true;
        if (!first_behind_fps_) first_behind_fps_ = fps;
      }
    }
  }
}

void EncoderMeter::encoded(Clock::time_point due, Clock::time_point began,
                           Clock::time_point ended) {
  roll(ended);
  const double took = std::max(0.0, ms(ended - began));
  ++metrics_.pictures_encoded;
  ++second_pictures_;
  second_picture_ms_ += took;
  picture_ms_total_ += took;
  metrics_.picture_ms_peak = std::max(metrics_.picture_ms_peak, took);
  metrics_.behind_ms_peak = std::max(metrics_.behind_ms_peak, ms(began - due));
}

void EncoderMeter::skipped(Clock::time_point due, Clock::time_point now) {
  roll(now);
  ++metrics_.pictures_skipped;
  metrics_.behind_ms_peak = std::max(metrics_.behind_ms_peak, ms(now - due));
}

EncoderMetrics EncoderMeter::metrics(Clock::time_point now) const {
  EncoderMetrics m = metrics_;
  if (metrics_.pictures_encoded > 0)
    m.picture_ms_mean = picture_ms_total_ / metrics_.pictures_encoded;
  if (first_) {
    const double seconds = std::chrono::duration<double>(now - *first_).count();
    if (seconds > 0)
      m.pictures_per_second_mean = static_cast<double>(metrics_.pictures_encoded) / seconds;
  }
  // Before a whole second past the first, the slowest is the run so far.
  if (!whole_second_) m.pictures_per_second_min = m.pictures_per_second_mean;
  return m;
}

}  // namespace flowcast::server
