#include "media/payload/h265_packetizer.hpp"

#include <algorithm>
#include <stdexcept>

#include "media/payload/annexb.hpp"
#include "media/payload/rbsp.hpp"

namespace flowcast::media {

namespace {

constexpr size_t kNalHeader = 2;
constexpr size_t kFuOverhead = 3;  // PayloadHdr, FU header
constexpr uint8_t kFuStart = 0x80;
constexpr uint8_t kFuEnd = 0x40;

// The PayloadHdr of an AP or FU: the NAL unit's header with its type replaced
// (F, LayerId and TID kept, RFC 7798 §4.4.2 and §4.4.3).
std::pair<uint8_t, uint8_t> payload_header(std::span<const uint8_t> nal, uint8_t type) {
  return {static_cast<uint8_t>((nal[0] & 0x81) | (type << 1)), nal[1]};
}

}  // namespace

std::vector<std::vector<uint8_t>> packetize_h265(std::span<const uint8_t> annexb,
                                                 size_t max_payload) {
  if (max_payload < kFuOverhead + 1)
    throw std::invalid_argument("packetize_h265: max_payload must be at least 4");
  std::vector<std::vector<uint8_t>> out;
  for (std::span<const uint8_t> nal : split_annexb(annexb)) {
    if (nal.size() < kNalHeader) continue;
    if (nal.size() <= max_payload) {
      out.emplace_back(nal.begin(), nal.end());
      continue;
    }
    const auto [h0, h1] = payload_header(nal, kH265NalFu);
    const uint8_t type = h265_nal_type(nal);
    const std::span<const uint8_t> data = nal.subspan(kNalHeader);
    const size_t room = max_payload - kFuOverhead;
    const size_t count = (data.size() + room - 1) / room;
    const size_t chunk = (data.size() + count - 1) / count;
    for (size_t offset = 0; offset < data.size(); offset += chunk) {
      const size_t n = std::min(chunk, data.size() - offset);
      uint8_t fu = type;
      if (offset == 0) fu |= kFuStart;
      if (offset + n == data.size()) fu |= kFuEnd;
      std::vector<uint8_t> payload = {h0, h1, fu};
      payload.insert(payload.end(), data.begin() + static_cast<long>(offset),
                     data.begin() + static_cast<long>(offset + n));
      out.push_back(std::move(payload));
    }
  }
  return out;
}

std::vector<uint8_t> make_h265_ap(const std::vector<std::span<const uint8_t>>& nals) {
  if (nals.empty()) throw std::invalid_argument("make_h265_ap: no NAL unit");
  std::vector<uint8_t> out;
  for (auto nal : nals) {
    if (nal.size() < kNalHeader || nal.size() > 0xFFFF)
      throw std::invalid_argument("make_h265_ap: a NAL unit of 2..65535 bytes each");
  }
  // F is the OR of the NAL units' F bits, LayerId and TID their lowest
  // (RFC 7798 §4.4.2); the first unit's are used, as they are all alike here.
  const auto [h0, h1] = payload_header(nals.front(), kH265NalAp);
  out = {h0, h1};
  for (auto nal : nals) {
    out.push_back(static_cast<uint8_t>(nal.size() >> 8));
    out.push_back(static_cast<uint8_t>(nal.size()));
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

namespace {

bool is_h265_nal_unit(uint8_t type) {
  return type < kH265NalAp;
}
// RFC 7798 §4.4.3: F, LayerId and TID from the PayloadHdr, the type from the FU header.
void h265_fragment_header(std::span<const uint8_t> payload, uint8_t type, uint8_t* out) {
  out[0] = static_cast<uint8_t>((payload[0] & 0x81) | (type << 1));
  out[1] = payload[1];
}

const NalRules kH265Rules{
    kNalHeader,
    0x3F,
    kH265NalAp,
    kH265NalFu,
    &h265_nal_type,
    &is_h265_nal_unit,
    &h265_fragment_header,
    [](uint8_t type) { return type >= kH265NalBlaWLp && type <= kH265NalIrapMax; },
    [](uint8_t type) { return type == kH265NalSps; },
};

}  // namespace

const NalRules& h265_nal_rules() {
  return kH265Rules;
}

H265Depacketizer::AccessUnit H265Depacketizer::finish() {
  DepacketizedUnit unit = core_.finish();
  AccessUnit out;
  out.annexb = std::move(unit.annexb);
  out.complete = unit.complete;
  out.irap = unit.keyframe;
  out.parameter_sets = unit.parameter_sets;
  out.dropped_nals = unit.dropped_nals;
  out.truncated_nals = unit.truncated_nals;
  out.nonconformant_packets = unit.nonconformant_packets;
  return out;
}

std::optional<PictureSize> h265_sps_picture_size(std::span<const uint8_t> nal) {
  if (nal.size() < kNalHeader || h265_nal_type(nal) != kH265NalSps) return std::nullopt;
  const std::vector<uint8_t> rbsp =
      unescape(nal.subspan(kNalHeader, std::min(nal.size() - kNalHeader, kMaxSpsBytes)));
  BitReader r(rbsp);
  // sps_video_parameter_set_id, sps_max_sub_layers_minus1, temporal_id_nesting.
  if (!r.bits(4)) return std::nullopt;
  const auto sub_layers_minus1 = r.bits(3);
  if (!sub_layers_minus1 || !r.bits(1)) return std::nullopt;
  // profile_tier_level(1, sps_max_sub_layers_minus1), §7.3.3: the general
  // profile (88 bits) and level (8 bits), then per sub-layer.
  const auto skip = [&r](int n) {
    for (; n > 0; n -= 32)
      if (!r.bits(std::min(n, 32))) return false;
    return true;
  };
  if (!skip(88 + 8)) return std::nullopt;
  bool profile_present[8] = {}, level_present[8] = {};
  for (uint32_t i = 0; i < *sub_layers_minus1; ++i) {
    const auto p = r.bits(1), l = r.bits(1);
    if (!p || !l) return std::nullopt;
    profile_present[i] = *p;
    level_present[i] = *l;
  }
  if (*sub_layers_minus1 > 0 && !skip(2 * static_cast<int>(8 - *sub_layers_minus1)))
    return std::nullopt;
  for (uint32_t i = 0; i < *sub_layers_minus1; ++i) {
    if (profile_present[i] && !skip(88)) return std::nullopt;
    if (level_present[i] && !skip(8)) return std::nullopt;
  }
  if (!r.ue()) return std::nullopt;  // sps_seq_parameter_set_id
  const auto chroma_format_idc = r.ue();
  if (!chroma_format_idc) return std::nullopt;
  if (*chroma_format_idc == 3 && !r.bits(1)) return std::nullopt;
  const auto width = r.ue(), height = r.ue();
  if (!width || !height) return std::nullopt;
  return PictureSize{static_cast<int64_t>(*width), static_cast<int64_t>(*height)};
}

}  // namespace flowcast::media
