// Fuzz target: the server's side of the payload formats and what a client
// reads first. Input: byte 0 picks the format (bit 0: H.264, RFC 6184, or
// H.265, RFC 7798) and the largest payload (4 + (byte 0 >> 1) x 8 bytes:
// 4..1020); the rest is one Annex B access unit as a file or a relayed URL
// gives it.
//  - media::split_annexb: every NAL unit lies inside the input, is not
//    empty, has no start code inside it and does not end in a zero byte.
//  - media::find_parameter_sets (what the server reads from a file's first
//    keyframe for its SDP): an SPS of type 7 and at least 4 bytes and a PPS
//    of type 8, each one of the NAL units.
//  - the format's packetize (packetize_h264, packetize_h265), then its
//    depacketizer (a round trip that checks both ends at once): every
//    payload is 1..max bytes; when every NAL unit is one the format carries
//    (H.264 types 1..23; H.265 types 0..47 with a whole two-byte header) the
//    access unit comes back with the same NAL units in order, complete.
//  - media::detect_payload_format and each format's opens_keyframe on every
//    payload (the first payload a client receives picks the format): a
//    format is found exactly when one opens_keyframe says so; the first
//    payload of an access unit opening with the format's first parameter set
//    (H.264 SPS; H.265 VPS of layer 0, TID 1), sent whole, finds that format.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_input.hpp"
#include "media/payload/h264_packetizer.hpp"
#include "media/payload/h265_packetizer.hpp"
#include "media/payload/payload_format.hpp"
#include "media/sdp/sdp.hpp"

using namespace flowcast;
using Nal = std::span<const uint8_t>;

namespace {

bool inside(Nal part, Nal whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

bool has_start_code(Nal nal) {
  for (size_t i = 0; i + 2 < nal.size(); ++i)
    if (nal[i] == 0 && nal[i + 1] == 0 && nal[i + 2] == 1) return true;
  return false;
}

bool carried(const media::PayloadFormat& format, Nal nal) {
  if (&format == &media::h264_payload_format()) {
    const uint8_t type = nal[0] & 0x1F;
    return type >= 1 && type <= 23;
  }
  return nal.size() >= 2 && media::h265_nal_type(nal) <= 47;
}

void check_detect(Nal payload) {
  const media::PayloadFormat* found = media::detect_payload_format(payload);
  bool any = false;
  for (const media::PayloadFormat* f : media::payload_formats()) {
    const bool opens = f->opens_keyframe(payload);
    any = any || opens;
    if (f == found) FUZZ_CHECK(opens);
  }
  FUZZ_CHECK((found != nullptr) == any);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteReader in({data, size});
  const uint8_t mode = in.u8();
  const media::PayloadFormat& format =
      (mode & 1) ? media::h265_payload_format() : media::h264_payload_format();
  const size_t max_payload = 4 + static_cast<size_t>(mode >> 1) * 8;
  const Nal annexb = in.rest();

  const std::vector<Nal> nals = media::split_annexb(annexb);
  for (const Nal nal : nals) {
    FUZZ_CHECK(!nal.empty());
    FUZZ_CHECK(inside(nal, annexb));
    FUZZ_CHECK(!has_start_code(nal));
    FUZZ_CHECK(nal.back() != 0);
  }

  if (const auto sets = media::find_parameter_sets(nals)) {
    FUZZ_CHECK(sets->sps.size() >= 4 && (sets->sps[0] & 0x1F) == media::kNalTypeSps);
    FUZZ_CHECK(!sets->pps.empty() && (sets->pps[0] & 0x1F) == media::kNalTypePps);
    const auto is_one_of = [&](const std::vector<uint8_t>& set) {
      return std::any_of(nals.begin(), nals.end(), [&](Nal n) {
        return std::equal(n.begin(), n.end(), set.begin(), set.end());
      });
    };
    FUZZ_CHECK(is_one_of(sets->sps) && is_one_of(sets->pps));
  }

  const std::vector<std::vector<uint8_t>> payloads = format.packetize(annexb, max_payload);
  auto depacketizer = format.make_depacketizer();
  for (const auto& payload : payloads) {
    FUZZ_CHECK(!payload.empty() && payload.size() <= max_payload);
    check_detect(payload);
    depacketizer->push(payload, false);
  }
  const media::DepacketizedUnit unit = depacketizer->finish();
  FUZZ_CHECK(unit.annexb.size() <= media::kMaxAccessUnitBytes);

  const bool all_carried =
      std::all_of(nals.begin(), nals.end(), [&](Nal n) { return carried(format, n); });
  if (all_carried) {
    const std::vector<Nal> back = media::split_annexb(unit.annexb);
    FUZZ_CHECK(back.size() == nals.size());
    for (size_t i = 0; i < nals.size(); ++i)
      FUZZ_CHECK(std::equal(back[i].begin(), back[i].end(), nals[i].begin(), nals[i].end()));
    FUZZ_CHECK(unit.complete && unit.dropped_nals == 0 && unit.truncated_nals == 0);
  }

  // The first NAL unit went whole as the first payload (not fragmented).
  if (!payloads.empty() && !nals.empty() && payloads[0].size() == nals.front().size()) {
    const Nal first = nals.front();
    const bool h264_sps =
        &format == &media::h264_payload_format() && (first[0] & 0x9F) == media::kNalTypeSps;
    const bool h265_vps = &format == &media::h265_payload_format() && first.size() >= 2 &&
                          first[0] == (media::kH265NalVps << 1) && first[1] == 1;
    if (h264_sps || h265_vps) FUZZ_CHECK(media::detect_payload_format(payloads[0]) == &format);
  }
  return 0;
}
