#include "server/transport/udp_service.hpp"

#include <netinet/in.h>
#include <netinet/udp.h>

#include <cerrno>
#include <cstring>

#include "common/rtp/handshake.hpp"
#include "common/rtp/rtp_packet.hpp"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103  // linux/udp.h, for a C library that lacks it
#endif

namespace flowcast::server {

using Clock = std::chrono::steady_clock;

UdpSession::UdpSession(asio::io_context& io, SessionHost& host, SessionSource source, uint64_t id,
                       UdpService& service, asio::ip::udp::endpoint peer)
    : Session(io, host, std::move(source), id, Transport::udp),
      service_(service),
      endpoint_(peer) {}

std::string UdpSession::peer() const {
  return endpoint_.address().to_string() + ":" + std::to_string(endpoint_.port());
}

void UdpSession::begin() {
  start();
  watch_silence();
}

void UdpSession::end_silent(const std::string& reason) {
  service_.forget(endpoint_);
  Session::end_silent(reason);
}

bool UdpSession::send_packet(std::vector<uint8_t>&& packet) {
  if (ended()) return false;
  if (service_.send_to(packet, endpoint_)) return true;
  ++kernel_refused_;
  return false;
}

bool UdpSession::segments_bursts() const {
  return service_.segmentation();
}

Session::Sent UdpSession::send_packets(std::span<OutboundPacket> packets) {
  Sent sent;
  if (ended()) return sent;
  sent.packets = service_.send_all(packets, endpoint_, sent.bytes);
  kernel_refused_ += packets.size() - sent.packets;
  return sent;
}

void UdpSession::read_transport_feedback() {
  service_.read_pending();
}

void UdpSession::close_transport() {
  service_.forget(endpoint_);
  finished("");
}

UdpService::UdpService(asio::io_context& io, const asio::ip::udp::endpoint& bind,
                       Admission admission)
    : socket_(io), admission_(std::move(admission)) {
  socket_.open(bind.protocol());
  socket_.set_option(asio::socket_base::reuse_address(true));
  socket_.bind(bind);
  socket_.non_blocking(true);
  // Segmentation offload where the kernel has it: a zero segment size is
  // accepted as "none by default" only by kernels that know the option.
  int none = 0;
  // The kernel caps this at net.core.rmem_max; what it grants is enough.
  asio::error_code ec;
  socket_.set_option(asio::socket_base::receive_buffer_size(kReceiveBuffer), ec);
  segmentation_ =
      setsockopt(socket_.native_handle(), SOL_UDP, UDP_SEGMENT, &none, sizeof none) == 0;
}

void UdpService::start() {
  do_receive();
}

void UdpService::stop() {
  asio::error_code ec;
  socket_.close(ec);
}

bool UdpService::send_to(std::span<const uint8_t> data, const asio::ip::udp::endpoint& to) {
  asio::error_code ec;
  socket_.send_to(asio::buffer(data.data(), data.size()), to, 0, ec);
  return !ec;
}

size_t UdpService::send_all(std::span<const OutboundPacket> datagrams,
                            const asio::ip::udp::endpoint& to, uint64_t& bytes) {
  const size_t n = datagrams.size();
  if (n == 0 || !socket_.is_open()) return 0;
  // Messages: runs of equal-sized datagrams when segmenting, else one each.
  messages_.clear();
  message_datagrams_.clear();
  iovecs_.resize(n * OutboundPacket::kMaxPieces);
  controls_.resize(n);
  size_t piece = 0;
  for (size_t i = 0; i < n;) {
    const size_t segment = datagrams[i].size();
    size_t end = i + 1;
    if (segmentation_) {
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
    for (size_t k = i; k < end; ++k) {
      const auto pieces = datagrams[k].pieces();
      for (size_t p = 0; p < pieces.count; ++p) {
        iovecs_[piece].iov_base = const_cast<uint8_t*>(pieces.piece[p].data());
        iovecs_[piece++].iov_len = pieces.piece[p].size();
      }
    }
    h.msg_iovlen = static_cast<size_t>(&iovecs_[piece] - static_cast<iovec*>(h.msg_iov));
    if (end - i > 1) {
      auto& control = controls_[messages_.size()];
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
  const int fd = socket_.native_handle();
  const size_t m = messages_.size();
  size_t i = 0, sent = 0, first = 0;  // first: datagram index of message i
  while (i < m) {
    const int r = sendmmsg(fd, &messages_[i], static_cast<unsigned>(m - i), MSG_DONTWAIT);
    if (r > 0) {
      for (int k = 0; k < r; ++k, ++i) {
        for (size_t d = 0; d < message_datagrams_[i]; ++d) bytes += datagrams[first + d].size();
        sent += message_datagrams_[i];
        first += message_datagrams_[i];
      }
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && (errno == EIO || errno == EINVAL) && message_datagrams_[i] > 1) {
      // The device cannot segment: send the rest one datagram at a time.
      segmentation_ = false;
      uint64_t rest = 0;
      sent += send_all(datagrams.subspan(first), to, rest);
      bytes += rest;
      return sent;
    } else {
      // Refused (a full send buffer): dropped, as send_to would.
      first += message_datagrams_[i++];
    }
  }
  return sent;
}

void UdpService::do_receive() {
  socket_.async_receive_from(asio::buffer(buffer_), sender_,
                             [this](const asio::error_code& ec, size_t n) {
                               if (ec == asio::error::operation_aborted) return;
                               if (!ec)
                                 on_datagram(std::span<const uint8_t>(buffer_.data(), n), sender_);
                               // Whatever else waits is read now, before
                               // the sends queued behind this wake.
                               if (!ec) read_waiting(kReadBatch);
                               if (socket_.is_open()) do_receive();
                             });
}

void UdpService::read_pending() {
  read_waiting(kReadBatch);
}

void UdpService::read_waiting(size_t limit) {
  for (size_t i = 0; i < limit && socket_.is_open(); ++i) {
    asio::error_code ec;
    // Buffers of its own: the pending asynchronous read may already hold a
    // datagram in buffer_ (asio reads speculatively when it starts).
    asio::ip::udp::endpoint from;
    const size_t n = socket_.receive_from(asio::buffer(waiting_), from, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return;
    if (!ec) on_datagram(std::span<const uint8_t>(waiting_.data(), n), from);
  }
}

void UdpService::on_datagram(std::span<const uint8_t> data, const asio::ip::udp::endpoint& sender) {
  if (auto it = sessions_.find(sender); it != sessions_.end()) {
    if (common::is_rtcp(data)) {
      auto session = it->second;  // the session may end inside
      session->on_datagram(data);
      return;
    }
  }
  auto reply = cookies_.reply_to(data, sender, Clock::now());
  if (!reply) {
    ++stray_;
    return;
  }
  if (reply->type == common::HandshakeType::cookie) {
    send_to(common::write_handshake(*reply), sender);
    return;
  }
  if (sessions_.count(sender)) {
    send_to(common::write_handshake(*reply), sender);  // a repeated HELLO: ACCEPT again
    return;
  }
  const auto peer = sender;
  const bool admitted = admission_(peer, [&](std::shared_ptr<UdpSession> session) {
    send_to(common::write_handshake(*reply), peer);
    sessions_[peer] = std::move(session);
  });
  if (admitted) return;
  reply->type = common::HandshakeType::full;
  send_to(common::write_handshake(*reply), peer);
}

}  // namespace flowcast::server
