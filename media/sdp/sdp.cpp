#include "media/sdp/sdp.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <map>

#include "media/ffmpeg/base64.hpp"
#include "media/payload/h264_packetizer.hpp"
#include "media/payload/h265_packetizer.hpp"

extern "C" {
#include <libavutil/base64.h>
}

namespace flowcast::media {
namespace {

constexpr uint32_t kH264ClockRate = 90000;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t at = s.find(separator);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::string_view w : split(s, ' '))
    if (!trim(w).empty()) out.push_back(trim(w));
  return out;
}

// A decimal in [0, max]; nullopt for anything else (signs, garbage, overflow).
std::optional<uint32_t> parse_uint(std::string_view s, uint32_t max) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || v > max) return std::nullopt;
  return v;
}

std::string quoted(std::string_view s) {
  constexpr size_t kShown = 60;
  std::string out = "'" + std::string(s.substr(0, kShown));
  if (s.size() > kShown) out += "...";
  return out + "'";
}

std::vector<uint8_t> unbase64(std::string_view text) {
  const bool alphabet = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
  });
  const std::string in(text);
  std::vector<uint8_t> out(AV_BASE64_DECODE_SIZE(in.size()) + 1);
  const int n =
      alphabet ? av_base64_decode(out.data(), in.c_str(), static_cast<int>(out.size())) : -1;
  if (n <= 0) throw SdpError("sprop-parameter-sets: " + quoted(text) + " is not base64");
  out.resize(static_cast<size_t>(n));
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
  const std::string name = lower(value.substr(0, colon));
  const std::string_view rest = colon == std::string_view::npos ? "" : value.substr(colon + 1);
  if (name == "rtcp-mux") {
    section.rtcp_mux = true;
    return;
  }
  if (name == "control") {
    section.control = std::string(trim(rest));
    return;
  }
  if (name != "rtpmap" && name != "fmtp" && name != "rtcp") return;
  const size_t space = rest.find(' ');
  const std::string_view head = rest.substr(0, space);
  const std::string_view tail = space == std::string_view::npos ? "" : trim(rest.substr(space));
  if (name == "rtcp") {
    auto port = parse_uint(head, 65535);
    if (!port || *port == 0) throw SdpError("a=rtcp:" + std::string(rest) + " has no valid port");
    section.rtcp_port = static_cast<uint16_t>(*port);
    return;
  }
  auto pt = parse_uint(head, 127);
  if (!pt) throw SdpError("a=" + name + ":" + std::string(rest) + " has no valid payload type");
  if (name == "fmtp") {
    section.fmtps[static_cast<uint8_t>(*pt)] = std::string(tail);
    return;
  }
  // rtpmap: <encoding name>/<clock rate>[/<encoding parameters>]
  const auto parts = split(tail, '/');
  const uint32_t rate = parts.size() >= 2 ? parse_uint(trim(parts[1]), 10'000'000).value_or(0) : 0;
  if (trim(parts[0]).empty() || rate == 0)
    throw SdpError("a=rtpmap:" + std::string(rest) + " is not 'PT NAME/RATE'");
  section.rtpmaps[static_cast<uint8_t>(*pt)] = {std::string(trim(parts[0])), rate};
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
  auto port = parse_uint(w[1].substr(0, w[1].find('/')), 65535);
  if (!port) throw SdpError("m=" + std::string(value) + " has no valid port");
  section.port = static_cast<uint16_t>(*port);
  for (size_t i = 3; i < w.size(); ++i) {
    auto pt = parse_uint(w[i], 127);
    if (!pt)
      throw SdpError("m=" + std::string(value) + " lists " + quoted(w[i]) +
                     ", which is not an RTP payload type");
    section.formats.push_back(static_cast<uint8_t>(*pt));
  }
  return true;
}

// An H.265 parameter set's bucket in the SDP (RFC 7798 §7.1): by its own
// NAL unit type, so reading and writing agree whatever a sender put where.
enum class H265Set { vps, sps, pps };
H265Set h265_set_of(const std::vector<uint8_t>& nal) {
  const uint8_t type = h265_nal_type(nal);
  return type == kH265NalVps ? H265Set::vps : type == kH265NalPps ? H265Set::pps : H265Set::sps;
}

