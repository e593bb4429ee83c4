#include "server/transport/datagram_sender.hpp"

#include <netinet/in.h>
#include <netinet/udp.h>

#include <cerrno>
#include <cstring>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103  // linux/udp.h, for a C library that lacks it
#endif

namespace flowcast::server {

namespace {
// A packet's pieces as iovecs from `out` on (OutboundPacket::kMaxPieces at
// most); returns how many.
size_t to_iovecs(const OutboundPacket& packet, iovec* out) {
  const auto pieces = packet.pieces();
  for (size_t p = 0; p < pieces.count; ++p)
    out[p] = {const_cast<uint8_t*>(pieces.piece[p].data()), pieces.piece[p].size()};
  return pieces.count;
}
}  // namespace

DatagramSender::DatagramSender(int fd) : fd_(fd) {
  // A zero segment size ("none by default") is accepted only by kernels that
  // know the option.
  int none = 0;
  segmentation_ = setsockopt(fd_, SOL_UDP, UDP_SEGMENT, &none, sizeof none) == 0;
}

size_t DatagramSender::send(std::span<const OutboundPacket> datagrams,
                            const asio::ip::udp::endpoint& to, uint64_t& bytes) {
  const size_t n = datagrams.size();
  if (n == 0) return 0;
  const bool segmenting = segmentation();
  // Messages: runs of equal-sized datagrams when segmenting, else one each.
  messages_.clear();
  message_datagrams_.clear();
  iovecs_.resize(n * OutboundPacket::kMaxPieces);
  controls_.resize(n);
  size_t piece = 0;
  for (size_t i = 0; i < n;) {
    const size_t segment = datagrams[i].size();
    size_t end = i + 1;
    if (segmenting) {
      size_t total = segment;
      while (end < n && end - i < kMaxSegments && datagrams[end].size() <= segment &&
             total + datagrams[end].size() <= kMaxSegmentedBytes) {
        total += datagrams[end].size();
        // A shorter datagram can only be the run's last segment.
        if (datagrams[end++].size() < segment) break;
      }
    }
    mmsghdr message{};
    auto& h = message.msg_hdr;
    h.msg_name = const_cast<sockaddr*>(to.data());
    h.msg_namelen = static_cast<socklen_t>(to.size());
    h.msg_iov = &iovecs_[piece];
    const size_t first_piece = piece;
    for (size_t k = i; k < end; ++k) {
      piece += to_iovecs(datagrams[k], &iovecs_[piece]);
    }
    h.msg_iovlen = piece - first_piece;
    if (end - i > 1) {
      auto& control = controls_[messages_.size()].bytes;
      control.fill(0);
      h.msg_control = control.data();
      h.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
      cmsghdr* c = CMSG_FIRSTHDR(&h);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const auto size = static_cast<uint16_t>(segment);
      std::memcpy(CMSG_DATA(c), &size, sizeof size);
    }
    messages_.push_back(message);
    message_datagrams_.push_back(end - i);
    i = end;
  }
  const size_t m = messages_.size();
  size_t i = 0, sent = 0, first = 0;  // first: the datagram index of message i
  while (i < m) {
    const int r = sendmmsg(fd_, &messages_[i], static_cast<unsigned>(m - i), MSG_DONTWAIT);
    if (r > 0) {
      for (int k = 0; k < r; ++k, ++i) {
        for (size_t d = 0; d < message_datagrams_[i]; ++d) bytes += datagrams[first + d].size();
        sent += message_datagrams_[i];
        first += message_datagrams_[i];
      }
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && errno == EIO && message_datagrams_[i] > 1) {
      // The device cannot segment: send the rest one datagram at a time.
      segmentation_ = false;
      return sent + send(datagrams.subspan(first), to, bytes);
    } else if (r < 0 && (errno == EINVAL || errno == EMSGSIZE) && message_datagrams_[i] > 1) {
      // This peer's path cannot take the run whole (its MTU): its datagrams
      // go one by one, and other peers keep segmenting.
      const size_t count = message_datagrams_[i++];
      sent += send_each(datagrams.subspan(first, count), to, bytes);
      first += count;
    } else {
      // Refused (a full send buffer): dropped, as a lone sendto would be.
      first += message_datagrams_[i++];
    }
  }
  return sent;
}

size_t DatagramSender::send_each(std::span<const OutboundPacket> datagrams,
                                 const asio::ip::udp::endpoint& to, uint64_t& bytes) {
  size_t sent = 0;
  for (const auto& d : datagrams) {
    std::array<iovec, OutboundPacket::kMaxPieces> iov{};
    msghdr h{};
    h.msg_name = const_cast<sockaddr*>(to.data());
    h.msg_namelen = static_cast<socklen_t>(to.size());
    h.msg_iov = iov.data();
    h.msg_iovlen = to_iovecs(d, iov.data());
    if (sendmsg(fd_, &h, MSG_DONTWAIT) >= 0) {
      ++sent;
      bytes += d.size();
    }
  }
  return sent;
}

}  // namespace flowcast::server
