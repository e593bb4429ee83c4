// Opus over RTP, RFC 7587, as a PayloadFormat: one Opus packet (one to 120
// ms of sound, ~1275 bytes at most) is one RTP payload as it is (§4.2), on
// a 48 kHz clock whatever the sampling rate inside, and the SDP says
// "opus/48000/2" always (§7); no fmtp is needed (§6.1: stereo=0 and the
// rest are defaults). The depacketizer hands each payload on as one frame.
#include <algorithm>

#include "media/payload/frame_depacketizer.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::media {
namespace {

// RFC 6716 §3.4 R1: an Opus packet has at least one byte; §3.2.5's largest
// is 1275 bytes a frame, 48 frames at most (code 3): 61440 bytes bounds it.
constexpr size_t kMaxOpusPacketBytes = 61440;

std::unique_ptr<Depacketizer> make_opus_depacketizer() {
  return make_frame_depacketizer(kMaxOpusPacketBytes);
}

// One packet, one payload: an Opus packet is never fragmented (§4.2). One
// larger than max_payload is sent whole all the same (a 1200-byte MTU holds
// any single-frame packet), and an empty one not at all.
std::vector<std::vector<uint8_t>> packetize_opus(std::span<const uint8_t> packet,
                                                 size_t /*max_payload*/) {
  if (packet.empty() || packet.size() > kMaxOpusPacketBytes) return {};
  return {std::vector<uint8_t>(packet.begin(), packet.end())};
}

std::optional<FormatParameters> describe_opus(const std::vector<std::span<const uint8_t>>&) {
  return FormatParameters{};
}

std::string write_opus_fmtp(const FormatParameters&) {
  return "";
}

void read_opus_fmtp(const FmtpItems&, FormatParameters&) {}

const PayloadFormat kOpus = {
    .media = "audio",
    .encoding_name = "opus",
    .specification = "RFC 7587",
    .display_name = "Opus",
    .option_name = "opus",
    .codec_id = AV_CODEC_ID_OPUS,
    .clock_rate = 48000,
    .channels = 2,
    .marker_starts_talkspurt = true,
    .annexb_filter = {},
    .frame_filter = {},
    .encoder = {},
    .make_depacketizer = &make_opus_depacketizer,
    .packetize = &packetize_opus,
    .describe = &describe_opus,
    .write_fmtp = &write_opus_fmtp,
    .read_fmtp = &read_opus_fmtp,
};

}  // namespace

const PayloadFormat& opus_payload_format() {
  return kOpus;
}

}  // namespace flowcast::media
