#include "media/payload/h264_sps.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "media/payload/rbsp.hpp"

namespace flowcast::media {
namespace {

constexpr uint8_t kNalTypeSpsValue = 7;

bool has_chroma_format_fields(uint32_t profile_idc) {
  // §7.3.2.1.1: the High profiles and their relatives carry chroma_format_idc.
  static constexpr uint32_t kProfiles[] = {100, 110, 122, 244, 44,  83, 86,
                                           118, 128, 138, 139, 134, 135};
  return std::find(std::begin(kProfiles), std::end(kProfiles), profile_idc) != std::end(kProfiles);
}

// scaling_list(), §7.3.2.1.1.1: only read to skip it.
bool skip_scaling_list(BitReader& r, int size) {
  int64_t last = 8, next = 8;
  for (int j = 0; j < size; ++j) {
    if (next != 0) {
      auto delta = r.se();
      if (!delta) return false;
      next = ((last + *delta) % 256 + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
  return true;
}

}  // namespace

std::string PictureSize::to_string() const {
  return std::to_string(width) + "x" + std::to_string(height);
}

int64_t PictureSize::pixels() const {
  if (width <= 0 || height <= 0) return 0;
  if (width > std::numeric_limits<int64_t>::max() / height)
    return std::numeric_limits<int64_t>::max();
  return width * height;
}

bool PictureLimit::allows(const PictureSize& size) const {
  return size.pixels() <= pixels() && std::max(size.width, size.height) <= std::max(width, height);
}

std::optional<PictureSize> h264_sps_picture_size(std::span<const uint8_t> nal) {
  if (nal.empty() || (nal[0] & 0x1F) != kNalTypeSpsValue) return std::nullopt;
  const std::vector<uint8_t> rbsp =
      unescape(nal.subspan(1, std::min(nal.size() - 1, kMaxSpsBytes)));
  BitReader r(rbsp);
  auto profile_idc = r.bits(8);
  if (!profile_idc || !r.bits(16) || !r.ue()) return std::nullopt;  // constraints, level, id
  if (has_chroma_format_fields(*profile_idc)) {
    auto chroma_format_idc = r.ue();
    if (!chroma_format_idc) return std::nullopt;
    if (*chroma_format_idc == 3 && !r.bits(1)) return std::nullopt;
    if (!r.ue() || !r.ue() || !r.bits(1)) return std::nullopt;  // bit depths, bypass
    auto matrix = r.bits(1);
    if (!matrix) return std::nullopt;
    if (*matrix) {
      const int lists = *chroma_format_idc != 3 ? 8 : 12;
      for (int i = 0; i < lists; ++i) {
        auto present = r.bits(1);
        if (!present) return std::nullopt;
        if (*present && !skip_scaling_list(r, i < 6 ? 16 : 64)) return std::nullopt;
      }
    }
  }
  if (!r.ue()) return std::nullopt;  // log2_max_frame_num_minus4
  auto poc_type = r.ue();
  if (!poc_type) return std::nullopt;
  if (*poc_type == 0) {
    if (!r.ue()) return std::nullopt;
  } else if (*poc_type == 1) {
    if (!r.bits(1) || !r.se() || !r.se()) return std::nullopt;
    auto cycle = r.ue();
    if (!cycle || *cycle > 255) return std::nullopt;
    for (uint64_t i = 0; i < *cycle; ++i)
      if (!r.se()) return std::nullopt;
  }
  if (!r.ue() || !r.bits(1)) return std::nullopt;  // max_num_ref_frames, gaps
  auto width_mbs = r.ue();
  auto height_map_units = r.ue();
  auto frame_mbs_only = r.bits(1);
  if (!width_mbs || !height_map_units || !frame_mbs_only) return std::nullopt;
  PictureSize size;
  size.width = static_cast<int64_t>(*width_mbs + 1) * 16;
  size.height = static_cast<int64_t>(*height_map_units + 1) * 16 * (*frame_mbs_only ? 1 : 2);
  return size;
}

}  // namespace flowcast::media
