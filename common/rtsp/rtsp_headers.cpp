#include "common/rtsp/rtsp_headers.hpp"

#include <charconv>
#include <cstdio>
#include <system_error>

#include "common/rtsp/rtsp_text.hpp"

namespace flowcast::common {

using namespace rtsp_text;

namespace {

// "a-b" or "a" (then b = a + 1, as RFC 2326 §12.39 allows for ports).
template <typename T>
std::optional<std::pair<T, T>> range(std::string_view s) {
  const auto dash = s.find('-');
  const auto first = number<T>(s.substr(0, dash));
  if (!first) return std::nullopt;
  if (dash == std::string_view::npos) return std::pair<T, T>{*first, static_cast<T>(*first + 1)};
  const auto second = number<T>(s.substr(dash + 1));
  if (!second) return std::nullopt;
  return std::pair<T, T>{*first, *second};
}

// One npt-time (RFC 2326 §3.6): "now" gives nullopt in `now`.
bool parse_npt_time(std::string_view text, std::optional<double>& out) {
  text = trim(text);
  if (text == "now") {
    out.reset();
    return true;
  }
  if (text.empty() || text.size() > 32) return false;
  double seconds = 0;
  std::string_view rest = text;
  // H:MM:SS[.frac]: hours and minutes before the seconds.
  for (int part = 0; part < 2; ++part) {
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) break;
    const auto n = number<uint32_t>(rest.substr(0, colon));
    if (!n) return false;
    seconds = seconds * 60 + *n;
    rest = rest.substr(colon + 1);
  }
  if (rest.find(':') != std::string_view::npos) return false;
  double tail = 0;
  const auto [end, ec] =
      std::from_chars(rest.data(), rest.data() + rest.size(), tail, std::chars_format::fixed);
  if (ec != std::errc() || end != rest.data() + rest.size()) return false;
  if (text.find(':') != std::string_view::npos) seconds *= 60;
  seconds += tail;
  if (!(seconds >= 0) || seconds > NptRange::kMaxNptSeconds) return false;
  out = seconds;
  return true;
}

}  // namespace

std::vector<RtspTransportSpec> parse_transports(std::string_view value) {
  std::vector<RtspTransportSpec> specs;
  for (std::string_view spec_text : split(value, ',')) {
    const auto params = split(spec_text, ';');
    const std::string_view protocol = trim(params.front());
    RtspTransportSpec spec;
    if (iequals(protocol, "RTP/AVP") || iequals(protocol, "RTP/AVP/UDP"))
      spec.tcp = false;
    else if (iequals(protocol, "RTP/AVP/TCP"))
      spec.tcp = true;
    else
      continue;
    bool valid = true;
    for (size_t i = 1; i < params.size() && valid; ++i) {
      const std::string_view p = trim(params[i]);
      const auto eq = p.find('=');
      const std::string_view name = p.substr(0, eq);
      const std::string_view val =
          eq == std::string_view::npos ? std::string_view{} : trim(p.substr(eq + 1));
      if (iequals(name, "unicast")) {
        spec.unicast = true;
      } else if (iequals(name, "multicast")) {
        spec.unicast = false;
      } else if (iequals(name, "client_port")) {
        spec.client_port = range<uint16_t>(val);
        valid = spec.client_port.has_value();
      } else if (iequals(name, "server_port")) {
        spec.server_port = range<uint16_t>(val);
        valid = spec.server_port.has_value();
      } else if (iequals(name, "interleaved")) {
        spec.interleaved = range<uint8_t>(val);
        valid = spec.interleaved.has_value();
      } else if (iequals(name, "destination")) {
        spec.destination = std::string(val);
      } else if (iequals(name, "source")) {
        spec.source = std::string(val);
      } else if (iequals(name, "ssrc")) {
        uint32_t ssrc = 0;
        const auto [end, ec] = std::from_chars(val.data(), val.data() + val.size(), ssrc, 16);
        if (ec == std::errc() && end == val.data() + val.size()) spec.ssrc = ssrc;
      }
    }
    if (valid) specs.push_back(std::move(spec));
  }
  return specs;
}

std::optional<RtspTransportSpec> parse_transport(std::string_view value) {
  auto specs = parse_transports(value);
  if (specs.empty()) return std::nullopt;
  return specs.front();
}

std::string write_transport(const RtspTransportSpec& spec) {
  std::string out = spec.tcp ? "RTP/AVP/TCP" : "RTP/AVP";
  out += spec.unicast ? ";unicast" : ";multicast";
  if (spec.destination) out += ";destination=" + *spec.destination;
  if (spec.source) out += ";source=" + *spec.source;
  const auto pair = [](const char* name, auto p) {
    return std::string(";") + name + "=" + std::to_string(p.first) + "-" + std::to_string(p.second);
  };
  if (spec.client_port) out += pair("client_port", *spec.client_port);
  if (spec.server_port) out += pair("server_port", *spec.server_port);
  if (spec.interleaved) out += pair("interleaved", *spec.interleaved);
  if (spec.ssrc) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08X", *spec.ssrc);
    out += std::string(";ssrc=") + hex;
  }
  return out;
}

std::optional<RtspSessionHeader> parse_session(std::string_view value) {
  const auto params = split(value, ';');
  RtspSessionHeader s;
  s.id = std::string(trim(params.front()));
  if (s.id.empty() || s.id.size() > 256) return std::nullopt;
  for (size_t i = 1; i < params.size(); ++i) {
    const std::string_view p = trim(params[i]);
    if (p.substr(0, 8) == "timeout=") s.timeout_s = number<int>(p.substr(8));
  }
  return s;
}

std::optional<NptRange> parse_npt_range(std::string_view value) {
  value = trim(value);
  value = value.substr(0, value.find(';'));
  if (value.substr(0, 4) != "npt=") return std::nullopt;
  value = value.substr(4);
  const auto dash = value.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  NptRange range;
  if (!parse_npt_time(value.substr(0, dash), range.start_s)) return std::nullopt;
  const std::string_view end = trim(value.substr(dash + 1));
  if (!end.empty()) {
    if (!parse_npt_time(end, range.end_s) || !range.end_s) return std::nullopt;
  }
  return range;
}

std::string write_npt_range(double start_s, std::optional<double> end_s) {
  char text[80];
  if (end_s)
    std::snprintf(text, sizeof text, "npt=%.3f-%.3f", start_s, *end_s);
  else
    std::snprintf(text, sizeof text, "npt=%.3f-", start_s);
  return text;
}

std::vector<RtpInfo> parse_rtp_info(std::string_view value) {
  std::vector<RtpInfo> infos;
  for (std::string_view stream : split(value, ',')) {
    RtpInfo info;
    for (std::string_view p : split(stream, ';')) {
      p = trim(p);
      if (p.substr(0, 4) == "url=")
        info.url = std::string(p.substr(4));
      else if (p.substr(0, 4) == "seq=")
        info.seq = number<uint16_t>(p.substr(4));
      else if (p.substr(0, 8) == "rtptime=")
        info.rtptime = number<uint32_t>(p.substr(8));
    }
    infos.push_back(std::move(info));
  }
  return infos;
}

}  // namespace flowcast::common
