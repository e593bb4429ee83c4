#include "client/transport/datagram_reader.hpp"

#include <cerrno>
#include <cstring>

namespace flowcast::client {

void DatagramReader::count_drops(int fd) {
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
}

int DatagramReader::read(int fd, const std::function<bool()>& keep_reading,
                         const std::function<bool(std::span<const uint8_t>)>& on_datagram,
                         const std::function<void(uint32_t)>& on_drops) {
  int budget = kPerWakeup;
  while (budget > 0) {
    if (!keep_reading()) return 0;
    const unsigned want = std::min<unsigned>(kBatch, static_cast<unsigned>(budget));
    for (unsigned i = 0; i < want; ++i) {
      iovecs_[i] = iovec{slots_.get() + i * kSlotBytes, kSlotBytes};
      msghdr& h = messages_[i].msg_hdr;
      h = msghdr{};
      h.msg_iov = &iovecs_[i];
      h.msg_iovlen = 1;
      h.msg_control = control_[i].data();
      h.msg_controllen = control_[i].size();
    }
    const int got = recvmmsg(fd, messages_.data(), want, MSG_DONTWAIT, nullptr);
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
      return errno;
    }
    budget -= got;
    for (int i = 0; i < got; ++i) {
      msghdr& msg = messages_[static_cast<size_t>(i)].msg_hdr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          uint32_t drops = 0;
          std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
          on_drops(drops);
        }
      }
      const iovec& slot = iovecs_[static_cast<size_t>(i)];
      if (!on_datagram({static_cast<const uint8_t*>(slot.iov_base),
                        messages_[static_cast<size_t>(i)].msg_len}))
        return 0;
    }
    if (static_cast<unsigned>(got) < want) return 0;  // the queue is empty
  }
  return 0;
}

}  // namespace flowcast::client
