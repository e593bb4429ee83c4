#pragma once
// What the kernel knows about a TCP sender: how long it was held back by the
// receiver's window (flow control) or by its own send buffer, and how much
// it holds unsent. Linux TCP_INFO and SIOCOUTQ; zeros where unavailable.
#include <cstdint>

namespace flowcast::server {

struct TcpProbe {
  uint64_t rwnd_limited_us = 0;    // time limited by the receive window
  uint64_t sndbuf_limited_us = 0;  // time limited by the send buffer
  uint32_t peer_window = 0;        // the peer's advertised window, bytes
  uint64_t unsent_bytes = 0;       // SIOCOUTQ: queued in the kernel
};

// Reads the probe of a connected TCP socket. Any thread; does not block.
TcpProbe read_tcp_probe(int fd);

}  // namespace flowcast::server
