#include "media/ffmpeg/base64.hpp"

#include <algorithm>
#include <cctype>

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

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
  const bool alphabet = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
  });
  if (!alphabet) return std::nullopt;
  const std::string in(text);
  std::vector<uint8_t> out(AV_BASE64_DECODE_SIZE(in.size()) + 1);
  const int n = av_base64_decode(out.data(), in.c_str(), static_cast<int>(out.size()));
  if (n <= 0) return std::nullopt;
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace flowcast::media
