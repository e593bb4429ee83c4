#pragma once
// Test support for plain-RTP peers on loopback: a UDP socket that sends to
// 127.0.0.1, free port pairs for RTP and RTCP, and waiting until a receiver
// has bound its ports (from /proc/net/udp, so no probe packet disturbs it).
#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

namespace flowcast::test {

// 127.0.0.1:port as a socket address.
sockaddr_in loopback(uint16_t port);

// A UDP socket that sends datagrams to 127.0.0.1. Test thread only.
class UdpSender {
 public:
  UdpSender();
  ~UdpSender();
  UdpSender(const UdpSender&) = delete;
  UdpSender& operator=(const UdpSender&) = delete;
  // Sends one datagram to 127.0.0.1:port; false if the kernel refused it.
  bool send(const std::vector<uint8_t>& datagram, uint16_t port) const;

 private:
  int fd_;
};

// An even port free for TCP and UDP whose next port (RTCP) is free for UDP.
// Returns 0 (and fails the test) when none is found.
uint16_t free_rtp_port();
// True when some process has a UDP socket bound to this local port.
bool udp_port_bound(uint16_t port);
// Polls ready every 20 ms until it is true or timeout passes; its last answer.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout);
// Waits up to 10 s until a receiver has bound port (RTP) and port + 1 (RTCP).
bool listening_for_rtp(uint16_t port);

}  // namespace flowcast::test
