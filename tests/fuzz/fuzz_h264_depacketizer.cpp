// Fuzz target: media::H264Depacketizer fed a sequence of RTP payloads, each
// with its gap_before flag, with finish() after some of them and at the end.
// Input: the payload records of fuzz_input.hpp (flags, size, payload).
// Asserts: every access unit it finishes is at most kMaxAccessUnitBytes, and
// at most 5 bytes per payload byte pushed since the last finish() (each byte
// out is a NAL byte copied from a payload or one of a 4-byte start code, and
// each NAL takes at least one payload byte); it begins with a start code
// unless empty; an access unit with a dropped or truncated NAL is not
// complete. The decoder's hidden-picture check reads each unit safely, and
// a unit the sender marks hidden is found hidden.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_input.hpp"
#include "media/payload/h264_hidden_picture.hpp"
#include "media/payload/h264_packetizer.hpp"

using namespace flowcast;
using fuzz::ByteReader;

namespace {

void check_unit(const media::H264Depacketizer::AccessUnit& unit, size_t bytes_pushed) {
  FUZZ_CHECK(unit.annexb.size() <= media::kMaxAccessUnitBytes);
  FUZZ_CHECK(unit.annexb.size() <= 5 * bytes_pushed);
  if (!unit.annexb.empty()) {
    static constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
    FUZZ_CHECK(unit.annexb.size() > 4 &&
               std::equal(std::begin(kStartCode), std::end(kStartCode), unit.annexb.begin()));
  }
  if (unit.dropped_nals > 0 || unit.truncated_nals > 0) FUZZ_CHECK(!unit.complete);
  if (unit.has_idr || unit.has_sps) FUZZ_CHECK(!unit.annexb.empty());
  const bool hidden = media::is_h264_hidden(unit.annexb);
  std::vector<uint8_t> marked = unit.annexb;
  media::mark_h264_hidden(marked);
  FUZZ_CHECK(media::is_h264_hidden(marked));
  if (hidden) FUZZ_CHECK(marked == unit.annexb);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in({data, size});
  media::H264Depacketizer depacketizer;
  size_t bytes_pushed = 0;
  while (const auto record = fuzz::next_payload_record(in)) {
    // A buffer of its own, so ASan sees a read past this payload's end.
    const std::vector<uint8_t> payload(record->payload.begin(), record->payload.end());
    depacketizer.push(payload, record->gap_before);
    bytes_pushed += payload.size();
    if (record->finish_after) {
      check_unit(depacketizer.finish(), bytes_pushed);
      bytes_pushed = 0;
    }
  }
  check_unit(depacketizer.finish(), bytes_pushed);
  return 0;
}
