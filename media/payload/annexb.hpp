#pragma once
// Annex B byte streams (ITU-T H.264 and H.265 Annex B: NAL units behind
// 00 00 01 or 00 00 00 01 start codes), the form access units take on both
// sides of every payload format. Pure byte code, any thread.
#include <cstdint>
#include <span>
#include <vector>

namespace flowcast::media {

// Splits an Annex B buffer (3- or 4-byte start codes) into NAL units without
// start codes. The spans borrow from `annexb`. Trailing zero bytes of a NAL
// are trimmed, empty NALs skipped, and bytes before the first start code
// ignored (so a buffer without any start code gives no NALs).
std::vector<std::span<const uint8_t>> split_annexb(std::span<const uint8_t> annexb);

}  // namespace flowcast::media
