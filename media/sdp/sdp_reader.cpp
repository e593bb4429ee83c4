// The SDP reader of sdp.hpp: parse_sdp and parse_sdp_session.
#include <algorithm>
#include <cctype>
#include <map>

#include "media/payload/fmtp.hpp"
#include "media/sdp/sdp.hpp"

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
  // The encoding parameters (audio: the channels, RFC 8866 §6.6): none
  // when absent, 0 when not a number in 1..255.
  std::optional<uint32_t> channels;
};

// One m= section's attributes we use, keyed by payload type.
struct MediaSection {
  uint16_t port = 0;
  std::vector<uint8_t> formats;
  std::optional<Connection> connection;
  std::map<uint8_t, Rtpmap> rtpmaps;
  std::map<uint8_t, std::string> fmtps;
  std::optional<uint16_t> rtcp_port;
  bool rtcp_mux = false;
  std::optional<std::string> control;
};

void parse_attribute(std::string_view value, MediaSection& section) {
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
  Rtpmap map{std::string(trim_fmtp(parts[0])), rate, std::nullopt};
  if (parts.size() >= 3) map.channels = parse_fmtp_uint(trim_fmtp(parts[2]), 255).value_or(0);
  section.rtpmaps[static_cast<uint8_t>(*pt)] = std::move(map);
}

// A word from the SDP, fit for a message on a terminal.
std::string printable(std::string_view s) {
  std::string out(s.substr(0, 40));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  return out;
}

