// The picture size an H.264 sequence parameter set declares (ITU-T H.264
// §7.3.2.1.1), read before the decoder sees it, so a stream can be refused
// before libavcodec allocates its pictures. Pure byte code: no FFmpeg.
// Safe on hostile input: reads at most kMaxSpsBytes of the NAL unit, never
// past its end, never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace flowcast::media {

// A luma picture size in pixels.
struct PictureSize {
  int64_t width = 0;
  int64_t height = 0;
  // width * height, saturating at INT64_MAX (a hostile SPS declares up to
  // 2^36 pixels a side).
  int64_t pixels() const;
  std::string to_string() const;  // "1920x1088"
};

// The largest picture the client decodes (--max-picture WxH). A picture is
// allowed when it has at most width * height pixels and its longer side is
// at most the longer of the two, so a portrait stream fits a landscape limit.
// The default covers 8K (8192x4320, 35.4 Mpixel).
struct PictureLimit {
  int64_t width = 8192;
  int64_t height = 4320;
  bool allows(const PictureSize& size) const;
  int64_t pixels() const { return width * height; }
};

// An SPS never needs more than this to reach its size fields (the longest
// way there is twelve 8x8 scaling lists).
inline constexpr size_t kMaxSpsBytes = 4096;

// The coded size (macroblocks times 16, before cropping: what the decoder
// allocates) declared by an SPS NAL unit given with its one-byte header and
// without a start code. nullopt when it is not an SPS or ends (or breaks)
// before the size fields.
std::optional<PictureSize> h264_sps_picture_size(std::span<const uint8_t> nal);

}  // namespace flowcast::media
