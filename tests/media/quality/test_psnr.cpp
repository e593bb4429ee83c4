#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>

#include "media/ffmpeg/av_types.hpp"
#include "media/quality/psnr.hpp"

using namespace flowcast::media;

namespace {

// A yuv420p picture whose luma is `value` everywhere (chroma grey).
Frame flat_picture(int width, int height, int value) {
  Frame f = Frame::allocate(width, height, AV_PIX_FMT_YUV420P);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      f->data[0][y * f->linesize[0] + x] = static_cast<uint8_t>(value);
  for (int p = 1; p < 3; ++p)
    for (int y = 0; y < height / 2; ++y)
      for (int x = 0; x < width / 2; ++x) f->data[p][y * f->linesize[p] + x] = 128;
  return f;
}

}  // namespace

TEST_CASE("identical pictures give the PSNR cap", "[psnr]") {
  Frame a = flat_picture(64, 48, 77);
  Frame b = flat_picture(64, 48, 77);
  CHECK(luma_mse(*a.get(), *b.get()) == 0.0);
  CHECK(psnr_from_mse(0.0) == kPsnrCap);
  CHECK(mos_from_psnr(kPsnrCap) == 5);
}

TEST_CASE("a constant luma offset of 1 gives 48.13 dB", "[psnr]") {
  Frame a = flat_picture(64, 48, 100);
  Frame b = flat_picture(64, 48, 101);
  const double mse = luma_mse(*a.get(), *b.get());
  CHECK(mse == 1.0);
  CHECK(psnr_from_mse(mse) == Approx(48.1308).margin(0.0001));
}

TEST_CASE("known MSE from a pattern of differences, chroma ignored", "[psnr]") {
  Frame a = flat_picture(16, 16, 50);
  Frame b = flat_picture(16, 16, 50);
  // Half the pixels differ by 4: MSE = 8.
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 8; ++x) b->data[0][y * b->linesize[0] + x] = 54;
  b->data[1][0] = 0;  // chroma is not part of luma PSNR
  CHECK(luma_mse(*a.get(), *b.get()) == 8.0);
  CHECK(psnr_from_mse(8.0) == Approx(10 * std::log10(255.0 * 255.0 / 8.0)));
}

TEST_CASE("pictures of different sizes are refused", "[psnr]") {
  Frame a = flat_picture(64, 48, 1);
  Frame b = flat_picture(32, 48, 1);
  CHECK_THROWS_AS(luma_mse(*a.get(), *b.get()), std::invalid_argument);
}

TEST_CASE("MOS follows EvalVid's thresholds", "[psnr]") {
  CHECK(mos_from_psnr(37.01) == 5);
  CHECK(mos_from_psnr(37.0) == 4);
  CHECK(mos_from_psnr(31.5) == 4);
  CHECK(mos_from_psnr(31.0) == 3);
  CHECK(mos_from_psnr(25.5) == 3);
  CHECK(mos_from_psnr(20.5) == 2);
  CHECK(mos_from_psnr(20.0) == 1);
  CHECK(mos_from_psnr(3.0) == 1);
}

TEST_CASE("the mean PSNR averages MSE, the MOS mean averages scores", "[psnr]") {
  QualityAccumulator q;
  CHECK(q.frames() == 0);
  q.add(0.0);    // 100 dB, MOS 5
  q.add(100.0);  // 28.13 dB, MOS 3
  CHECK(q.frames() == 2);
  // Mean MSE 50 -> 31.14 dB, not the mean of 100 and 28.13 dB.
  CHECK(q.psnr_mean() == Approx(10 * std::log10(255.0 * 255.0 / 50.0)));
  CHECK(q.psnr_min() == Approx(psnr_from_mse(100.0)));
  CHECK(q.mos_mean() == Approx(4.0));
  CHECK(q.mos_histogram()[4] == 1);
  CHECK(q.mos_histogram()[2] == 1);
  CHECK(q.mos_histogram()[0] == 0);
}
