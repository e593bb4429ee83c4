#include "media/sdp/sdp.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <map>

#include "media/payload/fmtp.hpp"

namespace flowcast::media {
namespace {

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::string_view w : split_fmtp(s, ' '))
    if (!trim_fmtp(w).empty()) out.push_back(trim_fmtp(w));
  return out;
}

struct Connection {
  std::string address;
};

// "IN IP4 192.0.2.1", "IN IP4 233.252.0.1/127", "IN IP6 ::1".
Connection parse_connection(std::string_view value) {
  const auto w = words(value);
  if (w.size() != 3 || w[0] != "IN" || (w[1] != "IP4" && w[1] != "IP6"))
    throw SdpError("c=" + std::string(value) + " is not 'IN IP4 address' or 'IN IP6 address'");
  const std::string_view address = w[2].substr(0, w[2].find('/'));
  // RFC 8866 §5.7: a host name or an IP literal. Anything else (a control
  // character, a space) cannot be written back or resolved.
  const bool valid = !address.empty() && std::all_of(address.begin(), address.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-' ||
           c == '_' || c == '%';
  });
  if (!valid) throw SdpError("c=" + std::string(value) + " does not name an address");
  return {std::string(address)};
}

struct Rtpmap {
  std::string encoding;
  uint32_t clock_rate = 0;
};

// The video section's attributes we use, keyed by payload type.
struct VideoSection {
  uint16_t port = 0;
  std::vector<uint8_t> formats;
  std::optional<Connection> connection;
  std::map<uint8_t, Rtpmap> rtpmaps;
  std::map<uint8_t, std::string> fmtps;
  std::optional<uint16_t> rtcp_port;
  bool rtcp_mux = false;
  std::optional<std::string> control;
};

void parse_video_attribute(std::string_view value, VideoSection& section) {
  const size_t colon = value.find(':');
  const std::string name = lower_fmtp(value.substr(0, colon));
  const std::string_view rest = colon == std::string_view::npos ? "" : value.substr(colon + 1);
  if (name == "rtcp-mux") {
    section.rtcp_mux = true;
    return;
  }
  if (name == "control") {
    section.control = std::string(trim_fmtp(rest));
    return;
  }
  if (name != "rtpmap" && name != "fmtp" && name != "rtcp") return;
  const size_t space = rest.find(' ');
  const std::string_view head = rest.substr(0, space);
  const std::string_view tail =
      space == std::string_view::npos ? "" : trim_fmtp(rest.substr(space));
  if (name == "rtcp") {
    auto port = parse_fmtp_uint(head, 65535);
    if (!port || *port == 0) throw SdpError("a=rtcp:" + std::string(rest) + " has no valid port");
    section.rtcp_port = static_cast<uint16_t>(*port);
    return;
  }
  auto pt = parse_fmtp_uint(head, 127);
  if (!pt) throw SdpError("a=" + name + ":" + std::string(rest) + " has no valid payload type");
  if (name == "fmtp") {
    section.fmtps[static_cast<uint8_t>(*pt)] = std::string(tail);
    return;
  }
  // rtpmap: <encoding name>/<clock rate>[/<encoding parameters>]
  const auto parts = split_fmtp(tail, '/');
  const uint32_t rate =
      parts.size() >= 2 ? parse_fmtp_uint(trim_fmtp(parts[1]), 10'000'000).value_or(0) : 0;
  if (trim_fmtp(parts[0]).empty() || rate == 0)
    throw SdpError("a=rtpmap:" + std::string(rest) + " is not 'PT NAME/RATE'");
  section.rtpmaps[static_cast<uint8_t>(*pt)] = {std::string(trim_fmtp(parts[0])), rate};
}

// m=video <port>[/<count>] <proto> <fmt> ...: true if it is RTP we can read.
bool parse_media(std::string_view value, VideoSection& section, std::string& skipped) {
  const auto w = words(value);
  if (w.size() < 4 || w[0] != "video") return false;
  const std::string proto = w[2] == "RTP/AVP" || w[2] == "RTP/AVPF" ? "" : std::string(w[2]);
  if (!proto.empty()) {
    skipped = "its m=video uses " + proto + ", not plain RTP (RTP/AVP or RTP/AVPF)";
    return false;
  }
  auto port = parse_fmtp_uint(w[1].substr(0, w[1].find('/')), 65535);
  if (!port) throw SdpError("m=" + std::string(value) + " has no valid port");
  section.port = static_cast<uint16_t>(*port);
  for (size_t i = 3; i < w.size(); ++i) {
    auto pt = parse_fmtp_uint(w[i], 127);
    if (!pt)
      throw SdpError("m=" + std::string(value) + " lists " + quote_fmtp(w[i]) +
                     ", which is not an RTP payload type");
    section.formats.push_back(static_cast<uint8_t>(*pt));
  }
  return true;
}

}  // namespace

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
  const uint32_t channels = format->channels ? format->channels : d.channels;
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

