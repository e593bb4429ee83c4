#include "media/ffmpeg/md5.hpp"

extern "C" {
#include <libavutil/md5.h>
}

namespace flowcast::media {

std::string md5_hex(std::string_view bytes) {
  uint8_t digest[16];
  av_md5_sum(digest, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace flowcast::media
