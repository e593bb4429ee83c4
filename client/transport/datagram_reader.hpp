#pragma once
// Reads what a non-blocking UDP socket holds with recvmmsg: one system call
// takes up to kBatch datagrams, each into its own slot of the largest
// datagram's size, and the SO_RXQ_OVFL control message carries the kernel's
// count of datagrams it dropped on the socket. Shared by the transports that
// read datagrams (UDP, listen).
//
// Threads: the network thread of the transport that owns it.
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

namespace flowcast::client {

class DatagramReader {
 public:
  static constexpr unsigned kBatch = 16;
  static constexpr size_t kSlotBytes = 65536;
  // Datagrams taken per wake-up at most, so other work on the thread runs.
  static constexpr int kPerWakeup = 64;

  // Asks the kernel to count the datagrams it drops on fd (SO_RXQ_OVFL).
  static void count_drops(int fd);

  // Reads until the queue is empty, kPerWakeup datagrams were taken,
  // keep_reading() says false (checked before each batch) or on_datagram
  // returns false. on_drops gets the kernel's running drop count. Returns 0,
  // or the errno of a failed recvmmsg (EAGAIN is not a failure).
  int read(int fd, const std::function<bool()>& keep_reading,
           const std::function<bool(std::span<const uint8_t>)>& on_datagram,
           const std::function<void(uint32_t)>& on_drops);

 private:
  // Left uninitialised, so only the pages datagrams touch become resident.
  std::unique_ptr<uint8_t[]> slots_{new uint8_t[kBatch * kSlotBytes]};
  std::array<mmsghdr, kBatch> messages_{};
  std::array<iovec, kBatch> iovecs_{};
  std::array<std::array<char, CMSG_SPACE(sizeof(uint32_t))>, kBatch> control_{};
};

}  // namespace flowcast::client
