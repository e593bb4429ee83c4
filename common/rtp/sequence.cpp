#include "common/rtp/sequence.hpp"

namespace flowcast::common {

bool sequence_newer(uint16_t a, uint16_t b) {
  const uint16_t diff = static_cast<uint16_t>(a - b);
  if (diff == 0x8000) return a > b;
  return diff != 0 && diff < 0x8000;
}

int32_t sequence_delta(uint16_t a, uint16_t b) {
  return static_cast<int16_t>(static_cast<uint16_t>(a - b));
}

int64_t SequenceUnwrapper::unwrap(uint16_t seq) {
  if (!last_) {
    last_ = seq;
    return seq;
  }
  *last_ += sequence_delta(seq, static_cast<uint16_t>(*last_));
  return *last_;
}

int64_t TimestampUnwrapper::peek(uint32_t ts) const {
  if (!last_) return ts;
  return *last_ + static_cast<int32_t>(ts - static_cast<uint32_t>(*last_));
}

int64_t TimestampUnwrapper::unwrap(uint32_t ts) {
  if (!last_) {
    last_ = ts;
    return ts;
  }
  const auto delta = static_cast<int32_t>(ts - static_cast<uint32_t>(*last_));
  *last_ += delta;
  return *last_;
}

}  // namespace flowcast::common
