#include "media/quality/psnr.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace flowcast::media {

namespace {
void require_8bit_luma(const AVFrame& f) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f.format));
  if (!d || (d->flags & AV_PIX_FMT_FLAG_RGB) || d->comp[0].depth != 8 || d->comp[0].step != 1)
    throw std::invalid_argument(std::string("PSNR needs 8-bit planar YUV or grey, not ") +
                                (d ? d->name : "an unknown pixel format"));
}
}  // namespace

double luma_mse(const AVFrame& a, const AVFrame& b) {
  if (a.width != b.width || a.height != b.height)
    throw std::invalid_argument("the pictures differ in size: " + std::to_string(a.width) + "x" +
                                std::to_string(a.height) + " and " + std::to_string(b.width) + "x" +
                                std::to_string(b.height));
  require_8bit_luma(a);
  require_8bit_luma(b);
  if (a.width <= 0 || a.height <= 0) throw std::invalid_argument("empty picture");
  uint64_t sum = 0;
  for (int y = 0; y < a.height; ++y) {
    const uint8_t* pa = a.data[0] + static_cast<ptrdiff_t>(y) * a.linesize[0];
    const uint8_t* pb = b.data[0] + static_cast<ptrdiff_t>(y) * b.linesize[0];
    uint32_t row = 0;  // 255² × 8192 columns fits
    for (int x = 0; x < a.width; ++x) {
      const int d = pa[x] - pb[x];
      row += static_cast<uint32_t>(d * d);
    }
    sum += row;
  }
  return static_cast<double>(sum) / (static_cast<double>(a.width) * a.height);
}

double psnr_from_mse(double mse) {
  if (mse <= 0) return kPsnrCap;
  return std::min(kPsnrCap, 10.0 * std::log10(255.0 * 255.0 / mse));
}

int mos_from_psnr(double psnr) {
  if (psnr > 37) return 5;
  if (psnr > 31) return 4;
  if (psnr > 25) return 3;
  if (psnr > 20) return 2;
  return 1;
}

void QualityAccumulator::add(double mse) {
  const double psnr = psnr_from_mse(mse);
  const int mos = mos_from_psnr(psnr);
  ++frames_;
  mse_sum_ += mse;
  psnr_min_ = std::min(psnr_min_, psnr);
  mos_sum_ += static_cast<uint64_t>(mos);
  ++histogram_[static_cast<size_t>(mos - 1)];
}

double QualityAccumulator::psnr_mean() const {
  return frames_ ? psnr_from_mse(mse_sum_ / static_cast<double>(frames_)) : kPsnrCap;
}

double QualityAccumulator::mos_mean() const {
  return frames_ ? static_cast<double>(mos_sum_) / static_cast<double>(frames_) : 0.0;
}

}  // namespace flowcast::media
