// H.264 over RTP, RFC 6184 packetization-mode 1, as a PayloadFormat: the
// packetizer and NAL unit rules of media/payload/h264_packetizer, the SPS
// reader of media/payload/h264_sps, the SDP's fmtp (§8.1), the hidden-picture
// mark, and libx264.
#include <cstdio>

#include "media/ffmpeg/base64.hpp"
#include "media/payload/fmtp.hpp"
#include "media/payload/h264_fmtp.hpp"
#include "media/payload/h264_hidden_picture.hpp"
#include "media/payload/h264_packetizer.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::media {
namespace {

bool is_h264_parameter_set(std::span<const uint8_t> nal) {
  if (nal.empty()) return false;
  const uint8_t type = nal[0] & 0x1F;
  return type == kNalTypeSps || type == kNalTypePps;
}

// A VCL NAL unit (§7.4.1.2: types 1 to 5).
bool is_h264_slice(std::span<const uint8_t> nal) {
  if (nal.empty()) return false;
  const uint8_t type = nal[0] & 0x1F;
  return type >= 1 && type <= 5;
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

// packetization-mode 1, the profile-level-id of the SPS, the SPS and PPS.
std::optional<FormatParameters> describe_h264(const std::vector<std::span<const uint8_t>>& nals) {
  const auto sets = find_parameter_sets(nals);
  if (!sets) return std::nullopt;
  FormatParameters p;
  char hex[7];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x", sets->sps.at(1), sets->sps.at(2), sets->sps.at(3));
  p.profile_level_id = hex;
  p.parameter_sets = {sets->sps, sets->pps};
  return p;
}

std::string write_h264_fmtp(const FormatParameters& p) {
  std::string fmtp = "packetization-mode=" + std::to_string(p.packetization_mode);
  if (!p.profile_level_id.empty()) fmtp += ";profile-level-id=" + p.profile_level_id;
  std::string sprop;
  for (const auto& set : p.parameter_sets) {
    if (!sprop.empty()) sprop += ',';
    sprop += base64_encode(set);
  }
  if (!sprop.empty()) fmtp += ";sprop-parameter-sets=" + sprop;
  return fmtp;
}

void read_h264_fmtp(const FmtpItems& items, FormatParameters& p) {
  p.packetization_mode = 0;  // RFC 6184: absent means single NAL mode
  for (const auto& [key, value] : items) {
    if (key == "packetization-mode") {
      auto mode = parse_fmtp_uint(value, 2);
      if (!mode)
        throw FormatParameterError("packetization-mode=" + std::string(value) +
                                   " is not 0, 1 or 2");
      if (*mode == 2)
        throw FormatParameterError(
            "packetization-mode=2 (interleaved) is not supported: send mode 0 or 1");
      p.packetization_mode = static_cast<int>(*mode);
    } else if (key == "profile-level-id") {
      p.profile_level_id = std::string(value);
    } else if (key == "sprop-parameter-sets") {
      for (std::string_view set : parameter_set_list(value)) {
        if (p.parameter_sets.size() == kMaxParameterSets)
          throw FormatParameterError("sprop-parameter-sets holds more than " +
                                     std::to_string(kMaxParameterSets) + " parameter sets");
        p.parameter_sets.push_back(decode_parameter_set(set));
      }
    }
  }
}

const PayloadFormat kH264{
    .encoding_name = "H264",
    .specification = "RFC 6184",
    .display_name = "H.264",
    .option_name = "h264",
    .codec_id = AV_CODEC_ID_H264,
    .clock_rate = 90000,
    .annexb_filter = "h264_mp4toannexb",
    .frame_filter = {},
    .parser_orders_pictures = true,
    .ticks_per_frame = 2,
    .encoder =
        {
            .name = "libx264",
            .default_preset = "veryfast",
            .params_option = "x264-params",
            .extra_params = "",
            .slice_size_param = "slice-max-size",
            .forced_idr = false,
        },
    .make_depacketizer =
        [] { return std::unique_ptr<Depacketizer>(new NalDepacketizer(h264_nal_rules())); },
    .packetize = &packetize_h264,
    .picture_size = &h264_sps_picture_size,
    .is_parameter_set = &is_h264_parameter_set,
    .is_slice = &is_h264_slice,
    .opens_keyframe = &opens_h264_keyframe,
    .describe = &describe_h264,
    .write_fmtp = &write_h264_fmtp,
    .read_fmtp = &read_h264_fmtp,
    .is_hidden = &is_h264_hidden,
    .mark_hidden = &mark_h264_hidden,
};

}  // namespace

std::optional<H264ParameterSets> find_parameter_sets(
    const std::vector<std::span<const uint8_t>>& nals) {
  H264ParameterSets sets;
  for (std::span<const uint8_t> nal : nals) {
    if (nal.empty()) continue;
    const uint8_t type = nal[0] & 0x1F;
    if (type == kNalTypeSps && sets.sps.empty() && nal.size() >= 4)
      sets.sps.assign(nal.begin(), nal.end());
    else if (type == kNalTypePps && sets.pps.empty())
      sets.pps.assign(nal.begin(), nal.end());
  }
  if (sets.sps.empty() || sets.pps.empty()) return std::nullopt;
  return sets;
}

const PayloadFormat& h264_payload_format() {
  return kH264;
}

}  // namespace flowcast::media
