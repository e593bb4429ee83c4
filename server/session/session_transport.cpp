#include "server/session/session_transport.hpp"

namespace flowcast::server {

SessionTransport::Sent SessionTransport::write_burst(std::span<OutboundPacket> packets) {
  Sent sent;
  for (auto& p : packets) {
    const size_t size = p.size();
    const uint64_t before = dropped_;
    if (!write(std::move(p))) sent.past_mark = true;
    // A refusal past the mark took the packet; a drop did not.
    if (dropped_ == before) {
      ++sent.packets;
      sent.bytes += size;
    }
  }
  return sent;
}

void SessionTransport::release() {
  events_ = nullptr;
  unpipe();
  on_drain(nullptr);
}

void SessionTransport::deliver_rtcp(ReceivedRtcp packet) {
  if (events_) push(packet);
}

bool SessionTransport::below_mark(size_t queued) {
  if (queued <= high_water_mark()) return true;
  refused_ = true;
  return false;
}

void SessionTransport::drained() {
  if (!refused_ || !events_) return;
  refused_ = false;
  emit_drain();
}

}  // namespace flowcast::server