// The H.265 fmtp parameters (RFC 7798 §7.1): sprop-vps, sprop-sps and
// sprop-pps, in that order; DONL (sprop-max-don-diff > 0) is refused.
void parse_h265_fmtp(std::string_view fmtp, SdpDescription& d) {
  std::vector<std::vector<uint8_t>> buckets[3];
  size_t count = 0;
  for (std::string_view item : split(fmtp, ';')) {
    item = trim(item);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const std::string key = lower(trim(item.substr(0, eq)));
    const std::string_view value = eq == std::string_view::npos ? "" : trim(item.substr(eq + 1));
    if (key == "sprop-max-don-diff") {
      auto diff = parse_uint(value, 32767);
      if (!diff) throw SdpError("sprop-max-don-diff=" + std::string(value) + " is not a number");
      if (*diff > 0)
        throw SdpError("sprop-max-don-diff=" + std::string(value) +
                       " (decoding order numbers) is not supported: send without DONL");
    } else if (key == "sprop-vps" || key == "sprop-sps" || key == "sprop-pps") {
      for (std::string_view set : split(value, ',')) {
        if (trim(set).empty()) continue;
        if (++count > kMaxParameterSets)
          throw SdpError(key + " and its kind hold more than " + std::to_string(kMaxParameterSets) +
                         " parameter sets");
        auto nal = unbase64(trim(set));
        buckets[static_cast<int>(h265_set_of(nal))].push_back(std::move(nal));
      }
    }
  }
  for (auto& bucket : buckets)
    for (auto& nal : bucket) d.parameter_sets.push_back(std::move(nal));
}

// The H.264 fmtp parameters (RFC 6184 §8.1) into the description.
void parse_fmtp(std::string_view fmtp, SdpDescription& d) {
  d.packetization_mode = 0;  // RFC 6184: absent means single NAL mode
  for (std::string_view item : split(fmtp, ';')) {
    item = trim(item);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const std::string key = lower(trim(item.substr(0, eq)));
    const std::string_view value = eq == std::string_view::npos ? "" : trim(item.substr(eq + 1));
    if (key == "packetization-mode") {
      auto mode = parse_uint(value, 2);
      if (!mode) throw SdpError("packetization-mode=" + std::string(value) + " is not 0, 1 or 2");
      if (*mode == 2)
        throw SdpError("packetization-mode=2 (interleaved) is not supported: send mode 0 or 1");
      d.packetization_mode = static_cast<int>(*mode);
    } else if (key == "profile-level-id") {
      d.profile_level_id = std::string(value);
    } else if (key == "sprop-parameter-sets") {
      for (std::string_view set : split(value, ',')) {
        if (trim(set).empty()) continue;
        if (d.parameter_sets.size() == kMaxParameterSets)
          throw SdpError("sprop-parameter-sets holds more than " +
                         std::to_string(kMaxParameterSets) + " parameter sets");
        d.parameter_sets.push_back(unbase64(trim(set)));
      }
    }
  }
}

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

SdpDescription describe_h264_stream(const H264ParameterSets& sets, std::string address,
                                    uint16_t port) {
  SdpDescription d;
  d.connection_address = std::move(address);
  d.port = port;
  char hex[7];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x", sets.sps.at(1), sets.sps.at(2), sets.sps.at(3));
  d.profile_level_id = hex;
  d.parameter_sets = {sets.sps, sets.pps};
  return d;
}

SdpDescription describe_h265_stream(std::vector<std::vector<uint8_t>> parameter_sets,
                                    std::string address, uint16_t port) {
  SdpDescription d;
  d.connection_address = std::move(address);
  d.port = port;
  d.encoding_name = "H265";
  d.parameter_sets = std::move(parameter_sets);
  return d;
}

