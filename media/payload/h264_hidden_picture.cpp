#include "media/payload/h264_hidden_picture.hpp"

#include <algorithm>
#include <array>

#include "media/payload/h264_packetizer.hpp"

namespace flowcast::media {
namespace {

constexpr uint8_t kNalSei = 6;
constexpr uint8_t kSeiUserDataUnregistered = 5;
// flowcast's UUID for "decode, do not show" (no zero bytes, so no emulation
// prevention is ever needed in the message).
constexpr std::array<uint8_t, 16> kHiddenUuid = {0x66, 0x6c, 0x6f, 0x77, 0x63, 0x61, 0x73, 0x74,
                                                 0x9e, 0x4d, 0x2b, 0xc1, 0x68, 0x69, 0x64, 0x65};

bool is_slice(uint8_t nal_type) {
  return nal_type >= 1 && nal_type <= 5;
}

// The SEI NAL unit with its 4-byte start code.
std::vector<uint8_t> marker_nal() {
  std::vector<uint8_t> nal = {
      0, 0, 0, 1, kNalSei, kSeiUserDataUnregistered, static_cast<uint8_t>(kHiddenUuid.size())};
  nal.insert(nal.end(), kHiddenUuid.begin(), kHiddenUuid.end());
  nal.push_back(0x80);  // rbsp_trailing_bits
  return nal;
}

// Whether an SEI NAL (header included, no start code) holds the marker.
bool sei_has_marker(std::span<const uint8_t> nal) {
  size_t pos = 1;
  while (pos < nal.size() && nal[pos] != 0x80) {
    size_t type = 0, size = 0;
    while (pos < nal.size() && nal[pos] == 0xFF) type += nal[pos++];
    if (pos >= nal.size()) return false;
    type += nal[pos++];
    while (pos < nal.size() && nal[pos] == 0xFF) size += nal[pos++];
    if (pos >= nal.size()) return false;
    size += nal[pos++];
    if (size > nal.size() - pos) return false;
    if (type == kSeiUserDataUnregistered && size >= kHiddenUuid.size() &&
        std::equal(kHiddenUuid.begin(), kHiddenUuid.end(), nal.begin() + static_cast<long>(pos)))
      return true;
    pos += size;
  }
  return false;
}

}  // namespace

bool is_h264_hidden(std::span<const uint8_t> annexb) {
  for (const auto nal : split_annexb(annexb)) {
    const uint8_t type = nal[0] & 0x1F;
    if (is_slice(type)) return false;
    if (type == kNalSei && sei_has_marker(nal)) return true;
  }
  return false;
}

void mark_h264_hidden(std::vector<uint8_t>& annexb) {
  if (is_h264_hidden(annexb)) return;
  // The first slice's start code: 3 or 4 bytes before its header.
  auto at = annexb.end();
  for (size_t i = 0; i + 3 < annexb.size(); ++i) {
    if (annexb[i] == 0 && annexb[i + 1] == 0 && annexb[i + 2] == 1 &&
        is_slice(annexb[i + 3] & 0x1F)) {
      at = annexb.begin() + static_cast<long>(i > 0 && annexb[i - 1] == 0 ? i - 1 : i);
      break;
    }
  }
  const auto nal = marker_nal();
  annexb.insert(at, nal.begin(), nal.end());
}

}  // namespace flowcast::media
