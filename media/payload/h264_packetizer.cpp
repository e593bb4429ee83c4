#include "media/payload/h264_packetizer.hpp"

#include <algorithm>
#include <stdexcept>

namespace flowcast::media {
namespace {

constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
constexpr uint8_t kFuStart = 0x80;
constexpr uint8_t kFuEnd = 0x40;
constexpr size_t kFuOverhead = 2;  // FU indicator + FU header
constexpr size_t kStapSizeField = 2;

uint8_t nal_type(uint8_t header) {
  return header & 0x1F;
}

// Offset of the next 00 00 01 at or after `from`, or annexb.size().
size_t find_start_code(std::span<const uint8_t> annexb, size_t from) {
  for (size_t i = from; i + 2 < annexb.size(); ++i) {
    // Skip ahead fast: a start code needs annexb[i + 2] == 1 with two zeros before.
    if (annexb[i + 2] > 1) {
      i += 2;
      continue;
    }
    if (annexb[i] == 0 && annexb[i + 1] == 0 && annexb[i + 2] == 1) return i;
  }
  return annexb.size();
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

std::vector<std::span<const uint8_t>> split_annexb(std::span<const uint8_t> annexb) {
  std::vector<std::span<const uint8_t>> nals;
  size_t start = find_start_code(annexb, 0);
  while (start < annexb.size()) {
    const size_t begin = start + 3;
    const size_t next = find_start_code(annexb, begin);
    size_t end = next;
    // Trailing zeros are the first byte of a 4-byte start code or trailing_zero_8bits.
    while (end > begin && annexb[end - 1] == 0) --end;
    if (end > begin) nals.push_back(annexb.subspan(begin, end - begin));
    start = next;
  }
  return nals;
}

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

void H264Depacketizer::drop() {
  ++unit_.dropped_nals;
  unit_.complete = false;
}

void H264Depacketizer::abandon_fragment(bool keep_prefix) {
  if (fragment_state_ == FragmentState::kAssembling) {
    unit_.complete = false;
    if (keep_prefix && fragment_.size() > 1) {
      ++unit_.truncated_nals;
      append_nal(fragment_);
    } else {
      drop();
    }
    fragment_.clear();
    fragment_state_ = FragmentState::kDiscarding;
  }
}

void H264Depacketizer::append_nal(std::span<const uint8_t> nal) {
  if (unit_.annexb.size() + sizeof(kStartCode) + nal.size() > kMaxAccessUnitBytes) {
    drop();
    return;
  }
  unit_.annexb.insert(unit_.annexb.end(), std::begin(kStartCode), std::end(kStartCode));
  unit_.annexb.insert(unit_.annexb.end(), nal.begin(), nal.end());
  const uint8_t type = nal_type(nal[0]);
  if (type == kNalTypeIdr) unit_.has_idr = true;
  if (type == kNalTypeSps) unit_.has_sps = true;
}

void H264Depacketizer::push(std::span<const uint8_t> payload, bool gap_before) {
  if (gap_before) {
    unit_.complete = false;
    abandon_fragment();
  }
  if (payload.empty()) {
    drop();
    return;
  }
  const uint8_t type = nal_type(payload[0]);
  if (type == kNalTypeFuA) {
    push_fragment(payload);
    return;
  }
  // Any other packet ends an FU-A: its end fragment never came.
  abandon_fragment();
  fragment_state_ = FragmentState::kIdle;

  if (type >= 1 && type <= 23) {
    append_nal(payload);
    return;
  }
  if (type != kNalTypeStapA) {
    drop();  // STAP-B, MTAP16/24, FU-B, and the reserved 0, 30, 31
    return;
  }
  // Check the whole STAP-A before taking anything from it: sizes must tile it exactly.
  size_t pos = 1;
  size_t count = 0;
  // pos only moves past a unit once its size field and its bytes are both
  // known to lie inside the payload, so a size that runs past the end leaves
  // pos short of the end and the packet is refused.
  while (pos < payload.size()) {
    if (payload.size() - pos < kStapSizeField) break;
    const size_t size = (size_t{payload[pos]} << 8) | payload[pos + 1];
    const size_t room = payload.size() - pos - kStapSizeField;
    if (size == 0 || size > room) break;
    const uint8_t inner = nal_type(payload[pos + kStapSizeField]);
    if (inner < 1 || inner > 23) break;  // aggregates do not nest
    pos += kStapSizeField + size;
    ++count;
  }
  if (pos != payload.size() || count == 0) {
    drop();
    return;
  }
  for (pos = 1; pos < payload.size();) {
    const size_t size = (size_t{payload[pos]} << 8) | payload[pos + 1];
    append_nal(payload.subspan(pos + kStapSizeField, size));
    pos += kStapSizeField + size;
  }
}

void H264Depacketizer::push_fragment(std::span<const uint8_t> payload) {
  if (payload.size() < kFuOverhead + 1) {
    abandon_fragment();
    if (fragment_state_ == FragmentState::kIdle) drop();
    return;
  }
  const uint8_t indicator = payload[0];
  const uint8_t header = payload[1];
  const bool start = (header & kFuStart) != 0;
  const bool end = (header & kFuEnd) != 0;
  const uint8_t type = nal_type(header);
  const std::span<const uint8_t> data = payload.subspan(kFuOverhead);

  if (start) {
    abandon_fragment();
    if (type < 1 || type > 23) {
      // Only plain NAL types are fragmented.
      drop();
      fragment_state_ = FragmentState::kIdle;
      return;
    }
    if (end) {
      // RFC 6184 §5.8 forbids S and E together (such a NAL unit fits one
      // packet), but cameras send it and other receivers take it: the NAL
      // unit is whole, counted as nonconformant.
      ++unit_.nonconformant_packets;
      std::vector<uint8_t> nal;
      nal.reserve(data.size() + 1);
      nal.push_back(static_cast<uint8_t>((indicator & 0xE0) | type));
      nal.insert(nal.end(), data.begin(), data.end());
      append_nal(nal);
      fragment_state_ = FragmentState::kIdle;
      return;
    }
    fragment_.clear();
    fragment_.push_back(static_cast<uint8_t>((indicator & 0xE0) | type));
    fragment_.insert(fragment_.end(), data.begin(), data.end());
    fragment_state_ = FragmentState::kAssembling;
    return;
  }

  switch (fragment_state_) {
    case FragmentState::kIdle:
      // A continuation without its start: the start was lost.
      drop();
      fragment_state_ = end ? FragmentState::kIdle : FragmentState::kDiscarding;
      return;
    case FragmentState::kDiscarding:
      if (end) fragment_state_ = FragmentState::kIdle;
      return;
    case FragmentState::kAssembling:
      break;
  }
  if (type != nal_type(fragment_[0]) ||
      fragment_.size() + data.size() > kMaxAccessUnitBytes - unit_.annexb.size()) {
    abandon_fragment(false);
    if (end) fragment_state_ = FragmentState::kIdle;
    return;
  }
  fragment_.insert(fragment_.end(), data.begin(), data.end());
  if (end) {
    append_nal(fragment_);
    fragment_.clear();
    fragment_state_ = FragmentState::kIdle;
  }
}

H264Depacketizer::AccessUnit H264Depacketizer::finish() {
  abandon_fragment();
  AccessUnit unit = std::move(unit_);
  unit_ = AccessUnit{};
  fragment_.clear();
  fragment_state_ = FragmentState::kIdle;
  if (unit.dropped_nals > 0 || unit.truncated_nals > 0) unit.complete = false;
  return unit;
}

}  // namespace flowcast::media
