#pragma once
// What the kernel holds for a socket that is not yet read: the evidence the
// overlay and the metrics show beside the user-space buffer. Linux only.
#include "client/transport/rtp_transport.hpp"

namespace flowcast::client {

// SO_MEMINFO's receive buffer size (TCP autotuning grows it) and the bytes
// queued: SIOCINQ payload bytes for a stream socket, receive memory in use
// (with its overhead) for a datagram socket, where FIONREAD would be one
// datagram.
KernelQueue probe_receive_queue(int fd, bool stream_socket);

}  // namespace flowcast::client
