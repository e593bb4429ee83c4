// The beep-and-flash detectors on real sound and pictures: the pattern's own
// (TestPatternSound, TestPattern), synthetic ones, and the pairing.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "client/audio/beep_flash.hpp"
#include "media/ffmpeg/av_types.hpp"
#include "media/source/test_pattern.hpp"
#include "media/source/test_pattern_sound.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;

namespace {

// Feeds `seconds` of the pattern's sound in blocks of `block` sample frames.
std::vector<uint64_t> detect(BeepDetector& detector, uint32_t rate, int64_t from, int64_t to,
                             size_t block) {
  const flowcast::media::TestPatternSound sound(rate, 2);
  std::vector<uint64_t> onsets;
  std::vector<int16_t> pcm(block * 2);
  for (int64_t n = from; n < to; n += static_cast<int64_t>(block)) {
    sound.render(n, pcm);
    for (uint64_t o : detector.push(pcm, static_cast<uint64_t>(n))) onsets.push_back(o);
  }
  return onsets;
}

flowcast::media::Frame grey(int width, int height, uint8_t luma) {
  auto frame = flowcast::media::Frame::allocate(width, height, AV_PIX_FMT_YUV420P);
  for (int y = 0; y < height; ++y)
    std::fill(frame->data[0] + y * frame->linesize[0],
              frame->data[0] + y * frame->linesize[0] + width, luma);
  return frame;
}

}  // namespace

TEST_CASE("the beep detector finds each beep's first sample within a millisecond",
          "[unit][client][audio]") {
  const uint32_t rate = GENERATE(48000u, 44100u);
  const size_t block = GENERATE(size_t{960}, size_t{1024}, size_t{77});
  INFO(rate << " Hz, blocks of " << block);
  BeepDetector detector(rate, 2);
  // From just before the first whole second, to 4.5 s.
  const auto onsets = detect(detector, rate, rate / 2, rate * 9 / 2, block);
  REQUIRE(onsets.size() == 4);
  for (size_t k = 0; k < onsets.size(); ++k) {
    INFO("beep " << k + 1);
    const auto expected = static_cast<double>((k + 1) * rate);
    CHECK(std::abs(static_cast<double>(onsets[k]) - expected) <= rate / 1000.0);
  }
}

TEST_CASE("the beep detector ignores the tone alone, loud noise, and a beep going on at a gap",
          "[unit][client][audio]") {
  BeepDetector detector(48000, 2);
  // The tone between two beeps.
  CHECK(detect(detector, 48000, 48000 + 6000, 2 * 48000 - 100, 960).empty());
  // White noise at −6 dBFS: loud at 1 kHz too, but no tone.
  std::mt19937 random(7);
  std::uniform_int_distribution<int> value(-16000, 16000);
  std::vector<int16_t> noise(960 * 2);
  BeepDetector noisy(48000, 2);
  size_t found = 0;
  for (uint64_t n = 0; n < 96000; n += 960) {
    for (auto& v : noise) v = static_cast<int16_t>(value(random));
    found += noisy.push(noise, n).size();
  }
  CHECK(found == 0);
  // A jump into the middle of a beep (a gap in the sample indices) is not
  // a beep's start.
  BeepDetector jumped(48000, 2);
  CHECK(detect(jumped, 48000, 48000 - 4800, 48000 - 960, 960).empty());
  CHECK(detect(jumped, 48000, 48000 + 960, 48000 + 9600, 960).empty());
  // A beep of 1 kHz and nothing else, after silence, is found.
  BeepDetector pure(48000, 1);
  std::vector<int16_t> pcm(48000, 0);
  for (size_t n = 24000; n < 28800; ++n)
    pcm[n] = static_cast<int16_t>(
        std::lround(8000 * std::sin(2 * std::numbers::pi * 1000 * (n - 24000) / 48000.0)));
  const auto onsets = pure.push(pcm, 1000);
  REQUIRE(onsets.size() == 1);
  CHECK(std::abs(static_cast<double>(onsets[0]) - 25000) <= 48);
}

