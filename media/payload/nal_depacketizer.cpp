#include "media/payload/nal_depacketizer.hpp"

#include "media/payload/access_unit_limits.hpp"

namespace flowcast::media {
namespace {

constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
constexpr uint8_t kFuStart = 0x80;
constexpr uint8_t kFuEnd = 0x40;
constexpr size_t kSizeField = 2;  // before each NAL unit of an aggregate

}  // namespace

void NalDepacketizer::drop() {
  ++unit_.dropped_nals;
  unit_.complete = false;
}

void NalDepacketizer::abandon_fragment(bool keep_prefix) {
  if (fragment_state_ != FragmentState::kAssembling) return;
  unit_.complete = false;
  if (keep_prefix && fragment_.size() > rules_->header_bytes) {
    ++unit_.truncated_nals;
    append_nal(fragment_);
  } else {
    drop();
  }
  fragment_.clear();
  fragment_state_ = FragmentState::kDiscarding;
}

void NalDepacketizer::append_nal(std::span<const uint8_t> nal) {
  if (unit_.annexb.size() + sizeof(kStartCode) + nal.size() > kMaxAccessUnitBytes) {
    drop();
    return;
  }
  unit_.annexb.insert(unit_.annexb.end(), std::begin(kStartCode), std::end(kStartCode));
  unit_.annexb.insert(unit_.annexb.end(), nal.begin(), nal.end());
  const uint8_t type = rules_->type(nal);
  if (rules_->is_keyframe(type)) unit_.keyframe = true;
  if (rules_->is_sequence_parameter_set(type)) unit_.parameter_sets = true;
}

void NalDepacketizer::push(std::span<const uint8_t> payload, bool gap_before) {
  if (gap_before) {
    unit_.complete = false;
    abandon_fragment();
  }
  if (payload.size() < rules_->header_bytes) {
    drop();
    return;
  }
  const uint8_t type = rules_->type(payload);
  if (type == rules_->fragment_type) {
    push_fragment(payload);
    return;
  }
  // Any other packet ends a fragmented NAL unit: its end fragment never came.
  abandon_fragment();
  fragment_state_ = FragmentState::kIdle;
  if (rules_->is_nal_unit(type)) {
    append_nal(payload);
  } else if (type == rules_->aggregation_type) {
    push_aggregate(payload);
  } else {
    drop();  // H.264's STAP-B, MTAP and FU-B, H.265's PACI, and the reserved types
  }
}

void NalDepacketizer::push_aggregate(std::span<const uint8_t> payload) {
  // Check the whole aggregate before taking anything from it: sizes must
  // tile it exactly. pos only moves past a unit once its size field and its
  // bytes are both known to lie inside the payload, so a size that runs past
  // the end leaves pos short of the end and the packet is refused.
  const size_t first = rules_->header_bytes;
  size_t pos = first;
  size_t count = 0;
  while (pos < payload.size()) {
    if (payload.size() - pos < kSizeField) break;
    const size_t size = (size_t{payload[pos]} << 8) | payload[pos + 1];
    const size_t room = payload.size() - pos - kSizeField;
    if (size < rules_->header_bytes || size > room) break;
    // Aggregates do not nest, nor hold fragments.
    if (!rules_->is_nal_unit(rules_->type(payload.subspan(pos + kSizeField)))) break;
    pos += kSizeField + size;
    ++count;
  }
  if (pos != payload.size() || count == 0) {
    drop();
    return;
  }
  for (pos = first; pos < payload.size();) {
    const size_t size = (size_t{payload[pos]} << 8) | payload[pos + 1];
    append_nal(payload.subspan(pos + kSizeField, size));
    pos += kSizeField + size;
  }
}

void NalDepacketizer::push_fragment(std::span<const uint8_t> payload) {
  const size_t overhead = rules_->header_bytes + 1;  // payload header, FU header
  if (payload.size() < overhead + 1) {
    abandon_fragment();
    if (fragment_state_ == FragmentState::kIdle) drop();
    return;
  }
  const uint8_t fu = payload[rules_->header_bytes];
  const bool start = (fu & kFuStart) != 0;
  const bool end = (fu & kFuEnd) != 0;
  const uint8_t type = fu & rules_->fu_type_mask;
  const std::span<const uint8_t> data = payload.subspan(overhead);

  if (start) {
    abandon_fragment();
    if (!rules_->is_nal_unit(type)) {
      drop();  // only NAL units are fragmented
      fragment_state_ = FragmentState::kIdle;
      return;
    }
    fragment_.resize(rules_->header_bytes);
    rules_->fragment_header(payload, type, fragment_.data());
    fragment_.insert(fragment_.end(), data.begin(), data.end());
    if (end) {
      // The RFCs forbid S and E together (such a NAL unit fits one packet),
      // but cameras send it and other receivers take it: the NAL unit is
      // whole, counted as nonconformant.
      ++unit_.nonconformant_packets;
      append_nal(fragment_);
      fragment_.clear();
      fragment_state_ = FragmentState::kIdle;
      return;
    }
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
  if (type != rules_->type(fragment_) ||
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

DepacketizedUnit NalDepacketizer::finish() {
  abandon_fragment();
  DepacketizedUnit unit = std::move(unit_);
  unit_ = DepacketizedUnit{};
  fragment_.clear();
  fragment_state_ = FragmentState::kIdle;
  if (unit.dropped_nals > 0 || unit.truncated_nals > 0) unit.complete = false;
  return unit;
}

}  // namespace flowcast::media