// m=<media> <port>[/<count>] <proto> <fmt> ...: true if it is RTP we can read.
bool parse_media(std::string_view value, std::string_view media, MediaSection& section,
                 std::string& skipped) {
  const auto w = words(value);
  if (w.size() < 4 || w[0] != media) return false;
  const std::string proto = w[2] == "RTP/AVP" || w[2] == "RTP/AVPF" ? "" : std::string(w[2]);
  if (!proto.empty()) {
    skipped = "its m=" + std::string(media) + " uses " + printable(proto) +
              ", not plain RTP (RTP/AVP or RTP/AVPF)";
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

// The audio encodings RFC 3551 §6 (Table 4) gives static payload types,
// which senders list without an a=rtpmap (ffmpeg's PCMU is "m=audio P
// RTP/AVP 0"), as an rtpmap would name them; nullopt for another type.
std::optional<Rtpmap> static_audio_rtpmap(uint8_t pt) {
  static constexpr std::string_view kNames[] = {
      "PCMU/8000",   "",           "",           "GSM/8000",  "G723/8000",
      "DVI4/8000",   "DVI4/16000", "LPC/8000",   "PCMA/8000", "G722/8000",
      "L16/44100/2", "L16/44100",  "QCELP/8000", "CN/8000",   "MPA/90000",
      "G728/8000",   "DVI4/11025", "DVI4/22050", "G729/8000"};
  if (pt >= std::size(kNames) || kNames[pt].empty()) return std::nullopt;
  const auto parts = split_fmtp(kNames[pt], '/');
  Rtpmap map{std::string(parts[0]), *parse_fmtp_uint(parts[1], 10'000'000), std::nullopt};
  if (parts.size() == 3) map.channels = parse_fmtp_uint(parts[2], 255);
  return map;
}

// "AAC (mpeg4-generic), Opus (opus), ... or G.711 A-law (PCMA)".
std::string audio_format_names() {
  std::string names;
  const auto formats = audio_payload_formats();
  for (size_t i = 0; i < formats.size(); ++i) {
    if (i > 0) names += i + 1 == formats.size() ? " or " : ", ";
    names +=
        std::string(formats[i]->display_name) + " (" + std::string(formats[i]->encoding_name) + ")";
  }
  return names;
}

// The audio stream of one m=audio section, or nullopt with the reason in
// why: the first of its payload types whose rtpmap names an audio payload
// format with a clock rate and channels it allows and an fmtp it reads.
std::optional<SdpDescription> read_audio(const MediaSection& s,
                                         const std::optional<Connection>& session_connection,
                                         std::string& why) {
  const auto connection = s.connection ? s.connection : session_connection;
  if (!connection) {
    why = "its m=audio gives no address (no c= line)";
    return std::nullopt;
  }
  std::string offered, problem;
  size_t listed = 0;
  for (uint8_t pt : s.formats) {
    const auto mapped = s.rtpmaps.find(pt);
    const auto known =
        mapped != s.rtpmaps.end() ? std::optional<Rtpmap>(mapped->second) : static_audio_rtpmap(pt);
    if (++listed <= 4) {
      if (!offered.empty()) offered += ", ";
      if (!known) {
        offered += "payload type " + std::to_string(pt) + " without a=rtpmap";
      } else {
        offered += printable(known->encoding) + "/" + std::to_string(known->clock_rate);
        if (known->channels) offered += "/" + std::to_string(*known->channels);
      }
    } else if (listed == 5) {
      offered += ", ...";
    }
    if (!known) continue;
    const Rtpmap& rtpmap = *known;
    const PayloadFormat* format = find_audio_payload_format(rtpmap.encoding);
    if (!format) continue;
    const std::string name(format->display_name);
    if (format->clock_rate && rtpmap.clock_rate != format->clock_rate) {
      problem = "its " + name + " audio's clock rate is " + std::to_string(rtpmap.clock_rate) +
                ", but " + std::string(format->specification) + " fixes it at " +
                std::to_string(format->clock_rate);
      continue;
    }
    // A format that fixes the rtpmap's channels (Opus: 2, RFC 7587 §7)
    // carries the stream's own in its frames.
    const uint32_t channels = format->channels ? format->channels : rtpmap.channels.value_or(1);
    if (channels == 0) {
      problem = "its " + name + " audio's a=rtpmap names no channel count in 1..255";
      continue;
    }
    FormatParameters parameters;
    const auto fmtp = s.fmtps.find(pt);
    try {
      format->read_fmtp(fmtp_items(fmtp == s.fmtps.end() ? "" : fmtp->second), parameters);
    } catch (const FormatParameterError& e) {
      problem = "its " + name + " audio's a=fmtp: " + e.what();
      continue;
    }
    SdpDescription d;
    d.media = "audio";
    d.connection_address = connection->address;
    d.port = s.port;
    d.rtcp_port = s.rtcp_port;
    d.rtcp_mux = s.rtcp_mux;
    d.payload_type = pt;
    d.encoding_name = std::string(format->encoding_name);
    d.clock_rate = rtpmap.clock_rate;
    d.channels = channels;
    d.config = std::move(parameters.config);
    d.control = s.control.value_or("");
    return d;
  }
  why = !problem.empty()
            ? problem
            : "its audio is " + (offered.empty() ? "of no format" : offered) +
                  ", which flowcast does not play (it plays " + audio_format_names() + ")";
  return std::nullopt;
}

}  // namespace

SdpSession parse_sdp_session(std::string_view text) {
  if (text.size() > kMaxSdpBytes)
    throw SdpError("it is larger than 64 KiB, which no stream description is");
  const auto lines = split_fmtp(text, '\n');
  if (trim_fmtp(lines.front()) != "v=0")
    throw SdpError("it is not SDP: it does not begin with v=0");

  SdpSession session;
  std::optional<Connection> session_connection;
  std::optional<std::string> session_control;
  MediaSection video;
  // Where the line being read belongs: the session (before the first m=),
  // the video section we read, an audio section, or a section we skip.
  enum class In { session, video, audio, other } in = In::session;
  bool found_video = false;
  std::string skipped;
  // The audio section being read (one at a time: each is judged when it
  // ends, until one plays), and the first line of it we could not read.
  std::optional<MediaSection> audio;
  std::string audio_error;
  const auto close_audio = [&] {
    if (!audio) return;
    std::string why = audio_error;
    if (why.empty()) session.audio = read_audio(*audio, session_connection, why);
    if (!session.audio && session.audio_ignored.empty()) session.audio_ignored = why;
    audio.reset();
    audio_error.clear();
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = trim_fmtp(lines[i]);
    if (line.empty()) continue;
    if (line.size() < 2 || line[1] != '=')
      throw SdpError("line " + std::to_string(i + 1) + " " + quote_fmtp(line) +
                     " is not of the form x=value");
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (type == 'm') {
      close_audio();
      in = In::other;
      if (!found_video && parse_media(value, "video", video, skipped)) {
        in = In::video;
        found_video = true;
      } else if (!session.audio && value.substr(0, 6) == "audio ") {
        // A malformed audio section is skipped, not an unusable SDP.
        audio.emplace();
        std::string not_rtp;
        try {
          if (parse_media(value, "audio", *audio, not_rtp)) in = In::audio;
        } catch (const SdpError& e) {
          audio_error = "its m=audio: " + std::string(e.what());
          in = In::audio;
        }
        if (in != In::audio) {
          audio.reset();
          if (session.audio_ignored.empty()) session.audio_ignored = not_rtp;
        }
      }
      continue;
    }
    if (in == In::audio) {
      if (!audio_error.empty()) continue;
      try {
        if (type == 'c') audio->connection = parse_connection(value);
        if (type == 'a') parse_attribute(value, *audio);
      } catch (const SdpError& e) {
        audio_error = "its m=audio: " + std::string(e.what());
      }
    } else if (type == 'c') {
      if (in == In::session)
        session_connection = parse_connection(value);
      else if (in == In::video)
        video.connection = parse_connection(value);
    } else if (type == 'a' && in == In::video) {
      parse_attribute(value, video);
    } else if (type == 'a' && in == In::session && value.substr(0, 8) == "control:") {
      session_control = std::string(trim_fmtp(value.substr(8)));
    }
  }
  close_audio();
  if (session.audio) session.audio_ignored.clear();
  if (!found_video && skipped.empty() && session.audio) {
    // Audio alone (a radio, a microphone): say what it is, and why it is not played.
    const SdpDescription& a = *session.audio;
    throw SdpError("it describes only audio (" + a.encoding_name + "/" +
                   std::to_string(a.clock_rate) + "/" + std::to_string(a.channels) +
                   ") and no video stream (no m=video line): flowcast plays video, with its "
                   "sound beside it");
  }
  if (!found_video)
    throw SdpError(skipped.empty() ? "it describes no video stream (no m=video line)" : skipped);

  SdpDescription& d = session.video;
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
  return session;
}

SdpDescription parse_sdp(std::string_view text) {
  return parse_sdp_session(text).video;
}

}  // namespace flowcast::media
