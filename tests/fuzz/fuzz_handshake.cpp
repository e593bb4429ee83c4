// Fuzz target: common::parse_handshake (and is_handshake) on one UDP datagram.
// Asserts: only a 24-byte datagram that is_handshake() marks can parse; what
// parses writes back (write_handshake) to the same 20 bytes of magic, type
// and cookie, and that parses to the same message.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/rtp/handshake.hpp"
#include "fuzz_input.hpp"

using namespace flowcast::common;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> datagram(data, size);
  const bool marked = is_handshake(datagram);
  const auto message = parse_handshake(datagram);
  if (!message) return 0;
  FUZZ_CHECK(size == kHandshakeSize && marked);
  const auto written = write_handshake(*message);
  FUZZ_CHECK(written.size() == kHandshakeSize);
  FUZZ_CHECK(std::equal(written.begin(), written.begin() + 20, data));
  const auto again = parse_handshake(written);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->type == message->type && again->cookie == message->cookie);
  return 0;
}
