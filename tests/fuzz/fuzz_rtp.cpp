// Fuzz target: common::parse_rtp on one datagram.
// Asserts: a parsed packet's payload and padding lie inside the datagram,
// right after its header; at most 15 CSRCs and a 7-bit payload type; and
// write_rtp of the parsed header and payload parses again to the same fields
// and payload (the round trip the server and the client rely on).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/rtp/rtp_packet.hpp"
#include "fuzz_input.hpp"

using namespace flowcast::common;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> packet(data, size);
  const auto view = parse_rtp(packet);
  if (!view) return 0;
  const RtpHeader& header = view->header;
  FUZZ_CHECK(size >= kRtpFixedHeaderSize);
  FUZZ_CHECK(header.csrcs.size() <= kRtpMaxCsrcs);
  FUZZ_CHECK(header.payload_type <= 0x7F);
  FUZZ_CHECK(view->payload.data() >= data + kRtpFixedHeaderSize + 4 * header.csrcs.size());
  FUZZ_CHECK(view->payload.data() + view->payload.size() + view->padding == data + size);

  std::vector<uint8_t> written;
  write_rtp(header, view->payload, written);
  FUZZ_CHECK(written.size() == rtp_header_size(header) + view->payload.size());
  const auto again = parse_rtp(written);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->header.marker == header.marker);
  FUZZ_CHECK(again->header.payload_type == header.payload_type);
  FUZZ_CHECK(again->header.sequence == header.sequence);
  FUZZ_CHECK(again->header.timestamp == header.timestamp);
  FUZZ_CHECK(again->header.ssrc == header.ssrc);
  FUZZ_CHECK(again->header.csrcs == header.csrcs);
  FUZZ_CHECK(again->header.send_time_us == header.send_time_us);
  FUZZ_CHECK(again->padding == 0);
  FUZZ_CHECK(std::ranges::equal(again->payload, view->payload));
  return 0;
}
