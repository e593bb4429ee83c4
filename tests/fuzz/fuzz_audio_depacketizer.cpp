// Fuzz target: the audio payload formats as a receiver meets them, through
// the PayloadFormat interface: AAC (RFC 3640 AAC-hbr: AU headers, fragments),
// Opus (RFC 7587) or G.711 (RFC 3551: PCMU, PCMA), its depacketizer fed a
// sequence of RTP payloads, each with its gap_before flag, with finish()
// after some of them and at the end.
// Input: byte 0 picks the format (bits 0-1: AAC, Opus, PCMU, PCMA, the
// order of audio_payload_formats()), then the payload records of
// fuzz_input.hpp (flags, size, payload).
// Asserts: the frames of a finished unit add up to its bytes, none empty;
// no more bytes than were pushed since the last finish() (AAC: a fragmented
// unit's earlier fragments included, at most kMaxAacUnitBytes of them); a
// unit with a dropped frame is not complete.
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "fuzz_input.hpp"
#include "media/payload/aac_payload.hpp"
#include "media/payload/payload_format.hpp"

using namespace flowcast;

namespace {

void check_unit(const media::DepacketizedUnit& unit, size_t bytes_pushed) {
  const size_t sum = std::accumulate(unit.frame_sizes.begin(), unit.frame_sizes.end(), size_t{0});
  FUZZ_CHECK(sum == unit.annexb.size());
  for (size_t size : unit.frame_sizes) FUZZ_CHECK(size > 0);
  FUZZ_CHECK(unit.annexb.size() <= bytes_pushed + media::kMaxAacUnitBytes);
  if (unit.dropped_nals > 0) FUZZ_CHECK(!unit.complete);
  FUZZ_CHECK(unit.keyframe == !unit.annexb.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteReader in({data, size});
  const auto formats = media::audio_payload_formats();
  const media::PayloadFormat& format = *formats[(in.u8() & 3) % formats.size()];
  auto depacketizer = format.make_depacketizer();
  size_t bytes_pushed = 0;
  while (const auto record = fuzz::next_payload_record(in)) {
    // A buffer of its own, so ASan sees a read past this payload's end.
    const std::vector<uint8_t> payload(record->payload.begin(), record->payload.end());
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