TEST_CASE("the flash detector finds the pattern's flashes and nothing else", "[unit][client]") {
  const flowcast::media::TestPattern pattern(320, 240, 30);
  FlashDetector detector;
  std::vector<int64_t> flashes;
  for (int64_t n = 0; n < 100; ++n)
    if (detector.on_picture(*pattern.render(n).get())) flashes.push_back(n);
  // Frame 0 comes first: no dark picture before it.
  CHECK(flashes == std::vector<int64_t>{30, 60, 90});
}

TEST_CASE("the flash detector wants a dark picture between two flashes, and 8-bit luma",
          "[unit][client]") {
  FlashDetector detector;
  CHECK_FALSE(detector.on_picture(*grey(64, 48, 16).get()));
  CHECK(detector.on_picture(*grey(64, 48, 235).get()));
  CHECK_FALSE(detector.on_picture(*grey(64, 48, 235).get()));  // still white
  CHECK_FALSE(detector.on_picture(*grey(64, 48, 160).get()));  // not dark enough to re-arm
  CHECK_FALSE(detector.on_picture(*grey(64, 48, 235).get()));
  CHECK_FALSE(detector.on_picture(*grey(64, 48, 100).get()));
  CHECK(detector.on_picture(*grey(64, 48, 200).get()));  // lossy white is white
  CHECK(FlashDetector::centre_luma(grey(64, 48, 77)->data[0], grey(64, 48, 77)->linesize[0], 64,
                                   48) == 77);
  // Another format's first plane is not luma: not looked at.
  auto rgb = flowcast::media::Frame::allocate(64, 48, AV_PIX_FMT_RGB24);
  FlashDetector other;
  CHECK_FALSE(other.on_picture(*grey(64, 48, 16).get()));
  std::fill(rgb->data[0], rgb->data[0] + rgb->linesize[0] * 48, 255);
  CHECK_FALSE(other.on_picture(*rgb.get()));
}

TEST_CASE("each flash pairs with the nearest beep within 500 ms; the offset is flash − beep",
          "[unit][client]") {
  const SteadyTime t0{};
  BeepFlashMeter meter;
  // Flashes at 1, 2, 3 and 4 s; beeps 10 ms before the first (audio
  // early), 30 ms after the second (audio late), 2 ms after the third, and
  // none near the fourth.
  for (int k = 1; k <= 4; ++k) meter.flash(t0 + k * 1s);
  const std::vector<SteadyTime> beeps = {t0 + 3s + 2ms, t0 + 990ms, t0 + 2030ms, t0 + 4600ms};
  AvSyncFigures f;
  meter.fill(beeps, f);
  CHECK(f.beeps == 4);
  CHECK(f.flashes == 4);
  CHECK(f.beep_flash_pairs == 3);
  CHECK(f.beep_flash_offset_ms.mean == Approx((10 + 30 + 2) / 3.0));
  CHECK(f.beep_flash_offset_ms.mean_signed == Approx((10 - 30 - 2) / 3.0));
  CHECK(f.beep_flash_offset_ms.p50 == Approx(10));
  CHECK(f.beep_flash_offset_ms.p95 == Approx(30));
  CHECK(f.beep_flash_offset_ms.max == Approx(30));
  // Nothing to pair: zeros.
  AvSyncFigures none;
  BeepFlashMeter().fill(beeps, none);
  CHECK(none.beep_flash_pairs == 0);
  CHECK(none.beep_flash_offset_ms.p95 == 0);
  // A picture shown through on_picture counts when it is a flash.
  BeepFlashMeter shown;
  shown.on_picture(*grey(64, 48, 16).get(), t0 + 900ms);
  shown.on_picture(*grey(64, 48, 235).get(), t0 + 1s);
  AvSyncFigures one;
  shown.fill(beeps, one);
  CHECK(one.flashes == 1);
  CHECK(one.beep_flash_pairs == 1);
  CHECK(one.beep_flash_offset_ms.mean_signed == Approx(10));
}
