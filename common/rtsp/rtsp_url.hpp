#pragma once
// rtsp:// URLs (RFC 2326 §3.2): read into their parts, and control URLs
// (SDP a=control, Content-Base) resolved against a base into what a request
// line names.
//
// Pure; any thread. parse_rtsp_url() never throws: a URL it cannot read is
// nullopt.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowcast::common {

// rtsp://[USER[:PASS]@]HOST[:PORT][/PATH] (RFC 2326 §3.2; userinfo as in
// RFC 3986, percent-decoded). HOST may be a bracketed IPv6 literal.
struct RtspUrl {
  std::string user;
  std::string password;
  std::string host;
  uint16_t port = 554;
  std::string path;  // from the first '/', "/" when absent
  // rtsp://HOST:PORT/PATH, without the credentials: what requests name.
  std::string without_credentials() const;
};
std::optional<RtspUrl> parse_rtsp_url(std::string_view url);
// url resolved against base (a=control, Content-Base): absolute as is, "*"
// as the base, otherwise appended to the base with one '/'. Bytes a URI
// cannot hold (space, controls, non-ASCII) come out percent-encoded, so the
// result is always one token of a request line.
std::string resolve_control(std::string_view base, std::string_view control);

}  // namespace flowcast::common
