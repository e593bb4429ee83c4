#include "media/ffmpeg/base64.hpp"

extern "C" {
#include <libavutil/base64.h>
}

namespace flowcast::media {

std::string base64_encode(std::span<const uint8_t> bytes) {
  std::string out(AV_BASE64_SIZE(bytes.size()), '\0');
  av_base64_encode(out.data(), static_cast<int>(out.size()), bytes.data(),
                   static_cast<int>(bytes.size()));
  out.resize(out.find('\0'));
  return out;
}

}  // namespace flowcast::media
