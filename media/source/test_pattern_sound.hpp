#pragma once
// The built-in live source's sound, a beep-and-flash sync test: a quiet
// tone (kToneHz at kToneDbfs) all along, and a short beep (kBeepHz at
// kBeepDbfs, kBeepMs long) starting exactly at every whole second of media
// time, the instant the pattern shows its white flash
// (TestPattern::kFlashLuma). A receiver that finds the beep's first sample
// and the flash picture measures the A/V offset as presented.
//
// Deterministic: sample n is the same value every time. Pure; any thread.
#include <cstddef>
#include <cstdint>
#include <span>

namespace flowcast::media {

class TestPatternSound {
 public:
  static constexpr double kToneHz = 440;
  static constexpr double kToneDbfs = -30;
  static constexpr double kBeepHz = 1000;
  static constexpr double kBeepDbfs = -6;
  static constexpr int kBeepMs = 100;

  // Interleaved signed 16-bit sound at `rate` Hz, the same on every channel.
  TestPatternSound(uint32_t rate, uint32_t channels);

  // Writes out.size() / channels sample frames, the first being sample
  // `first_sample` of the stream (sample 0 is media time 0).
  void render(int64_t first_sample, std::span<int16_t> out) const;
  // Whether sample `n` is within a beep.
  bool in_beep(int64_t n) const;

 private:
  uint32_t rate_;
  uint32_t channels_;
};

}  // namespace flowcast::media
