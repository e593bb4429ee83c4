#include "media/payload/h264_packetizer.hpp"

#include <algorithm>
#include <stdexcept>

namespace flowcast::media {
namespace {

constexpr uint8_t kFuStart = 0x80;
constexpr uint8_t kFuEnd = 0x40;
constexpr size_t kFuOverhead = 2;  // FU indicator + FU header
constexpr size_t kStapSizeField = 2;

uint8_t nal_type(uint8_t header) {
  return header & 0x1F;
}

void append_fu_a(std::span<const uint8_t> nal, size_t max_payload,
                 std::vector<std::vector<uint8_t>>& payloads) {
  const uint8_t indicator = static_cast<uint8_t>((nal[0] & 0xE0) | kNalTypeFuA);
  const uint8_t type = nal_type(nal[0]);
  std::span<const uint8_t> rest = nal.subspan(1);
  const size_t total = rest.size();
  const size_t capacity = max_payload - kFuOverhead;
  const size_t count = (total + capacity - 1) / capacity;
  for (size_t i = 0; i < count; ++i) {
    // Spread the remainder over the first fragments so every fragment is about the same size.
    const size_t size = total / count + (i < total % count ? 1 : 0);
    uint8_t header = type;
    if (i == 0) header |= kFuStart;
    if (i + 1 == count) header |= kFuEnd;
    std::vector<uint8_t> payload;
    payload.reserve(kFuOverhead + size);
    payload.push_back(indicator);
    payload.push_back(header);
    payload.insert(payload.end(), rest.begin(), rest.begin() + size);
    payloads.push_back(std::move(payload));
    rest = rest.subspan(size);
  }
}

}  // namespace

std::vector<std::vector<uint8_t>> packetize_h264(std::span<const uint8_t> annexb_access_unit,
                                                 size_t max_payload) {
  if (max_payload < kFuOverhead + 1) {
    throw std::invalid_argument("packetize_h264: max_payload must be at least 3 bytes");
  }
  std::vector<std::vector<uint8_t>> payloads;
  for (std::span<const uint8_t> nal : split_annexb(annexb_access_unit)) {
    if (nal.size() <= max_payload) {
      payloads.emplace_back(nal.begin(), nal.end());
    } else {
      append_fu_a(nal, max_payload, payloads);
    }
  }
  return payloads;
}

std::vector<uint8_t> make_stap_a(const std::vector<std::span<const uint8_t>>& nals) {
  if (nals.empty()) throw std::invalid_argument("make_stap_a: no NAL units");
  uint8_t forbidden = 0;
  uint8_t nri = 0;
  size_t total = 1;
  for (std::span<const uint8_t> nal : nals) {
    if (nal.empty() || nal.size() > 0xFFFF) {
      throw std::invalid_argument("make_stap_a: NAL unit empty or larger than 65535 bytes");
    }
    forbidden |= nal[0] & 0x80;
    nri = std::max<uint8_t>(nri, nal[0] & 0x60);
    total += kStapSizeField + nal.size();
  }
  std::vector<uint8_t> payload;
  payload.reserve(total);
  // RFC 6184 5.7.1: F is the OR and NRI the maximum over the aggregated NALs.
  payload.push_back(static_cast<uint8_t>(forbidden | nri | kNalTypeStapA));
  for (std::span<const uint8_t> nal : nals) {
    payload.push_back(static_cast<uint8_t>(nal.size() >> 8));
    payload.push_back(static_cast<uint8_t>(nal.size()));
    payload.insert(payload.end(), nal.begin(), nal.end());
  }
  return payload;
}

namespace {

uint8_t h264_type(std::span<const uint8_t> nal) {
  return nal_type(nal[0]);
}
bool is_h264_nal_unit(uint8_t type) {
  return type >= 1 && type <= 23;
}
// RFC 6184 §5.8: F and NRI from the FU indicator, the type from the FU header.
void h264_fragment_header(std::span<const uint8_t> payload, uint8_t type, uint8_t* out) {
  out[0] = static_cast<uint8_t>((payload[0] & 0xE0) | type);
}

const NalRules kH264Rules{
    1,
    0x1F,
    kNalTypeStapA,
    kNalTypeFuA,
    &h264_type,
    &is_h264_nal_unit,
    &h264_fragment_header,
    [](uint8_t type) { return type == kNalTypeIdr; },
    [](uint8_t type) { return type == kNalTypeSps; },
};

}  // namespace

const NalRules& h264_nal_rules() {
  return kH264Rules;
}

H264Depacketizer::AccessUnit H264Depacketizer::finish() {
  DepacketizedUnit unit = core_.finish();
  AccessUnit out;
  out.annexb = std::move(unit.annexb);
  out.complete = unit.complete;
  out.has_idr = unit.keyframe;
  out.has_sps = unit.parameter_sets;
  out.dropped_nals = unit.dropped_nals;
  out.truncated_nals = unit.truncated_nals;
  out.nonconformant_packets = unit.nonconformant_packets;
  return out;
}

}  // namespace flowcast::media
