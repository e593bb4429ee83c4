// Fuzz target: the H.265 payload format (RFC 7798) as a receiver meets it,
// through the PayloadFormat interface: its depacketizer fed a sequence of
// RTP payloads, each with its gap_before flag, with finish() after some of
// them and at the end; and its SPS reader on every payload as a NAL unit.
// Input: the payload records of fuzz_input.hpp (flags, size, payload).
// Asserts: every access unit it finishes is at most kMaxAccessUnitBytes, and
// at most 3 bytes per payload byte pushed since the last finish() (a NAL unit
// of at least 2 bytes costs a 4-byte start code); it begins with a start code
// unless empty; one with a dropped or truncated NAL unit is not complete; a
// size the SPS reader gives is not negative.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_input.hpp"
#include "media/payload/access_unit_limits.hpp"
#include "media/payload/payload_format.hpp"

using namespace flowcast;

namespace {

void check_unit(const media::DepacketizedUnit& unit, size_t bytes_pushed) {
  FUZZ_CHECK(unit.annexb.size() <= media::kMaxAccessUnitBytes);
  FUZZ_CHECK(unit.annexb.size() <= 3 * bytes_pushed);
  if (!unit.annexb.empty()) {
    static constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
    FUZZ_CHECK(unit.annexb.size() > 4 &&
               std::equal(std::begin(kStartCode), std::end(kStartCode), unit.annexb.begin()));
  }
  if (unit.dropped_nals > 0 || unit.truncated_nals > 0) FUZZ_CHECK(!unit.complete);
  if (unit.keyframe || unit.parameter_sets) FUZZ_CHECK(!unit.annexb.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const media::PayloadFormat& format = media::h265_payload_format();
  fuzz::ByteReader in({data, size});
  auto depacketizer = format.make_depacketizer();
  size_t bytes_pushed = 0;
  while (const auto record = fuzz::next_payload_record(in)) {
    // A buffer of its own, so ASan sees a read past this payload's end.
    const std::vector<uint8_t> payload(record->payload.begin(), record->payload.end());
    if (const auto picture = format.picture_size(payload))
      FUZZ_CHECK(picture->width >= 0 && picture->height >= 0);
    depacketizer->push(payload, record->gap_before);
    bytes_pushed += payload.size();
    if (record->finish_after) {
      check_unit(depacketizer->finish(), bytes_pushed);
      bytes_pushed = 0;
    }
  }
  check_unit(depacketizer->finish(), bytes_pushed);
  return 0;
}
