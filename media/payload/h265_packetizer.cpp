#include "media/payload/h265_packetizer.hpp"

#include <algorithm>
#include <stdexcept>

#include "media/payload/h264_packetizer.hpp"  // split_annexb: Annex B is the same
#include "media/payload/rbsp.hpp"

namespace flowcast::media {

namespace {

constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
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

void H265Depacketizer::drop() {
  ++unit_.dropped_nals;
  unit_.complete = false;
}

void H265Depacketizer::append_nal(std::span<const uint8_t> nal) {
  if (unit_.annexb.size() + sizeof(kStartCode) + nal.size() > kMaxAccessUnitBytes) {
    drop();
    return;
  }
  unit_.annexb.insert(unit_.annexb.end(), std::begin(kStartCode), std::end(kStartCode));
  unit_.annexb.insert(unit_.annexb.end(), nal.begin(), nal.end());
  const uint8_t type = h265_nal_type(nal);
  if (type >= kH265NalBlaWLp && type <= kH265NalIrapMax) unit_.irap = true;
  if (type == kH265NalSps) unit_.parameter_sets = true;
}

void H265Depacketizer::abandon_fragment(bool keep_prefix) {
  if (state_ == FragmentState::kAssembling) {
    unit_.complete = false;
    if (keep_prefix && fragment_.size() > kNalHeader) {
      ++unit_.truncated_nals;
      append_nal(fragment_);
    } else {
      drop();
    }
    fragment_.clear();
    state_ = FragmentState::kDiscarding;
  }
}

void H265Depacketizer::push(std::span<const uint8_t> payload, bool gap_before) {
  if (gap_before) {
    unit_.complete = false;
    abandon_fragment();
  }
  if (payload.size() < kNalHeader) {
    drop();
    return;
  }
  const uint8_t type = h265_nal_type(payload);
  if (type == kH265NalFu) {
    push_fragment(payload);
    return;
  }
  // Any other packet ends an FU: its end never came.
  abandon_fragment();
  state_ = FragmentState::kIdle;
  if (type < kH265NalAp) {
    append_nal(payload);
    return;
  }
  if (type != kH265NalAp) {
    drop();  // PACI and the reserved types
    return;
  }
  // The whole AP is checked before anything is taken: sizes tile it exactly.
  size_t pos = kNalHeader, count = 0;
  while (pos < payload.size()) {
    if (payload.size() - pos < 2) break;
    const size_t size = (size_t{payload[pos]} << 8) | payload[pos + 1];
    const size_t room = payload.size() - pos - 2;
    if (size < kNalHeader || size > room) break;
    if (h265_nal_type(payload.subspan(pos + 2)) >= kH265NalAp) break;  // aggregates do not nest
    pos += 2 + size;
    ++count;
  }
  if (pos != payload.size() || count == 0) {
    drop();
    return;
  }
  for (pos = kNalHeader; pos < payload.size();) {
    const size_t size = (size_t{payload[pos]} << 8) | payload[pos + 1];
    append_nal(payload.subspan(pos + 2, size));
    pos += 2 + size;
  }
}

void H265Depacketizer::push_fragment(std::span<const uint8_t> payload) {
  if (payload.size() < kFuOverhead + 1) {
    abandon_fragment();
    if (state_ == FragmentState::kIdle) drop();
    return;
  }
  const uint8_t fu = payload[2];
  const bool start = (fu & kFuStart) != 0;
  const bool end = (fu & kFuEnd) != 0;
  const uint8_t type = fu & 0x3F;
  const std::span<const uint8_t> data = payload.subspan(kFuOverhead);
  const uint8_t h0 = static_cast<uint8_t>((payload[0] & 0x81) | (type << 1));
  const uint8_t h1 = payload[1];
  if (start) {
    abandon_fragment();
    if (type >= kH265NalAp) {
      drop();  // only NAL unit types are fragmented
      state_ = FragmentState::kIdle;
      return;
    }
    if (end) {
      // RFC 7798 §4.4.3 forbids S and E together; the NAL unit is whole.
      ++unit_.nonconformant_packets;
      std::vector<uint8_t> nal = {h0, h1};
      nal.insert(nal.end(), data.begin(), data.end());
      append_nal(nal);
      state_ = FragmentState::kIdle;
      return;
    }
    fragment_ = {h0, h1};
    fragment_.insert(fragment_.end(), data.begin(), data.end());
    state_ = FragmentState::kAssembling;
    return;
  }
  switch (state_) {
    case FragmentState::kIdle:
      drop();  // a continuation whose start was lost
      state_ = end ? FragmentState::kIdle : FragmentState::kDiscarding;
      return;
    case FragmentState::kDiscarding:
      if (end) state_ = FragmentState::kIdle;
      return;
    case FragmentState::kAssembling:
      break;
  }
  if (type != h265_nal_type(fragment_) ||
      fragment_.size() + data.size() > kMaxAccessUnitBytes - unit_.annexb.size()) {
    abandon_fragment(false);
    if (end) state_ = FragmentState::kIdle;
    return;
  }
  fragment_.insert(fragment_.end(), data.begin(), data.end());
  if (end) {
    append_nal(fragment_);
    fragment_.clear();
    state_ = FragmentState::kIdle;
  }
}

H265Depacketizer::AccessUnit H265Depacketizer::finish() {
  abandon_fragment();
  AccessUnit unit = std::move(unit_);
  unit_ = AccessUnit{};
  fragment_.clear();
  state_ = FragmentState::kIdle;
  if (unit.dropped_nals > 0 || unit.truncated_nals > 0) unit.complete = false;
  return unit;
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
