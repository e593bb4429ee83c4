#pragma once
// The built-in live source's pictures: moving, detailed, with a large frame
// counter, so that a lost packet leaves a visible mark. Deterministic: frame n
// is the same picture every time, so a receiver could regenerate it.
//
// A flash, when asked for: every flash_every-th picture (frame 0, then one
// a second when flash_every is the frame rate) has its centre (the middle
// half in both directions, a quarter of the picture) white (luma
// kFlashLuma, neutral chroma), the picture of the beep-and-flash sync test
// (TestPatternSound beeps at the same media instants). The rest of the
// pattern never makes that region that bright.
#include <cstdint>

#include "media/ffmpeg/av_types.hpp"

namespace flowcast::media {

class TestPattern {
 public:
  static constexpr uint8_t kFlashLuma = 235;  // video white (BT.601/709 limited range)

  // flash_every: the pictures between two flashes; 0 for none.
  TestPattern(int width, int height, int flash_every = 0);
  // A new yuv420p picture for frame `index`, its pts set to index.
  Frame render(int64_t index) const;
  // Whether frame `index` is a flash.
  bool flash(int64_t index) const { return flash_every_ > 0 && index % flash_every_ == 0; }

 private:
  int width_;
  int height_;
  int flash_every_;
};

}  // namespace flowcast::media
