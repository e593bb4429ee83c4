#include "server/session/session_transport.hpp"

namespace flowcast::server {

SessionTransport::Sent SessionTransport::send_burst(std::span<OutboundPacket> packets) {
  Sent sent;
  for (auto& p : packets) {
    const size_t size = p.size();
    if (send(p.bytes(), p.stream())) {
      ++sent.packets;
      sent.bytes += size;
    }
  }
  return sent;
}

}  // namespace flowcast::server
