#pragma once
// Picture quality against a reference: PSNR of the luma plane and its
// mapping to a mean opinion score as EvalVid maps it.
#include <array>
#include <cstdint>

extern "C" {
#include <libavutil/frame.h>
}

namespace flowcast::media {

// Identical pictures have an infinite PSNR; it is reported as this.
constexpr double kPsnrCap = 100.0;

// Mean squared error between the luma planes (plane 0) of two 8-bit pictures
// of the same size. Throws std::invalid_argument when the sizes differ or a
// picture is not 8-bit YUV or grey.
double luma_mse(const AVFrame& a, const AVFrame& b);

// 10·log10(255² / mse), capped at kPsnrCap (so mse 0 gives the cap).
double psnr_from_mse(double mse);

// EvalVid: >37 dB -> 5, >31 -> 4, >25 -> 3, >20 -> 2, else 1.
int mos_from_psnr(double psnr);

// The run's figures. The mean PSNR averages MSE, not decibels: it is the
// PSNR of the mean squared error, so one identical frame (infinite PSNR)
// cannot hide a broken one.
class QualityAccumulator {
 public:
  void add(double mse);
  uint64_t frames() const { return frames_; }
  double psnr_mean() const;  // kPsnrCap when no frame was added
  double psnr_min() const { return psnr_min_; }
  double mos_mean() const;
  // Frames per MOS score; index 0 is MOS 1.
  const std::array<uint64_t, 5>& mos_histogram() const { return histogram_; }

 private:
  uint64_t frames_ = 0;
  double mse_sum_ = 0;
  double psnr_min_ = kPsnrCap;
  uint64_t mos_sum_ = 0;
  std::array<uint64_t, 5> histogram_{};
};

}  // namespace flowcast::media