SdpDescription parse_sdp(std::string_view text) {
  if (text.size() > kMaxSdpBytes)
    throw SdpError("it is larger than 64 KiB, which no stream description is");
  const auto lines = split_fmtp(text, '\n');
  if (trim_fmtp(lines.front()) != "v=0")
    throw SdpError("it is not SDP: it does not begin with v=0");

  std::optional<Connection> session_connection;
  std::optional<std::string> session_control;
  VideoSection video;
  bool in_media = false;  // past the first m= line
  bool in_video = false;  // inside the section we read
  bool found_video = false;
  std::string skipped;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = trim_fmtp(lines[i]);
    if (line.empty()) continue;
    if (line.size() < 2 || line[1] != '=')
      throw SdpError("line " + std::to_string(i + 1) + " " + quote_fmtp(line) +
                     " is not of the form x=value");
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (type == 'm') {
      in_media = true;
      in_video = !found_video && parse_media(value, video, skipped);
      found_video = found_video || in_video;
    } else if (type == 'c') {
      if (!in_media)
        session_connection = parse_connection(value);
      else if (in_video)
        video.connection = parse_connection(value);
    } else if (type == 'a' && in_video) {
      parse_video_attribute(value, video);
    } else if (type == 'a' && !in_media && value.substr(0, 8) == "control:") {
      session_control = std::string(trim_fmtp(value.substr(8)));
    }
  }
  if (!found_video)
    throw SdpError(skipped.empty() ? "it describes no video stream (no m=video line)" : skipped);

  SdpDescription d;
  const auto connection = video.connection ? video.connection : session_connection;
  if (!connection) throw SdpError("it gives no address for its video (no c= line)");
  d.connection_address = connection->address;
  d.port = video.port;
  d.rtcp_port = video.rtcp_port;
  d.rtcp_mux = video.rtcp_mux;
  d.control = video.control.value_or(session_control.value_or(""));
  // The first of the video's payload types whose rtpmap names a format
  // flowcast plays (media/payload/payload_format.hpp).
  const PayloadFormat* format = nullptr;
  for (uint8_t pt : video.formats) {
    auto it = video.rtpmaps.find(pt);
    if (it == video.rtpmaps.end()) continue;
    format = find_payload_format(it->second.encoding);
    if (format) {
      d.payload_type = pt;
      break;
    }
  }
  if (!format) {
    std::string offered;
    for (const auto& [pt, map] : video.rtpmaps) {
      offered += ' ' + std::to_string(pt) + ' ';
      offered += map.encoding + '/' + std::to_string(map.clock_rate);
    }
    std::string wanted;
    for (const PayloadFormat* f : payload_formats()) {
      if (!wanted.empty()) wanted += " or ";
      wanted += std::string(f->encoding_name) + "/" + std::to_string(f->clock_rate);
    }
    throw SdpError("its video is not " + payload_format_names() + " (no a=rtpmap:PT " + wanted +
                   " for the m=video formats" +
                   (offered.empty() ? std::string() : "; it maps" + offered) + ")");
  }
  d.encoding_name = std::string(format->encoding_name);
  d.clock_rate = video.rtpmaps[d.payload_type].clock_rate;
  if (d.clock_rate != format->clock_rate)
    throw SdpError("its " + d.encoding_name + " clock rate is " + std::to_string(d.clock_rate) +
                   ", but " + std::string(format->specification) + " fixes it at " +
                   std::to_string(format->clock_rate));
  FormatParameters parameters{d.packetization_mode, d.profile_level_id, {}, {}};
  try {
    format->read_fmtp(fmtp_items(video.fmtps[d.payload_type]), parameters);
  } catch (const FormatParameterError& e) {
    throw SdpError(e.what());
  }
  d.packetization_mode = parameters.packetization_mode;
  d.profile_level_id = std::move(parameters.profile_level_id);
  d.parameter_sets = std::move(parameters.parameter_sets);
  return d;
}

}  // namespace flowcast::media
