#include "client/transport/rtp_transport.hpp"

namespace flowcast::client {

void RtpTransport::pipe_receiver(common::Writable<ReceivedDatagram>& receiver) {
  pipe(receiver);
  receiver.on_drain([this] {
    reading_ = true;
    resume_reading();
  });
}

bool RtpTransport::deliver(ReceivedDatagram packet) {
  // The receiver's latest answer: a packet it took without complaint after
  // a refusal means it drained in between.
  reading_ = push(packet);
  return reading_;
}

}  // namespace flowcast::client
