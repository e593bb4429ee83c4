// H.264 over RTP, RFC 6184 packetization-mode 1, as a PayloadFormat: the
// packetizer and depacketizer of media/h264_packetizer, the SPS reader of
// media/h264_sps.
#include "media/payload/h264_packetizer.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::media {
namespace {

class H264PayloadDepacketizer : public Depacketizer {
 public:
  void push(std::span<const uint8_t> payload, bool gap_before) override {
    depacketizer_.push(payload, gap_before);
  }
  DepacketizedUnit finish() override {
    H264Depacketizer::AccessUnit au = depacketizer_.finish();
    DepacketizedUnit out;
    out.annexb = std::move(au.annexb);
    out.complete = au.complete;
    out.keyframe = au.has_idr;
    out.parameter_sets = au.has_sps;
    out.dropped_nals = au.dropped_nals;
    out.truncated_nals = au.truncated_nals;
    out.nonconformant_packets = au.nonconformant_packets;
    return out;
  }

 private:
  H264Depacketizer depacketizer_;
};

bool is_h264_parameter_set(std::span<const uint8_t> nal) {
  if (nal.empty()) return false;
  const uint8_t type = nal[0] & 0x1F;
  return type == kNalTypeSps || type == kNalTypePps;
}

// An IDR slice, SPS, PPS or access unit delimiter; in a STAP-A its first
// NAL unit; in an FU-A the start of an IDR slice.
bool opens_h264_keyframe(std::span<const uint8_t> payload) {
  if (payload.empty() || (payload[0] & 0x80)) return false;
  const auto opens = [](uint8_t type) {
    return type == kNalTypeIdr || type == kNalTypeSps || type == kNalTypePps || type == kNalTypeAud;
  };
  const uint8_t type = payload[0] & 0x1F;
  if (type == kNalTypeStapA) return payload.size() > 3 && opens(payload[3] & 0x1F);
  if (type == kNalTypeFuA)
    return payload.size() > 1 && (payload[1] & 0x80) && (payload[1] & 0x1F) == kNalTypeIdr;
  return opens(type);
}

const PayloadFormat kH264{
    "H264",
    "RFC 6184",
    AV_CODEC_ID_H264,
    90000,
    [] { return std::unique_ptr<Depacketizer>(new H264PayloadDepacketizer); },
    &packetize_h264,
    &h264_sps_picture_size,
    &is_h264_parameter_set,
    &opens_h264_keyframe,
};

}  // namespace

const PayloadFormat& h264_payload_format() {
  return kH264;
}

}  // namespace flowcast::media
