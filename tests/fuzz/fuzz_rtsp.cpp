// Fuzz target: common::RtspStreamReader on the input as an RTSP connection's
// bytes (what flowcast-client reads from an RTSP server and flowcast-server
// from an RTSP client), fed in two pieces split where the first byte says;
// then the header values flowcast reads from each message: Transport,
// Session, RTP-Info, WWW-Authenticate, and the request URI as an rtsp:// URL.
// Asserts: the reader never holds more than its bounds allow; a message it
// accepts writes back (write_rtsp) to bytes it reads again as the same
// message; a parsed URL has a host and a non-zero port.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/rtsp/rtsp_auth.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "fuzz_input.hpp"

using namespace flowcast::common;

namespace {

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
  FUZZ_CHECK(back->is_response == m.is_response && back->method == m.method &&
             back->uri == m.uri && back->status == m.status && back->body == m.body);
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
    if (const auto* m = std::get_if<RtspMessage>(&item)) check_message(*m);
  }
  return 0;
}
