#pragma once
// Frame hashing in the format of `ffmpeg -i FILE -an -f framemd5 -`: the MD5 of
// the picture packed as rawvideo (planes back to back, no row padding).
#include <cstdint>
#include <string>
#include <vector>

#include "media/ffmpeg/av_types.hpp"

namespace flowcast::media {

// Lowercase hex MD5 of the packed picture, and its packed size in bytes.
struct FrameDigest {
  std::string md5;
  int size = 0;
};
FrameDigest frame_md5(const Frame& frame);

// One decoded picture's line of a framemd5 file.
struct FrameMd5Line {
  int64_t pts_90k = 0;
  FrameDigest digest;
  int width = 0;
  int height = 0;
  int sar_num = 1;
  int sar_den = 1;
};
// Describes a decoded picture for its framemd5 line (hashes it).
FrameMd5Line framemd5_line(const Frame& frame, int64_t pts_90k);

// The whole framemd5 file for these pictures, in the order given. The time
// base is one frame (the smallest pts step, or the mean step when every
// step is within 1 ms of it, as in a millisecond time base), and pts count frames from the
// first, as ffmpeg writes constant-rate video: so the file diffs cleanly
// against `ffmpeg -i FILE -an -f framemd5 -`. Empty input gives "".
std::string framemd5_text(const std::vector<FrameMd5Line>& lines);

}  // namespace flowcast::media
