// H.265 over RTP, RFC 7798 without DONL, as a PayloadFormat: the packetizer,
// NAL unit rules and SPS size reader of media/payload/h265_packetizer, the
// SDP's fmtp (§7.1: sprop-vps, sprop-sps, sprop-pps), and libx265.
#include "media/ffmpeg/base64.hpp"
#include "media/payload/fmtp.hpp"
#include "media/payload/h265_packetizer.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::media {

namespace {

bool is_h265_parameter_set(std::span<const uint8_t> nal) {
  const uint8_t type = h265_nal_type(nal);
  return nal.size() >= 2 && (type == kH265NalVps || type == kH265NalSps || type == kH265NalPps);
}

// A VCL NAL unit, one slice segment (§7.4.2.2: types 0 to 31).
bool is_h265_slice(std::span<const uint8_t> nal) {
  return !nal.empty() && h265_nal_type(nal) <= 31;
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

// A parameter set's bucket in the SDP (RFC 7798 §7.1): by its own NAL unit
// type, so reading and writing agree whatever a sender put where.
enum class H265Set { vps, sps, pps };
H265Set h265_set_of(const std::vector<uint8_t>& nal) {
  const uint8_t type = h265_nal_type(nal);
  return type == kH265NalVps ? H265Set::vps : type == kH265NalPps ? H265Set::pps : H265Set::sps;
}

// The first VPS, SPS and PPS, in the order they come.
std::optional<FormatParameters> describe_h265(const std::vector<std::span<const uint8_t>>& nals) {
  FormatParameters p;
  bool seen[3] = {};
  for (auto nal : nals) {
    const uint8_t type = h265_nal_type(nal);
    if (!is_h265_parameter_set(nal) || seen[type - kH265NalVps]) continue;
    seen[type - kH265NalVps] = true;
    p.parameter_sets.emplace_back(nal.begin(), nal.end());
  }
  if (!seen[0] || !seen[1] || !seen[2]) return std::nullopt;
  return p;
}

std::string write_h265_fmtp(const FormatParameters& p) {
  std::string sets[3];
  for (const auto& set : p.parameter_sets) {
    std::string& bucket = sets[static_cast<int>(h265_set_of(set))];
    if (!bucket.empty()) bucket += ',';
    bucket += base64_encode(set);
  }
  const char* keys[3] = {"sprop-vps", "sprop-sps", "sprop-pps"};
  std::string fmtp;
  for (int i = 0; i < 3; ++i) {
    if (sets[i].empty()) continue;
    if (!fmtp.empty()) fmtp += ';';
    fmtp += std::string(keys[i]) + "=" + sets[i];
  }
  return fmtp;
}

// sprop-vps, sprop-sps and sprop-pps, in that order whatever the line's;
// DONL (sprop-max-don-diff > 0) is refused.
void read_h265_fmtp(const FmtpItems& items, FormatParameters& p) {
  std::vector<std::vector<uint8_t>> buckets[3];
  size_t count = 0;
  for (const auto& [key, value] : items) {
    if (key == "sprop-max-don-diff") {
      auto diff = parse_fmtp_uint(value, 32767);
      if (!diff)
        throw FormatParameterError("sprop-max-don-diff=" + std::string(value) + " is not a number");
      if (*diff > 0)
        throw FormatParameterError("sprop-max-don-diff=" + std::string(value) +
                                   " (decoding order numbers) is not supported: send without DONL");
    } else if (key == "sprop-vps" || key == "sprop-sps" || key == "sprop-pps") {
      for (std::string_view set : parameter_set_list(value)) {
        if (++count > kMaxParameterSets)
          throw FormatParameterError(key + " and its kind hold more than " +
                                     std::to_string(kMaxParameterSets) + " parameter sets");
        auto nal = decode_parameter_set(set);
        buckets[static_cast<int>(h265_set_of(nal))].push_back(std::move(nal));
      }
    }
  }
  for (auto& bucket : buckets)
    for (auto& nal : bucket) p.parameter_sets.push_back(std::move(nal));
}

const PayloadFormat kH265{
    .encoding_name = "H265",
    .specification = "RFC 7798",
    .display_name = "H.265",
    .option_name = "h265",
    .codec_id = AV_CODEC_ID_HEVC,
    .clock_rate = 90000,
    .annexb_filter = "hevc_mp4toannexb",
    .frame_filter = {},
    .parser_orders_pictures = false,
    // libx265's veryfast makes about 20 pictures a second of 1280x720 on
    // two cores, not 30: ultrafast keeps up.
    .encoder =
        {
            .name = "libx265",
            .default_preset = "ultrafast",
            .params_option = "x265-params",
            .extra_params = ":log-level=error",
            .slice_size_param = "",
            .forced_idr = true,
        },
    .make_depacketizer =
        [] { return std::unique_ptr<Depacketizer>(new NalDepacketizer(h265_nal_rules())); },
    .packetize = &packetize_h265,
    .picture_size = &h265_sps_picture_size,
    .is_parameter_set = &is_h265_parameter_set,
    .is_slice = &is_h265_slice,
    .opens_keyframe = &opens_h265_keyframe,
    .describe = &describe_h265,
    .write_fmtp = &write_h265_fmtp,
    .read_fmtp = &read_h265_fmtp,
    // H.265 has no hidden-picture mark yet: its hidden pictures are shown, as
    // ffmpeg's own -f rtp shows them to other receivers.
    .is_hidden = nullptr,
    .mark_hidden = nullptr,
};

}  // namespace

const PayloadFormat& h265_payload_format() {
  return kH265;
}

}  // namespace flowcast::media
