#include "server/transport/udp_service.hpp"

#include <cerrno>

#include "common/rtp/handshake.hpp"
#include "common/rtp/rtp_packet.hpp"

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

Session::Sent UdpSession::send_packets(std::span<std::vector<uint8_t>> packets) {
  Sent sent;
  if (ended()) return sent;
  sent.packets = service_.send_all(packets, endpoint_, sent.bytes);
  kernel_refused_ += packets.size() - sent.packets;
  return sent;
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

size_t UdpService::send_all(std::span<const std::vector<uint8_t>> datagrams,
                            const asio::ip::udp::endpoint& to, uint64_t& bytes) {
  const size_t n = datagrams.size();
  if (n == 0 || !socket_.is_open()) return 0;
  messages_.assign(n, mmsghdr{});
  iovecs_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    iovecs_[i].iov_base = const_cast<uint8_t*>(datagrams[i].data());
    iovecs_[i].iov_len = datagrams[i].size();
    auto& h = messages_[i].msg_hdr;
    h.msg_name = const_cast<sockaddr*>(to.data());
    h.msg_namelen = static_cast<socklen_t>(to.size());
    h.msg_iov = &iovecs_[i];
    h.msg_iovlen = 1;
  }
  const int fd = socket_.native_handle();
  size_t i = 0, sent = 0;
  while (i < n) {
    const int r = sendmmsg(fd, &messages_[i], static_cast<unsigned>(n - i), MSG_DONTWAIT);
    if (r > 0) {
      for (int k = 0; k < r; ++k) bytes += datagrams[i + static_cast<size_t>(k)].size();
      sent += static_cast<size_t>(r);
      i += static_cast<size_t>(r);
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      ++i;  // refused (a full send buffer): dropped, as send_to would
    }
  }
  return sent;
}

void UdpService::do_receive() {
  socket_.async_receive_from(asio::buffer(buffer_), sender_,
                             [this](const asio::error_code& ec, size_t n) {
                               if (ec == asio::error::operation_aborted) return;
                               if (!ec) on_datagram(std::span<const uint8_t>(buffer_.data(), n));
                               if (socket_.is_open()) do_receive();
                             });
}

void UdpService::on_datagram(std::span<const uint8_t> data) {
  if (auto it = sessions_.find(sender_); it != sessions_.end()) {
    if (common::is_rtcp(data)) {
      auto session = it->second;  // the session may end inside
      session->on_datagram(data);
      return;
    }
  }
  auto reply = cookies_.reply_to(data, sender_, Clock::now());
  if (!reply) {
    ++stray_;
    return;
  }
  if (reply->type == common::HandshakeType::cookie) {
    send_to(common::write_handshake(*reply), sender_);
    return;
  }
  if (sessions_.count(sender_)) {
    send_to(common::write_handshake(*reply), sender_);  // a repeated HELLO: ACCEPT again
    return;
  }
  const auto peer = sender_;
  const bool admitted = admission_(peer, [&](std::shared_ptr<UdpSession> session) {
    send_to(common::write_handshake(*reply), peer);
    sessions_[peer] = std::move(session);
  });
  if (admitted) return;
  reply->type = common::HandshakeType::full;
  send_to(common::write_handshake(*reply), peer);
}

}  // namespace flowcast::server
