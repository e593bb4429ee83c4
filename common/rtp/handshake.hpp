#pragma once
// The UDP session set-up messages. A control datagram's first byte is 'F'
// (version bits 01), so it can never be taken for RTP or RTCP (version 2).
//
//   client -> server  HELLO  "FCH1" cookie[16] reserved[4]   (24 bytes)
//   server -> client  COOKIE "FCC1" cookie[16] reserved[4]   (24 bytes)
//   client -> server  HELLO  "FCH1" echoed cookie ...         (24 bytes)
//   server -> client  ACCEPT "FCA1" ... or FULL "FCF1" ...    (24 bytes)
//
// Every reply is the size of the request, so an unproven address can never be
// used to amplify traffic.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace flowcast::common {

inline constexpr size_t kHandshakeSize = 24;
using Cookie = std::array<uint8_t, 16>;

enum class HandshakeType : uint8_t { hello, cookie, accept, full };

struct HandshakeMessage {
  HandshakeType type = HandshakeType::hello;
  Cookie cookie{};  // all zero in a first HELLO
};

std::vector<uint8_t> write_handshake(const HandshakeMessage& message);
// nullopt unless the datagram is exactly a handshake message.
std::optional<HandshakeMessage> parse_handshake(std::span<const uint8_t> datagram);
// True when the first byte marks a control datagram (not RTP/RTCP).
bool is_handshake(std::span<const uint8_t> datagram);

}  // namespace flowcast::common
