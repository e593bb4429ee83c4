// G.711 over RTP, RFC 3551 §4.5.14, as two PayloadFormats: PCMU (mu-law)
// and PCMA (A-law), one octet a sample, 8000 Hz, mono, on the static
// payload types 0 and 8 (§6, Table 4). A payload is samples as they are,
// any number of them; flowcast sends 20 ms a packet (160 samples, §4.2's
// default packetization interval), each payload stamped with its first
// sample (PayloadFormat::packet_samples). The SDP says "PCMU/8000" (an
// a=rtpmap is written, though the static type would do without); there is
// no fmtp. The depacketizer hands each payload on as one frame.
#include <algorithm>

#include "media/payload/frame_depacketizer.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::media {
namespace {

// 20 ms at 8000 Hz, mono.
constexpr uint32_t kPacketSamples = 160;
// The most a unit holds: 500 ms at 8000 Hz (media/codec/audio_decoder's
// kMaxAudioFrameMs, past which a frame is rejected anyway).
constexpr size_t kMaxG711UnitBytes = 4000;

std::unique_ptr<Depacketizer> make_g711_depacketizer() {
  return make_frame_depacketizer(kMaxG711UnitBytes);
}

// Samples in payloads of kPacketSamples (the last may be shorter): a frame
// of 20 ms, as the source cuts them, is one payload. max_payload (at least
// a few hundred bytes in practice) never cuts one shorter.
std::vector<std::vector<uint8_t>> packetize_g711(std::span<const uint8_t> samples,
                                                 size_t /*max_payload*/) {
  std::vector<std::vector<uint8_t>> out;
  for (size_t at = 0; at < samples.size(); at += kPacketSamples) {
    const auto piece = samples.subspan(at, std::min<size_t>(kPacketSamples, samples.size() - at));
    out.emplace_back(piece.begin(), piece.end());
  }
  return out;
}

std::optional<FormatParameters> describe_g711(const std::vector<std::span<const uint8_t>>&) {
  return FormatParameters{};
}

std::string write_g711_fmtp(const FormatParameters&) {
  return "";
}

void read_g711_fmtp(const FmtpItems&, FormatParameters&) {}

// PCMU and PCMA differ in their names, codec and static payload type only.
PayloadFormat g711_format(std::string_view encoding_name, std::string_view display_name,
                          std::string_view option_name, AVCodecID codec_id,
                          int static_payload_type) {
  return {
      .media = "audio",
      .encoding_name = encoding_name,
      .specification = "RFC 3551",
      .display_name = display_name,
      .option_name = option_name,
      .codec_id = codec_id,
      .clock_rate = 8000,
      .channels = 0,
      .static_payload_type = static_payload_type,
      .packet_samples = kPacketSamples,
      // RFC 3551 §4.1: a sender without silence suppression sets the marker
      // on its first packet only.
      .marker_starts_talkspurt = true,
      .annexb_filter = {},
      .frame_filter = {},
      .encoder = {},
      .make_depacketizer = &make_g711_depacketizer,
      .packetize = &packetize_g711,
      .describe = &describe_g711,
      .write_fmtp = &write_g711_fmtp,
      .read_fmtp = &read_g711_fmtp,
  };
}

const PayloadFormat kPcmu = g711_format("PCMU", "G.711 mu-law", "pcmu", AV_CODEC_ID_PCM_MULAW, 0);
const PayloadFormat kPcma = g711_format("PCMA", "G.711 A-law", "pcma", AV_CODEC_ID_PCM_ALAW, 8);

}  // namespace

const PayloadFormat& pcmu_payload_format() {
  return kPcmu;
}

const PayloadFormat& pcma_payload_format() {
  return kPcma;
}

}  // namespace flowcast::media
