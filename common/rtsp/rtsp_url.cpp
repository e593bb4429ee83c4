#include "common/rtsp/rtsp_url.hpp"

#include "common/rtsp/rtsp_text.hpp"

namespace flowcast::common {

using namespace rtsp_text;

namespace {

// RFC 3986 §2.1: %XX as the byte it stands for; a '%' without two hex
// digits stays as it is.
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
