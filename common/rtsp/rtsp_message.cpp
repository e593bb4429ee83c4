#include "common/rtsp/rtsp_message.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace flowcast::common {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

template <typename T>
std::optional<T> number(std::string_view s) {
  T value{};
  s = trim(s);
  if (s.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

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

// Splits on sep, outside double quotes.
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') quoted = !quoted;
    if (s[i] == sep && !quoted) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const auto byte = [&](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int hi = byte(s[i + 1]), lo = byte(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool has_control_bytes(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

}  // namespace

std::optional<std::string_view> RtspMessage::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

std::optional<uint32_t> RtspMessage::cseq() const {
  const auto value = header("CSeq");
  if (!value) return std::nullopt;
  return number<uint32_t>(*value);
}

void RtspMessage::set_header(std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (iequals(n, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::string write_rtsp(const RtspMessage& m) {
  std::string out;
  if (m.is_response)
    out = "RTSP/1.0 " + std::to_string(m.status) + " " + m.reason + "\r\n";
  else
    out = m.method + " " + m.uri + " RTSP/1.0\r\n";
  for (const auto& [name, value] : m.headers) {
    if (iequals(name, "Content-Length")) continue;
    out += name + ": " + value + "\r\n";
  }
  if (!m.body.empty()) out += "Content-Length: " + std::to_string(m.body.size()) + "\r\n";
  out += "\r\n";
  out += m.body;
  return out;
}

bool within_limits(std::string_view written, const RtspLimits& limits) {
  // The reader a peer with these limits runs: one whole message, nothing left.
  RtspStreamReader reader(limits);
  std::vector<RtspStreamReader::Item> items;
  const bool ok =
      reader.feed({reinterpret_cast<const uint8_t*>(written.data()), written.size()}, items);
  return ok && items.size() == 1 && reader.pending() == 0;
}

void write_interleaved(uint8_t channel, std::span<const uint8_t> data, std::vector<uint8_t>& out) {
  if (data.size() > 0xFFFF)
    throw std::invalid_argument("an interleaved frame holds 65535 bytes at most");
  out.push_back('$');
  out.push_back(channel);
  out.push_back(static_cast<uint8_t>(data.size() >> 8));
  out.push_back(static_cast<uint8_t>(data.size()));
  out.insert(out.end(), data.begin(), data.end());
}

bool RtspStreamReader::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
  buffer_.clear();
  message_.reset();
  return false;
}

bool RtspStreamReader::parse_head(std::string_view head) {
  RtspMessage m;
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= head.size()) {
    const size_t end = head.find('\n', start);
    std::string_view line = head.substr(start, end == std::string_view::npos ? end : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (lines.empty() || lines.front().empty()) return fail("an empty start line");
  for (auto line : lines) {
    if (line.size() > limits_.max_line_bytes)
      return fail("a line longer than " + std::to_string(limits_.max_line_bytes) + " bytes");
    if (has_control_bytes(line)) return fail("a control byte in a header line");
  }
  const std::string_view first = lines.front();
  if (first.substr(0, 5) == "RTSP/") {
    // RTSP/1.0 200 OK
    const auto sp1 = first.find(' ');
    if (first.substr(0, sp1) != "RTSP/1.0")
      return fail("not RTSP/1.0: '" + std::string(first.substr(0, sp1)) + "'");
    const auto sp2 = first.find(' ', sp1 + 1);
    const auto status =
        number<int>(first.substr(sp1 + 1, sp2 == std::string_view::npos ? sp2 : sp2 - sp1 - 1));
    if (!status || *status < 100 || *status > 999)
      return fail("a status line without a status code");
    m.is_response = true;
    m.status = *status;
    if (sp2 != std::string_view::npos) m.reason = std::string(trim(first.substr(sp2 + 1)));
  } else {
    // METHOD URI RTSP/1.0
    const auto sp1 = first.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : first.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || first.substr(sp2 + 1) != "RTSP/1.0")
      return fail("a request line that is not 'METHOD URI RTSP/1.0'");
    m.method = std::string(first.substr(0, sp1));
    m.uri = std::string(first.substr(sp1 + 1, sp2 - sp1 - 1));
    if (m.method.empty() || m.uri.empty() ||
        !std::all_of(m.method.begin(), m.method.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }))
      return fail("a request line that is not 'METHOD URI RTSP/1.0'");
  }
  if (lines.size() - 1 > limits_.max_headers)
    return fail("more than " + std::to_string(limits_.max_headers) + " header lines");
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty()) continue;
    if ((line.front() == ' ' || line.front() == '\t') && !m.headers.empty()) {
      // A folded continuation of the previous header: one space between
      // the parts (RFC 2616 §2.2), none before or after, so the value
      // reads back the same once written on one line.
      const std::string_view more = trim(line);
      std::string& value = m.headers.back().second;
      if (!more.empty()) value += (value.empty() ? "" : " ") + std::string(more);
      continue;
    }
    const auto colon = line.find(':');
    const std::string_view name =
        colon == std::string_view::npos ? std::string_view{} : trim(line.substr(0, colon));
    if (name.empty()) return fail("a header line without a name");
    m.headers.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
  }
  size_t length = 0;
  if (const auto value = m.header("Content-Length")) {
    const auto n = number<size_t>(*value);
    if (!n) return fail("a Content-Length that is not a number");
    if (*n > limits_.max_body_bytes)
      return fail("a body of " + std::to_string(*n) + " bytes (at most " +
                  std::to_string(limits_.max_body_bytes) + ")");
    length = *n;
  }
  message_ = std::move(m);
  body_length_ = length;
  return true;
}

bool RtspStreamReader::feed(std::span<const uint8_t> bytes, std::vector<Item>& out) {
  if (!error_.empty()) return false;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  size_t pos = 0;
  bool ok = true;
  for (;;) {
    const size_t left = buffer_.size() - pos;
    if (message_) {
      if (left < body_length_) break;
      message_->body.assign(reinterpret_cast<const char*>(buffer_.data() + pos), body_length_);
      pos += body_length_;
      out.emplace_back(std::move(*message_));
      message_.reset();
      continue;
    }
    if (left == 0) break;
    if (buffer_[pos] == '$') {
      if (left < 4) break;
      const size_t length = (size_t{buffer_[pos + 2]} << 8) | buffer_[pos + 3];
      if (left < 4 + length) break;
      InterleavedFrame frame;
      frame.channel = buffer_[pos + 1];
      frame.data.assign(buffer_.begin() + static_cast<long>(pos + 4),
                        buffer_.begin() + static_cast<long>(pos + 4 + length));
      pos += 4 + length;
      out.emplace_back(std::move(frame));
      continue;
    }
    // Blank lines between messages are allowed (RFC 2326 §4, as HTTP).
    if (buffer_[pos] == '\r' || buffer_[pos] == '\n') {
      ++pos;
      continue;
    }
    const std::string_view text(reinterpret_cast<const char*>(buffer_.data() + pos), left);
    size_t end = text.find("\r\n\r\n");
    size_t skip = 4;
    if (const size_t bare = text.find("\n\n"); bare != std::string_view::npos && bare < end) {
      end = bare;
      skip = 2;
    }
    if (end == std::string_view::npos) {
      if (left > limits_.max_head_bytes)
        ok =
            fail("a message head longer than " + std::to_string(limits_.max_head_bytes) + " bytes");
      break;
    }
    if (end > limits_.max_head_bytes) {
      ok = fail("a message head longer than " + std::to_string(limits_.max_head_bytes) + " bytes");
      break;
    }
    if (!parse_head(text.substr(0, end))) {
      ok = false;
      break;
    }
    pos += end + skip;
  }
  if (!ok) return false;
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<long>(pos));
  return true;
}

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

namespace {
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

std::string RtspUrl::without_credentials() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "rtsp://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + path;
}

std::optional<RtspUrl> parse_rtsp_url(std::string_view url) {
  constexpr std::string_view kScheme = "rtsp://";
  if (url.size() < kScheme.size() || !iequals(url.substr(0, kScheme.size()), kScheme))
    return std::nullopt;
  if (has_control_bytes(url) || url.find(' ') != std::string_view::npos) return std::nullopt;
  std::string_view rest = url.substr(kScheme.size());
  RtspUrl out;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    const size_t colon = userinfo.find(':');
    out.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) out.password = percent_decode(userinfo.substr(colon + 1));
    authority = authority.substr(at + 1);
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::nullopt;
  if (!port_text.empty()) {
    const auto port = number<uint16_t>(port_text);
    if (!port || *port == 0) return std::nullopt;
    out.port = *port;
  }
  return out;
}

namespace {

// RFC 3986 §2.1: a byte a URI cannot hold (space, control, non-ASCII) as %XX,
// so a URL from a server's SDP or Content-Base never ends the request line.
std::string percent_encode_unsafe(std::string_view url) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(url.size());
  for (char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

std::string resolve_control(std::string_view base, std::string_view control) {
  if (control.empty() || control == "*") return percent_encode_unsafe(base);
  if (control.size() >= 7 && iequals(control.substr(0, 7), "rtsp://"))
    return percent_encode_unsafe(control);
  std::string out(base);
  if (!out.empty() && out.back() != '/') out += '/';
  if (control.front() == '/') control.remove_prefix(1);
  out += control;
  return percent_encode_unsafe(out);
}

}  // namespace flowcast::common
