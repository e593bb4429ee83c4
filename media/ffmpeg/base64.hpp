#pragma once
// Standard base64 (RFC 4648, with padding) through libavutil: SDP's
// sprop-parameter-sets and the report's data: URLs.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flowcast::media {

std::string base64_encode(std::span<const uint8_t> bytes);

// The bytes of standard base64 text; nullopt when it holds a character
// outside the alphabet or decodes to nothing.
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

inline std::string base64_encode(std::string_view bytes) {
  return base64_encode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

}  // namespace flowcast::media
