#pragma once
// Sending bursts of datagrams on one UDP socket, as cheaply as the kernel
// allows, and optionally on a thread of their own.
//
// DatagramSender: one sendmmsg per burst. Where the kernel has UDP generic
// segmentation offload (UDP_SEGMENT, Linux 4.18), each run of equal-sized
// datagrams to one peer (its last may be shorter), up to kMaxSegments, is
// one message the kernel cuts into datagrams; payloads are never copied in
// user space (OutboundPacket pieces become iovecs).
//
// SendThread: the network thread queues bursts and goes on; the thread
// sends them, in the order queued, so the kernel's work (most of a send)
// runs beside the network thread. The queue is bounded (kMaxQueuedBytes);
// a burst past it is refused. What the kernel or the bound refused is told
// back on the network thread.
//
// Threads: a DatagramSender is used by one thread at a time (its scratch
// buffers); segmentation() may be read from any. A SendThread is fed and
// stopped by the network thread.
#include <sys/socket.h>

#include <array>
#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
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

class SendThread {
 public:
  using Clock = std::chrono::steady_clock;
  // Packets and bytes of a burst that did not leave. Runs on the network thread.
  using Refused = std::function<void(uint64_t packets, uint64_t bytes)>;
  // Bytes queued at most: about 60 ms at 2 Gbit/s.
  static constexpr size_t kMaxQueuedBytes = 16 << 20;

  // Sends through `sender` (which it then uses alone) and tells refusals
  // back through `io`.
  SendThread(asio::io_context& io, DatagramSender& sender);
  ~SendThread();

  // Queues a burst to `to`; its packets are moved. False when it was
  // refused at once (the queue is full, or the thread stopped): nothing of
  // it is sent and on_refused is not called.
  bool submit(const asio::ip::udp::endpoint& to, std::span<OutboundPacket> packets,
              Refused on_refused);
  // Sends what is queued, then ends the thread. Idempotent.
  void stop();
  // How long the burst sent last had waited in the queue: the thread's lag.
  Clock::duration delay() const { return Clock::duration(delay_.load(std::memory_order_relaxed)); }

 private:
  struct Burst {
    asio::ip::udp::endpoint to;
    std::vector<OutboundPacket> packets;
    size_t bytes = 0;
    Refused on_refused;
    Clock::time_point queued;
  };
  void run();

  asio::io_context& io_;
  DatagramSender& sender_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Burst> queue_;
  size_t queued_bytes_ = 0;
  bool stopping_ = false;
  std::atomic<Clock::rep> delay_{0};
  std::thread thread_;
};

}  // namespace flowcast::server
