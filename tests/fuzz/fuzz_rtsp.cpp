// Fuzz target: common::RtspStreamReader on the input as an RTSP connection's
// bytes (what flowcast-client reads from an RTSP server and flowcast-server
// from an RTSP client), fed in two pieces split where the first byte says;
// then the header values flowcast reads from each message: Transport,
// Session, RTP-Info, WWW-Authenticate, and the request URI as an rtsp:// URL.
// Then, for each response, the request flowcast-client builds from what the
// server sent: common::resolve_control of its Content-Base (or
// Content-Location) and the body's first a=control as the request URI, and
// common::authorization answering each challenge parse_challenges found
// (real MD5 and base64, from FFmpeg).
// Asserts: the reader never holds more than its bounds allow; a message it
// accepts writes back (write_rtsp) to bytes it reads again as the same
// message; a parsed URL has a host and a non-zero port. The request built
// from a response, unless it breaks RtspLimits (then the client refuses to
// send it), writes to bytes that read back as one request with the
// same URI and Authorization (nothing a server sends can end the request
// line or a header early), and a Digest answer's realm, nonce and opaque
// read back from it as the challenge had them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/rtsp/rtsp_auth.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "fuzz_input.hpp"
#include "media/ffmpeg/base64.hpp"
#include "media/ffmpeg/md5.hpp"

using namespace flowcast::common;

namespace {

std::string md5_text(std::string_view s) {
  return flowcast::media::md5_hex(s);
}
std::string base64_text(std::string_view s) {
  return flowcast::media::base64_encode(s);
}
const AuthHashes kHashes{&md5_text, &base64_text};

// The request flowcast-client sends after this response (client/transport:
// rtsp_options.cpp resolves the control URL, rtsp_connection.cpp answers a
// challenge), written and read back.
void check_request_from(const RtspMessage& response) {
  const std::string url = "rtsp://camera.example:8554/live";
  std::string_view base = url;
  if (auto b = response.header("Content-Base"))
    base = *b;
  else if (auto l = response.header("Content-Location"))
    base = *l;
  std::string_view control;
  std::string_view body = response.body;
  while (!body.empty()) {
    const size_t eol = body.find('\n');
    std::string_view line = body.substr(0, eol);
    body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, 10) == "a=control:") {
      control = line.substr(10);
      break;
    }
  }
  std::string uri = resolve_control(base, control);
  if (uri.empty()) uri = url;  // RtspConnection::request: the URL itself
  std::vector<std::string_view> values;
  for (const auto& [name, value] : response.headers)
    if (name == "WWW-Authenticate") values.push_back(value);
  std::vector<AuthChallenge> challenges = parse_challenges(values);
  challenges.emplace_back();  // and without a challenge
  for (size_t i = 0; i < challenges.size(); ++i) {
    const bool answer = i + 1 < challenges.size();
    RtspMessage request;
    request.method = "SETUP";
    request.uri = uri;
    request.set_header("CSeq", "3");
    std::string authorization_value;
    if (answer) {
      authorization_value = authorization(challenges[i], "viewer", "secret", request.method, uri,
                                          kHashes, "f10ca57c", 2);
      request.set_header("Authorization", authorization_value);
    }
    const std::string text = write_rtsp(request);
    // flowcast-client does not send a request past the limits (it fails
    // with a clear error): only what it sends must read back.
    if (!within_limits(text, RtspLimits{})) {
      FUZZ_CHECK(text.size() > RtspLimits{}.max_line_bytes / 2);
      continue;
    }
    RtspStreamReader reader;
    std::vector<RtspStreamReader::Item> items;
    FUZZ_CHECK(reader.feed({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, items));
    FUZZ_CHECK(items.size() == 1);
    const auto* back = std::get_if<RtspMessage>(&items[0]);
    FUZZ_CHECK(back != nullptr && !back->is_response);
    FUZZ_CHECK(back->method == "SETUP" && back->uri == uri);
    FUZZ_CHECK(back->headers.size() == request.headers.size());
    if (!answer) continue;
    const auto sent = back->header("Authorization");
    FUZZ_CHECK(sent && *sent == authorization_value);
    if (challenges[i].scheme == AuthChallenge::Scheme::digest) {
      const auto read = parse_challenges({*sent});
      FUZZ_CHECK(read.size() == 1);
      FUZZ_CHECK(read[0].realm == challenges[i].realm && read[0].nonce == challenges[i].nonce &&
                 read[0].opaque == challenges[i].opaque);
    }
  }
}

void check_message(const RtspMessage& m) {
  if (auto t = m.header("Transport")) (void)parse_transports(*t);
  if (auto s = m.header("Session")) {
    if (auto session = parse_session(*s)) FUZZ_CHECK(!session->id.empty());
  }
  if (auto r = m.header("RTP-Info")) (void)parse_rtp_info(*r);
  if (auto r = m.header("Range")) {
    if (auto range = parse_npt_range(*r)) {
      if (range->start_s)
        FUZZ_CHECK(*range->start_s >= 0 && *range->start_s <= NptRange::kMaxNptSeconds);
      if (range->end_s) FUZZ_CHECK(*range->end_s >= 0 && *range->end_s <= NptRange::kMaxNptSeconds);
    }
  }
  std::vector<std::string_view> challenges;
  for (const auto& [name, value] : m.headers)
    if (name == "WWW-Authenticate") challenges.push_back(value);
  (void)parse_challenges(challenges);
  if (!m.is_response) {
    if (auto url = parse_rtsp_url(m.uri)) {
      FUZZ_CHECK(!url->host.empty());
      FUZZ_CHECK(url->port != 0);
    }
  }
  // Written back, it reads as the same message.
  const std::string text = write_rtsp(m);
  RtspStreamReader again;
  std::vector<RtspStreamReader::Item> items;
  const bool ok = again.feed({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, items);
  FUZZ_CHECK(ok);
  FUZZ_CHECK(items.size() == 1);
  const auto* back = std::get_if<RtspMessage>(&items[0]);
  FUZZ_CHECK(back != nullptr);
  FUZZ_CHECK(back->is_response == m.is_response && back->method == m.method && back->uri == m.uri &&
             back->status == m.status && back->body == m.body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const RtspLimits limits;
  RtspStreamReader reader(limits);
  const size_t split = data[0] % size;
  std::vector<RtspStreamReader::Item> items;
  bool ok = reader.feed({data + 1, split > 0 ? split - 1 : 0}, items);
  if (ok) ok = reader.feed({data + (split > 0 ? split : 1), size - (split > 0 ? split : 1)}, items);
  FUZZ_CHECK(reader.pending() <= limits.max_head_bytes + limits.max_body_bytes + 4 + 65535);
  if (!ok) FUZZ_CHECK(!reader.error().empty());
  for (const auto& item : items) {
    if (const auto* m = std::get_if<RtspMessage>(&item)) {
      check_message(*m);
      if (m->is_response) check_request_from(*m);
    }
  }
  return 0;
}
