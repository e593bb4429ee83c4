#pragma once
// The built-in live source's pictures: moving, detailed, with a large frame
// counter, so that a lost packet leaves a visible mark. Deterministic: frame n
// is the same picture every time, so a receiver could regenerate it.
#include <cstdint>

#include "media/ffmpeg/av_types.hpp"

namespace flowcast::media {

class TestPattern {
 public:
  TestPattern(int width, int height);
  // A new yuv420p picture for frame `index`, its pts set to index.
  Frame render(int64_t index) const;

 private:
  int width_;
  int height_;
};

}  // namespace flowcast::media
