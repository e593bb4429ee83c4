#include "media/source/test_pattern_sound.hpp"

#include <cmath>
#include <numbers>

namespace flowcast::media {
namespace {

double amplitude(double dbfs) {
  return std::pow(10.0, dbfs / 20.0);
}

}  // namespace

TestPatternSound::TestPatternSound(uint32_t rate, uint32_t channels)
    : rate_(rate), channels_(channels) {}

bool TestPatternSound::in_beep(int64_t n) const {
  if (n < 0) return false;
  const int64_t into = n % rate_;
  return into < static_cast<int64_t>(rate_) * kBeepMs / 1000;
}

void TestPatternSound::render(int64_t first_sample, std::span<int16_t> out) const {
  const double two_pi = 2 * std::numbers::pi;
  const double tone = amplitude(kToneDbfs), beep = amplitude(kBeepDbfs);
  const size_t frames = channels_ ? out.size() / channels_ : 0;
  for (size_t i = 0; i < frames; ++i) {
    const int64_t n = first_sample + static_cast<int64_t>(i);
    // The phase from a whole second, so each second's sound is the same
    // (exact, with no drift over hours) and the beep starts at phase 0.
    const int64_t into = ((n % rate_) + rate_) % rate_;
    const double t = static_cast<double>(into) / rate_;
    double v = tone * std::sin(two_pi * kToneHz * t);
    if (in_beep(n)) v += beep * std::sin(two_pi * kBeepHz * t);
    const auto value = static_cast<int16_t>(std::lround(v * 32767.0));
    for (uint32_t c = 0; c < channels_; ++c) out[i * channels_ + c] = value;
  }
}

}  // namespace flowcast::media