std::string write_sdp(const SdpDescription& d) {
  auto family = [](const std::string& address) -> std::string {
    return address.find(':') == std::string::npos ? "IP4 " : "IP6 ";
  };
  const std::string pt = std::to_string(d.payload_type);
  const std::string id = std::to_string(d.session_id);
  std::string sprop;
  for (const auto& set : d.parameter_sets) {
    if (!sprop.empty()) sprop += ',';
    sprop += base64_encode(set);
  }
  const bool h265 = lower(d.encoding_name) == "h265";
  std::string fmtp;
  if (h265) {
    std::string sets[3];
    for (const auto& set : d.parameter_sets) {
      std::string& bucket = sets[static_cast<int>(h265_set_of(set))];
      if (!bucket.empty()) bucket += ',';
      bucket += base64_encode(set);
    }
    const char* keys[3] = {"sprop-vps", "sprop-sps", "sprop-pps"};
    for (int i = 0; i < 3; ++i) {
      if (sets[i].empty()) continue;
      if (!fmtp.empty()) fmtp += ';';
      fmtp += std::string(keys[i]) + "=" + sets[i];
    }
  } else {
    fmtp = "packetization-mode=" + std::to_string(d.packetization_mode);
    if (!d.profile_level_id.empty()) fmtp += ";profile-level-id=" + d.profile_level_id;
    if (!sprop.empty()) fmtp += ";sprop-parameter-sets=" + sprop;
  }
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
  text += "m=video " + std::to_string(d.port) + " RTP/AVP " + pt + "\r\n";
  if (d.rtcp_port) text += "a=rtcp:" + std::to_string(*d.rtcp_port) + "\r\n";
  if (d.rtcp_mux) text += "a=rtcp-mux\r\n";
  text += "a=rtpmap:" + pt + (h265 ? " H265/" : " H264/") + std::to_string(d.clock_rate) + "\r\n";
  if (!fmtp.empty()) text += "a=fmtp:" + pt + " " + fmtp + "\r\n";
  if (!d.control.empty()) text += "a=control:" + d.control + "\r\n";
  return text;
}

SdpDescription parse_sdp(std::string_view text) {
  if (text.size() > kMaxSdpBytes)
    throw SdpError("it is larger than 64 KiB, which no stream description is");
  const auto lines = split(text, '\n');
  if (trim(lines.front()) != "v=0") throw SdpError("it is not SDP: it does not begin with v=0");

  std::optional<Connection> session_connection;
  std::optional<std::string> session_control;
  VideoSection video;
  bool in_media = false;  // past the first m= line
  bool in_video = false;  // inside the section we read
  bool found_video = false;
  std::string skipped;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = trim(lines[i]);
    if (line.empty()) continue;
    if (line.size() < 2 || line[1] != '=')
      throw SdpError("line " + std::to_string(i + 1) + " " + quoted(line) +
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
      session_control = std::string(trim(value.substr(8)));
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
  // flowcast plays: H264 (RFC 6184) or H265 (RFC 7798).
  const auto known = std::find_if(video.formats.begin(), video.formats.end(), [&](uint8_t pt) {
    auto it = video.rtpmaps.find(pt);
    if (it == video.rtpmaps.end()) return false;
    const std::string name = lower(it->second.encoding);
    return name == "h264" || name == "h265";
  });
  if (known == video.formats.end()) {
    std::string offered;
    for (const auto& [pt, map] : video.rtpmaps) {
      offered += ' ' + std::to_string(pt) + ' ';
      offered += map.encoding + '/' + std::to_string(map.clock_rate);
    }
    throw SdpError(
        "its video is not H.264 or H.265 (no a=rtpmap:PT H264/90000 or H265/90000 "
        "for the m=video formats" +
        (offered.empty() ? std::string() : "; it maps" + offered) + ")");
  }
  d.payload_type = *known;
  const bool h265 = lower(video.rtpmaps[d.payload_type].encoding) == "h265";
  d.encoding_name = h265 ? "H265" : "H264";
  d.clock_rate = video.rtpmaps[d.payload_type].clock_rate;
  if (d.clock_rate != kH264ClockRate)
    throw SdpError(
        "its " + d.encoding_name + " clock rate is " + std::to_string(d.clock_rate) +
        (h265 ? ", but RFC 7798 fixes it at 90000" : ", but RFC 6184 fixes it at 90000"));
  if (h265)
    parse_h265_fmtp(video.fmtps[d.payload_type], d);
  else
    parse_fmtp(video.fmtps[d.payload_type], d);
  return d;
}

}  // namespace flowcast::media
