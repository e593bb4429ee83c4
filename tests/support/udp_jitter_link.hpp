#pragma once
// Test support: a UDP link on loopback between one flowcast client and
// flowcast-server whose jitter stops mid-run, which the server's own
// `--link-jitter` (fixed for a whole run) cannot do. A real forwarder, two
// real sockets:
//
//   client --> port() --[at once]--> 127.0.0.1:server_port
//   client <-- port() <--[jitter]--- 127.0.0.1:server_port
//
// The client connects to port() (flowcast's UDP handshake, then RTCP from
// the client); the link relays what the client sends to the server at once,
// from a socket of its own, and everything the server sends back on that
// socket to the client's address (the one it last heard the client from).
//
// Server -> client, while the jittery phase lasts (`jittery_for` from the
// client's first datagram): the jitter model of flowcast-server's
// `--link-jitter` (docs/LINK.md), by the same code (common::LinkEmulator,
// seeded): each RTP packet is held max(0, u) with u uniform in
// [-jitter, +jitter], and packets keep their order (a packet never arrives
// before one sent ahead of it), so a held packet holds those behind it.
// The server's RTCP and the handshake draw nothing from the seed and keep
// their place in line, as the server's own RTCP does on its link. After the
// phase nothing is added: each datagram leaves at once, behind what is
// still held.
//
// Bounded: at most `queue_cap` datagrams are held; past that the newest is
// dropped (a router's tail drop) and counted.
//
// Threads: the link relays on a thread of its own, from construction to
// destruction; port(), jittery() and counts() may be called from any thread.
#include <netinet/in.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/netem/link_emulator.hpp"

namespace flowcast::test {

struct JitterLinkConfig {
  uint16_t server_port = 0;                  // flowcast-server's UDP port on 127.0.0.1
  std::chrono::microseconds jitter{0};       // ± this, as `--link-jitter`
  std::chrono::milliseconds jittery_for{0};  // from the client's first datagram
  uint64_t seed = 1;                         // of the jitter draws
  size_t queue_cap = 4096;                   // datagrams held at most
};

struct JitterLinkCounts {
  uint64_t to_server = 0;                     // datagrams relayed client -> server
  uint64_t to_client = 0;                     // datagrams relayed server -> client
  uint64_t jittered = 0;                      // RTP packets that met the jitter
  uint64_t held = 0;                          // datagrams the link set to hold 1 ms or more
  uint64_t dropped = 0;                       // queue full, no client yet, or a failed send
  std::chrono::microseconds longest_hold{0};  // the longest it set (the thread's wake adds)
};

class UdpJitterLink {
 public:
  // Binds the client-facing socket to 127.0.0.1 on a port the kernel picks
  // and starts relaying. Throws std::system_error when a socket cannot be
  // set up.
  explicit UdpJitterLink(JitterLinkConfig config);
  // Stops the thread and joins it; what is still held is dropped.
  ~UdpJitterLink();
  UdpJitterLink(const UdpJitterLink&) = delete;
  UdpJitterLink& operator=(const UdpJitterLink&) = delete;

  // The client-facing port on 127.0.0.1: point the client here.
  uint16_t port() const { return port_; }
  // True until `jittery_for` has passed since the client's first datagram
  // (and before it).
  bool jittery() const;
  JitterLinkCounts counts() const;

 private:
  using Clock = std::chrono::steady_clock;

  void run();
  void from_client(Clock::time_point now);
  void from_server(Clock::time_point now);
  // Sends what is due by now to the client; when the next is due, if any.
  std::optional<Clock::time_point> deliver(Clock::time_point now);

  JitterLinkConfig config_;
  int client_fd_ = -1;  // faces the client: bound to 127.0.0.1:port_
  int server_fd_ = -1;  // faces the server: connected to it
  int wake_fd_ = -1;    // an eventfd: the destructor's stop
  uint16_t port_ = 0;

  // --- The relay thread's only.
  struct Held {
    Clock::time_point at;  // when it leaves for the client
    std::vector<uint8_t> datagram;
  };
  std::deque<Held> queue_;  // in order of `at`: the link keeps order
  common::LinkEmulator link_;
  Clock::time_point last_delivery_{};
  std::optional<sockaddr_in> client_;  // where the client last sent from
  std::vector<uint8_t> buffer_;        // one datagram being read

  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  std::optional<Clock::time_point> phase_start_;  // the client's first datagram
  JitterLinkCounts counts_;

  std::thread thread_;  // last: it starts once everything above is built
};

}  // namespace flowcast::test
