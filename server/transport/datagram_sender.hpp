#pragma once
// Sending bursts of datagrams on one UDP socket, as cheaply as the kernel
// allows.
//
// DatagramSender: one sendmmsg per burst. Where the kernel has UDP generic
// segmentation offload (UDP_SEGMENT, Linux 4.18), each run of equal-sized
// datagrams to one peer (its last may be shorter), up to kMaxSegments, is
// one message the kernel cuts into datagrams; payloads are never copied in
// user space (OutboundPacket pieces become iovecs).
//
// Threads: a DatagramSender is used by one thread at a time (its scratch
// buffers); segmentation() may be read from any.
#include <sys/socket.h>

#include <array>
#include <asio.hpp>
#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "server/session/outbound_packet.hpp"

namespace flowcast::server {

class DatagramSender {
 public:
  // Segments in one segmented send (the kernel's UDP_MAX_SEGMENTS is 64).
  static constexpr size_t kMaxSegments = 64;
  // Bytes in one segmented send: within a UDP datagram's 65507 over IPv4.
  static constexpr size_t kMaxSegmentedBytes = 65000;

  // `fd`: a non-blocking UDP socket, owned by the caller. Probes UDP_SEGMENT.
  explicit DatagramSender(int fd);

  // Sends `datagrams` to `to`, in order, without blocking. Returns how many
  // the kernel took and adds their bytes to `bytes`; a message it refused
  // (a full send buffer) is dropped, the rest still go.
  size_t send(std::span<const OutboundPacket> datagrams, const asio::ip::udp::endpoint& to,
              uint64_t& bytes);
  // Whether send() segments. Turned off for good when the kernel says the
  // device cannot (EIO: no checksum offload); a run one peer's path MTU
  // cannot take (EINVAL) goes to that peer one datagram at a time.
  bool segmentation() const { return segmentation_.load(std::memory_order_relaxed); }

 private:
  // One sendmsg per datagram, no scratch (a run one peer's path refused).
  size_t send_each(std::span<const OutboundPacket> datagrams, const asio::ip::udp::endpoint& to,
                   uint64_t& bytes);
  int fd_;
  std::atomic<bool> segmentation_{false};
  // Scratch, kept to spare an allocation per burst.
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iovecs_;
  std::vector<size_t> message_datagrams_;  // datagrams in each message
  struct alignas(cmsghdr) Control {
    std::array<char, 32> bytes;
  };
  std::vector<Control> controls_;  // each message's UDP_SEGMENT
};

}  // namespace flowcast::server
