#include "client/playout/jitter_estimator.hpp"

#include <algorithm>
#include <cmath>

namespace flowcast::client {

namespace {
// Frame sizes average with this weight on the past; the largest decays by
// kMaxDecay a frame, so one keyframe is remembered for about a minute.
constexpr double kSizeWeight = 0.97;
constexpr double kMaxDecay = 0.9999;
// A frame this many standard deviations above the mean size (a keyframe)
// does not move the mean.
constexpr double kSizeOutlierStdDevs = 3.0;
// The process noise of the fit: how fast slope and offset may drift.
constexpr double kSlopeDrift = 2.5e-10;
constexpr double kOffsetDrift = 1e-10;
// The slope never falls below this (ms per byte): a link of 8 Gbit/s.
constexpr double kMinSlope = 1e-6;
constexpr double kMinNoiseVar = 1.0;  // ms²
}  // namespace

void JitterEstimator::update(double delay_ms, double bytes, double previous_bytes) {
  update_sizes(bytes);
  const double delta_bytes = bytes - previous_bytes;
  const double residual = delay_ms - (theta_[0] * delta_bytes + theta_[1]);
  const double bound = kOutlierStdDevs * std::sqrt(var_noise_);
  const bool large_frame =
      var_bytes_ > 0 && bytes > avg_bytes_ + kSizeOutlierStdDevs * std::sqrt(var_bytes_);
  if (std::abs(residual) < bound || large_frame) {
    update_noise(residual);
    update_fit(delay_ms, delta_bytes);
  } else {
    update_noise(residual > 0 ? bound : -bound);
  }
  ++updates_;
}

void JitterEstimator::update_sizes(double bytes) {
  if (updates_ == 0) avg_bytes_ = bytes;
  const double sd = std::sqrt(var_bytes_);
  if (updates_ == 0 || var_bytes_ == 0 || bytes < avg_bytes_ + kSizeOutlierStdDevs * sd) {
    const double avg = kSizeWeight * avg_bytes_ + (1 - kSizeWeight) * bytes;
    avg_bytes_ = updates_ == 0 ? bytes : avg;
  }
  const double dev = bytes - avg_bytes_;
  var_bytes_ = std::max(kSizeWeight * var_bytes_ + (1 - kSizeWeight) * dev * dev, 1.0);
  max_bytes_ = std::max(kMaxDecay * max_bytes_, bytes);
}

void JitterEstimator::update_noise(double residual) {
  // The first frames weigh more, so the estimate settles within a few.
  noise_count_ = std::min(noise_count_ + 1, kNoiseWindow);
  const double keep = (noise_count_ - 1) / noise_count_;
  avg_noise_ = keep * avg_noise_ + (1 - keep) * residual;
  const double dev = residual - avg_noise_;
  var_noise_ = std::max(keep * var_noise_ + (1 - keep) * dev * dev, kMinNoiseVar);
}

void JitterEstimator::update_fit(double delay_ms, double delta_bytes) {
  // Predict: the state may have drifted.
  cov_[0][0] += kSlopeDrift;
  cov_[1][1] += kOffsetDrift;
  // The measurement d = h·theta + noise with h = {Δsize, 1}. Frames of
  // about the same size say little about the slope: their measurement
  // noise is weighted up (as libwebrtc does), so the slope learns from the
  // size differences.
  const double h0 = delta_bytes;
  const double ph0 = cov_[0][0] * h0 + cov_[0][1];
  const double ph1 = cov_[1][0] * h0 + cov_[1][1];
  const double size_weight =
      max_bytes_ > 0 ? 300.0 * std::exp(-std::abs(delta_bytes) / max_bytes_) + 1.0 : 1.0;
  const double s = h0 * ph0 + ph1 + size_weight * var_noise_;
  if (s <= 0) return;
  const double k0 = ph0 / s;
  const double k1 = ph1 / s;
  const double residual = delay_ms - (theta_[0] * h0 + theta_[1]);
  theta_[0] += k0 * residual;
  theta_[1] += k1 * residual;
  // cov = (I − k·h) · cov
  const double c00 = cov_[0][0] - k0 * (h0 * cov_[0][0] + cov_[1][0]);
  const double c01 = cov_[0][1] - k0 * (h0 * cov_[0][1] + cov_[1][1]);
  const double c10 = cov_[1][0] - k1 * (h0 * cov_[0][0] + cov_[1][0]);
  const double c11 = cov_[1][1] - k1 * (h0 * cov_[0][1] + cov_[1][1]);
  cov_[0][0] = c00;
  cov_[0][1] = c01;
  cov_[1][0] = c10;
  cov_[1][1] = c11;
  theta_[0] = std::max(theta_[0], kMinSlope);
}

double JitterEstimator::noise_std_ms() const {
  return std::sqrt(var_noise_);
}

double JitterEstimator::estimate_ms() const {
  const double size_term = theta_[0] * std::max(0.0, max_bytes_ - avg_bytes_);
  return size_term + kNoiseStdDevs * noise_std_ms() + kOsJitterMs;
}

}  // namespace flowcast::client
