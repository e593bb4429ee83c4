// H.265 over RTP, RFC 7798 without DONL, as a PayloadFormat: the packetizer
// and depacketizer of media/h265_packetizer, its SPS size reader.
#include "media/payload/h265_packetizer.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::media {

namespace {

class H265PayloadDepacketizer : public Depacketizer {
 public:
  void push(std::span<const uint8_t> payload, bool gap_before) override {
    depacketizer_.push(payload, gap_before);
  }
  DepacketizedUnit finish() override {
    H265Depacketizer::AccessUnit au = depacketizer_.finish();
    DepacketizedUnit out;
    out.annexb = std::move(au.annexb);
    out.complete = au.complete;
    out.keyframe = au.irap;
    out.parameter_sets = au.parameter_sets;
    out.dropped_nals = au.dropped_nals;
    out.truncated_nals = au.truncated_nals;
    out.nonconformant_packets = au.nonconformant_packets;
    return out;
  }

 private:
  H265Depacketizer depacketizer_;
};

bool is_h265_parameter_set(std::span<const uint8_t> nal) {
  const uint8_t type = h265_nal_type(nal);
  return nal.size() >= 2 && (type == kH265NalVps || type == kH265NalSps || type == kH265NalPps);
}

// A VPS, SPS, PPS, access unit delimiter or IRAP slice of layer 0 with a
// valid TID; in an AP its first NAL unit; in an FU the start of an IRAP.
bool opens_h265_keyframe(std::span<const uint8_t> payload) {
  const auto opens = [](std::span<const uint8_t> nal) {
    if (nal.size() < 2 || (nal[0] & 0x81) || (nal[1] & 0xF8) || (nal[1] & 0x07) == 0) return false;
    const uint8_t type = h265_nal_type(nal);
    return (type >= kH265NalBlaWLp && type <= 21) || type == kH265NalVps || type == kH265NalSps ||
           type == kH265NalPps || type == kH265NalAud;
  };
  if (payload.size() < 2) return false;
  const uint8_t type = h265_nal_type(payload);
  if (type == kH265NalAp) return payload.size() > 5 && opens(payload.subspan(4));
  if (type == kH265NalFu) {
    if (payload.size() < 3 || !(payload[2] & 0x80)) return false;
    const uint8_t inner = payload[2] & 0x3F;
    return inner >= kH265NalBlaWLp && inner <= 21;
  }
  return opens(payload);
}

const PayloadFormat kH265{
    "H265",
    "RFC 7798",
    AV_CODEC_ID_HEVC,
    90000,
    [] { return std::unique_ptr<Depacketizer>(new H265PayloadDepacketizer); },
    &packetize_h265,
    &h265_sps_picture_size,
    &is_h265_parameter_set,
    &opens_h265_keyframe,
};

}  // namespace

const PayloadFormat& h265_payload_format() {
  return kH265;
}

}  // namespace flowcast::media
