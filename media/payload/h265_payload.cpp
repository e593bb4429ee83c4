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

const PayloadFormat kH265{
    "H265",
    "RFC 7798",
    AV_CODEC_ID_HEVC,
    90000,
    [] { return std::unique_ptr<Depacketizer>(new H265PayloadDepacketizer); },
    &packetize_h265,
    &h265_sps_picture_size,
    &is_h265_parameter_set,
};

}  // namespace

const PayloadFormat& h265_payload_format() {
  return kH265;
}

}  // namespace flowcast::media
