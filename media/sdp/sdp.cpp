#include "media/sdp/sdp.hpp"

#include <cstdio>

#include "media/payload/fmtp.hpp"

namespace flowcast::media {

std::optional<SdpDescription> describe_stream(const PayloadFormat& format,
                                              const std::vector<std::span<const uint8_t>>& nals,
                                              std::string address, uint16_t port) {
  auto parameters = format.describe(nals);
  if (!parameters) return std::nullopt;
  SdpDescription d;
  d.connection_address = std::move(address);
  d.port = port;
  d.encoding_name = std::string(format.encoding_name);
  d.clock_rate = format.clock_rate;
  d.packetization_mode = parameters->packetization_mode;
  d.profile_level_id = std::move(parameters->profile_level_id);
  d.parameter_sets = std::move(parameters->parameter_sets);
  return d;
}

SdpDescription describe_h264_stream(const H264ParameterSets& sets, std::string address,
                                    uint16_t port) {
  auto d = describe_stream(h264_payload_format(), {sets.sps, sets.pps}, std::move(address), port);
  if (!d) throw std::invalid_argument("describe_h264_stream: an SPS of at least 4 bytes and a PPS");
  return std::move(*d);
}

SdpDescription describe_h265_stream(std::vector<std::vector<uint8_t>> parameter_sets,
                                    std::string address, uint16_t port) {
  SdpDescription d;
  d.connection_address = std::move(address);
  d.port = port;
  d.encoding_name = std::string(h265_payload_format().encoding_name);
  d.parameter_sets = std::move(parameter_sets);
  return d;
}

namespace {
std::string family(const std::string& address) {
  return address.find(':') == std::string::npos ? "IP4 " : "IP6 ";
}

std::string write_session(const SdpDescription& d) {
  const std::string id = std::to_string(d.session_id);
  std::string text;
  text += "v=0\r\n";
  text += "o=- " + id + " " + id + " IN " + family(d.origin_address) + d.origin_address + "\r\n";
  text += "s=flowcast\r\n";
  text += "c=IN " + family(d.connection_address) + d.connection_address + "\r\n";
  text += "t=0 0\r\n";
  if (d.range_end_s) {
    // RFC 2326 Appendix C.1.5: a stored presentation's length, at session level.
    char range[64];
    std::snprintf(range, sizeof range, "a=range:npt=0-%.3f\r\n", *d.range_end_s);
    text += range;
  }
  return text;
}

std::string write_media(const SdpDescription& d) {
  const std::string pt = std::to_string(d.payload_type);
  const PayloadFormat* format = d.media == "audio" ? find_audio_payload_format(d.encoding_name)
                                                   : find_payload_format(d.encoding_name);
  if (!format)
    throw SdpError("cannot describe " + quote_fmtp(d.encoding_name) + ": flowcast sends " +
                   payload_format_names());
  FormatParameters parameters{d.packetization_mode, d.profile_level_id, d.parameter_sets, d.config};
  const std::string fmtp = format->write_fmtp(parameters);
  const uint32_t clock = format->clock_rate ? format->clock_rate : d.clock_rate;
  uint32_t channels = format->channels ? format->channels : d.channels;
  // RFC 8866 §6.6: one channel may go unsaid, and a format with a fixed
  // clock is named as RFC 3551's table names it ("PCMU/8000").
  if (channels == 1 && format->clock_rate != 0 && format->media == "audio") channels = 0;
  std::string text;
  text +=
      "m=" + std::string(format->media) + " " + std::to_string(d.port) + " RTP/AVP " + pt + "\r\n";
  if (d.rtcp_port) text += "a=rtcp:" + std::to_string(*d.rtcp_port) + "\r\n";
  if (d.rtcp_mux) text += "a=rtcp-mux\r\n";
  text += "a=rtpmap:" + pt + " " + std::string(format->encoding_name) + "/" +
          std::to_string(clock) + (channels ? "/" + std::to_string(channels) : "") + "\r\n";
  if (!fmtp.empty()) text += "a=fmtp:" + pt + " " + fmtp + "\r\n";
  if (!d.control.empty()) text += "a=control:" + d.control + "\r\n";
  return text;
}
}  // namespace

std::string write_sdp(const SdpDescription& d) {
  const std::string media = write_media(d);
  return write_session(d) + media;
}

std::string write_sdp(std::span<const SdpDescription> streams) {
  if (streams.empty()) throw SdpError("no stream to describe");
  std::string media;
  for (const auto& d : streams) media += write_media(d);
  return write_session(streams.front()) + media;
}

}  // namespace flowcast::media
