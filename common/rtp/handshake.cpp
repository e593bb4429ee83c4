#include "common/rtp/handshake.hpp"

#include <algorithm>

namespace flowcast::common {
namespace {

constexpr uint8_t kMagic0 = 'F';
constexpr uint8_t kMagic1 = 'C';

char type_letter(HandshakeType t) {
  switch (t) {
    case HandshakeType::hello:
      return 'H';
    case HandshakeType::cookie:
      return 'C';
    case HandshakeType::accept:
      return 'A';
    case HandshakeType::full:
      return 'F';
  }
  return '?';
}

}  // namespace

std::vector<uint8_t> write_handshake(const HandshakeMessage& message) {
  std::vector<uint8_t> out(kHandshakeSize, 0);
  out[0] = kMagic0;
  out[1] = kMagic1;
  out[2] = static_cast<uint8_t>(type_letter(message.type));
  out[3] = '1';
  std::copy(message.cookie.begin(), message.cookie.end(), out.begin() + 4);
  return out;
}

bool is_handshake(std::span<const uint8_t> datagram) {
  return !datagram.empty() && datagram[0] == kMagic0;
}

std::optional<HandshakeMessage> parse_handshake(std::span<const uint8_t> d) {
  if (d.size() != kHandshakeSize || d[0] != kMagic0 || d[1] != kMagic1 || d[3] != '1')
    return std::nullopt;
  HandshakeMessage m;
  switch (d[2]) {
    case 'H':
      m.type = HandshakeType::hello;
      break;
    case 'C':
      m.type = HandshakeType::cookie;
      break;
    case 'A':
      m.type = HandshakeType::accept;
      break;
    case 'F':
      m.type = HandshakeType::full;
      break;
    default:
      return std::nullopt;
  }
  std::copy(d.begin() + 4, d.begin() + 20, m.cookie.begin());
  return m;
}

}  // namespace flowcast::common
