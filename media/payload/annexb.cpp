#include "media/payload/annexb.hpp"

namespace flowcast::media {
namespace {

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

}  // namespace flowcast::media
