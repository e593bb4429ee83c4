#pragma once
// How much the arrival of whole frames varies, as libwebrtc's video receiver
// estimates it (modules/video_coding/timing/jitter_estimator.cc; the method
// is the Kalman filter of Holmer et al., "Jitter estimation for real-time
// video", as described there, in flowcast's own code):
//
//  - Each frame's delay variation is d = (its arrival − the previous frame's
//    arrival) − (its timestamp − the previous frame's timestamp), in ms: 0
//    when frames arrive exactly as they were sampled.
//  - A Kalman filter fits d = slope · Δsize + offset, where Δsize is the
//    frame's size minus the previous frame's (bytes): a large frame takes
//    longer to cross a narrow link, and the slope (ms per byte) is the
//    inverse of the bottleneck's rate. A bandwidth drop raises the slope,
//    and frames late by their size are the slope's, not noise.
//  - What the fit leaves (the residual) is noise; its variance is an
//    exponential average over the last kNoiseWindow frames. A residual past
//    kOutlierStdDevs standard deviations (a single delay spike) counts
//    clamped to that bound and does not move the fit.
//  - estimate() = slope · (the largest frame − the mean frame), the delay a
//    large frame adds, plus kNoiseStdDevs (2.33, one-sided 99 %) standard
//    deviations of the noise, plus kOsJitter for the operating system's own
//    scheduling. libwebrtc subtracts a further 30 ms from the noise term;
//    flowcast does not, so the estimate errs towards covering every frame.
//
// Units: ms and bytes. Pure: no clock (the caller hands in the delay
// variation), no threads, not thread-safe.
#include <cstdint>

namespace flowcast::client {

class JitterEstimator {
 public:
  static constexpr double kNoiseStdDevs = 2.33;
  static constexpr double kOsJitterMs = 10.0;
  // Residuals past this many standard deviations are outliers.
  static constexpr double kOutlierStdDevs = 15.0;
  // The noise variance averages over about this many frames (13 s at 30 fps).
  static constexpr double kNoiseWindow = 400.0;

  // One whole frame: `delay_ms` its delay variation against the frame before
  // it (see above), `bytes` its size, `previous_bytes` that frame's.
  void update(double delay_ms, double bytes, double previous_bytes);

  // The jitter to cover, in ms (see above); kOsJitterMs plus the initial
  // noise term before the first update.
  double estimate_ms() const;
  double noise_std_ms() const;
  double slope_ms_per_byte() const { return theta_[0]; }
  uint64_t updates() const { return updates_; }

 private:
  void update_sizes(double bytes);
  void update_noise(double residual);
  void update_fit(double delay_ms, double delta_bytes);

  // The fit: {slope in ms per byte, offset in ms}; at first a 512 kbit/s link.
  double theta_[2] = {1.0 / (512e3 / 8.0), 0.0};
  double cov_[2][2] = {{1e-4, 0.0}, {0.0, 1e2}};
  double avg_noise_ = 0.0;
  double var_noise_ = 4.0;  // ms²
  double noise_count_ = 1.0;
  double avg_bytes_ = 0.0;
  double var_bytes_ = 0.0;
  double max_bytes_ = 0.0;
  uint64_t updates_ = 0;
};

}  // namespace flowcast::client
