// Serial-number arithmetic (RFC 1982) for 16-bit RTP sequence numbers and
// 32-bit RTP timestamps, and unwrappers that extend them to 64 bits.
#pragma once

#include <cstdint>
#include <optional>

namespace flowcast::common {

// True if a is after b in RFC 1982 serial arithmetic (16 bits). Exactly half
// the space apart (undefined in RFC 1982) counts as newer when a > b, so that
// the relation stays antisymmetric. False when a == b.
bool sequence_newer(uint16_t a, uint16_t b);

// Signed distance a - b, in [-32768, 32767].
int32_t sequence_delta(uint16_t a, uint16_t b);

// Extends 16-bit RTP sequence numbers to 64 bits. The first call returns seq
// itself (so the low 16 bits and the wrap count match RFC 3550's extended
// sequence number); each later call returns the extension closest to the
// previous result, which handles the forward wrap 65535 -> 0 and late packets
// from before a wrap. A packet older than the first one, across 0, gets a
// negative value (first 2, then 65535 -> -1). Not thread-safe: one owner.
class SequenceUnwrapper {
 public:
  int64_t unwrap(uint16_t seq);

 private:
  std::optional<int64_t> last_;  // the previous result
};

// The same for 32-bit RTP timestamps.
class TimestampUnwrapper {
 public:
  int64_t unwrap(uint32_t ts);
  // What unwrap(ts) would return now, without moving on.
  int64_t peek(uint32_t ts) const;

 private:
  std::optional<int64_t> last_;  // the previous result
};

}  // namespace flowcast::common
