// The pattern's beep-and-flash sync test: the flash is every flash_every-th
// picture, its centre white and nothing else as bright there; the beep
// starts at each whole second, louder than the tone by 24 dB.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "media/source/test_pattern.hpp"
#include "media/source/test_pattern_sound.hpp"

using namespace flowcast::media;

namespace {

// The mean luma of the picture's centre (the middle half both ways).
double centre_mean(const Frame& frame) {
  const AVFrame* f = frame.get();
  double sum = 0;
  int count = 0;
  for (int y = f->height / 4; y < f->height * 3 / 4; ++y)
    for (int x = f->width / 4; x < f->width * 3 / 4; ++x) {
      sum += f->data[0][y * f->linesize[0] + x];
      ++count;
    }
  return sum / count;
}

}  // namespace

TEST_CASE("the pattern flashes its centre white every flash_every pictures, and only then",
          "[unit][media]") {
  const TestPattern flashing(320, 240, 30);
  const TestPattern plain(320, 240);
  for (int64_t n = 0; n < 95; ++n) {
    INFO("frame " << n);
    const bool flash = n % 30 == 0;
    CHECK(flashing.flash(n) == flash);
    CHECK_FALSE(plain.flash(n));
    const double mean = centre_mean(flashing.render(n));
    if (flash) {
      CHECK(mean == TestPattern::kFlashLuma);
    } else {
      CHECK(mean < 150);
    }
    CHECK(centre_mean(plain.render(n)) < 150);
  }
  // Outside the centre the flash is the pattern as ever.
  const Frame a = flashing.render(30), b = plain.render(30);
  CHECK(std::equal(a->data[0], a->data[0] + a->linesize[0] * 60, b->data[0]));
}

TEST_CASE("the pattern's sound beeps from each whole second for 100 ms over a quiet tone",
          "[unit][media][audio]") {
  const TestPatternSound sound(48000, 2);
  std::vector<int16_t> pcm(3 * 48000 * 2);
  sound.render(0, pcm);
  const auto peak = [&](int64_t from, int64_t to) {
    int peak = 0;
    for (int64_t n = from; n < to; ++n) {
      CHECK(pcm[n * 2] == pcm[n * 2 + 1]);
      peak = std::max(peak, std::abs(static_cast<int>(pcm[n * 2])));
    }
    return peak;
  };
  for (int k = 0; k < 3; ++k) {
    INFO("second " << k);
    const int64_t at = k * 48000;
    CHECK(sound.in_beep(at));
    CHECK_FALSE(sound.in_beep(at - 1));
    CHECK(sound.in_beep(at + 4799));
    CHECK_FALSE(sound.in_beep(at + 4800));
    // The tone: −30 dBFS (1036 of 32767); the beep adds −6 dBFS (16422).
    if (at > 0) CHECK(peak(at - 4800, at) <= 1040);
    CHECK(peak(at, at + 4800) > 16000);
    CHECK(peak(at + 4800, at + 48000 - 1) <= 1040);
  }
  // Rendered piecewise, the same sound.
  std::vector<int16_t> piece(960 * 2);
  sound.render(48000 - 480, piece);
  CHECK(std::equal(piece.begin(), piece.end(), pcm.begin() + (48000 - 480) * 2));
}
