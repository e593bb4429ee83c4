#include "media/quality/frame_md5.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "media/ffmpeg/av_error.hpp"

extern "C" {
#include <libavformat/version.h>
#include <libavutil/imgutils.h>
#include <libavutil/md5.h>
}

namespace flowcast::media {

FrameDigest frame_md5(const Frame& frame) {
  const auto format = static_cast<AVPixelFormat>(frame->format);
  int size = check_av(av_image_get_buffer_size(format, frame->width, frame->height, 1),
                      "sizing a frame for its checksum");
  std::vector<uint8_t> packed(static_cast<size_t>(size));
  check_av(av_image_copy_to_buffer(packed.data(), size, frame->data, frame->linesize, format,
                                   frame->width, frame->height, 1),
           "packing a frame for its checksum");
  uint8_t digest[16];
  av_md5_sum(digest, packed.data(), size);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : digest) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return {hex, size};
}

FrameMd5Line framemd5_line(const Frame& frame, int64_t pts_90k) {
  FrameMd5Line line;
  line.pts_90k = pts_90k;
  line.digest = frame_md5(frame);
  line.width = frame->width;
  line.height = frame->height;
  if (frame->sample_aspect_ratio.num > 0 && frame->sample_aspect_ratio.den > 0) {
    line.sar_num = frame->sample_aspect_ratio.num;
    line.sar_den = frame->sample_aspect_ratio.den;
  }
  return line;
}

std::string framemd5_text(const std::vector<FrameMd5Line>& lines) {
  if (lines.empty()) return "";
  std::vector<int64_t> pts;
  for (const auto& l : lines) pts.push_back(l.pts_90k);
  std::sort(pts.begin(), pts.end());
  int64_t interval = 0;
  for (size_t i = 1; i < pts.size(); ++i) {
    int64_t d = pts[i] - pts[i - 1];
    if (d > 0 && (interval == 0 || d < interval)) interval = d;
  }
  if (interval <= 0) interval = 3000;
  // A container that keeps milliseconds (Matroska, WebM) times 30 fps as
  // steps of 33 and 34 ms: the smallest step, 33 ms, would count one frame
  // too many every 50. When every step is within a millisecond of the
  // smallest (no gap, no still), the frame is the mean step.
  double step = static_cast<double>(interval);
  bool regular = pts.size() > 2;
  for (size_t i = 1; i < pts.size() && regular; ++i) regular = pts[i] - pts[i - 1] <= interval + 90;
  if (regular)
    step = static_cast<double>(pts.back() - pts.front()) / static_cast<double>(pts.size() - 1);
  // One frame a second or more: 1/fps. Slower (one picture every 3 s): the
  // interval itself (3/1), so the times still read true.
  const int fps = static_cast<int>(std::lround(90000.0 / step));
  const int64_t g = std::gcd(interval, int64_t{90000});
  const std::string tb = fps > 0 ? "1/" + std::to_string(fps)
                                 : std::to_string(interval / g) + "/" + std::to_string(90000 / g);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "#format: frame checksums\n#version: 2\n#hash: MD5\n#software: %s\n#tb 0: %s\n"
                "#media_type 0: video\n#codec_id 0: rawvideo\n#dimensions 0: %dx%d\n"
                "#sar 0: %d/%d\n#stream#, dts,        pts, duration,     size, hash\n",
                LIBAVFORMAT_IDENT, tb.c_str(), lines[0].width, lines[0].height, lines[0].sar_num,
                lines[0].sar_den);
  std::string text = buf;
  for (const auto& l : lines) {
    const auto index =
        static_cast<long long>(std::llround(static_cast<double>(l.pts_90k - pts.front()) / step));
    std::snprintf(buf, sizeof buf, "0, %10lld, %10lld, %8d, %8d, %s\n", index, index, 1,
                  l.digest.size, l.digest.md5.c_str());
    text += buf;
  }
  return text;
}

}  // namespace flowcast::media
