#include "server/transport/udp_service.hpp"

#include <cerrno>
#include <random>

#include "common/rtp/handshake.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "common/util/siphash.hpp"

namespace flowcast::server {

using Clock = std::chrono::steady_clock;
namespace {
constexpr int kCookieEpochSeconds = 30;
}  // namespace

UdpSession::UdpSession(asio::io_context& io, SessionHost& host, SessionSource source, uint64_t id,
                       UdpService& service, asio::ip::udp::endpoint peer)
    : Session(io, host, std::move(source), id, "udp"), service_(service), endpoint_(peer) {}

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
                       SessionFactory factory)
    : socket_(io), factory_(std::move(factory)) {
  socket_.open(bind.protocol());
  socket_.set_option(asio::socket_base::reuse_address(true));
  socket_.bind(bind);
  socket_.non_blocking(true);
  std::random_device rd;
  for (auto& b : secret_) b = static_cast<uint8_t>(rd());
}

void UdpService::start() { do_receive(); }

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

std::array<uint8_t, 16> UdpService::cookie_for(const asio::ip::udp::endpoint& peer,
                                               uint64_t epoch) const {
  std::vector<uint8_t> msg;
  if (peer.address().is_v4()) {
    auto b = peer.address().to_v4().to_bytes();
    msg.assign(b.begin(), b.end());
  } else {
    auto b = peer.address().to_v6().to_bytes();
    msg.assign(b.begin(), b.end());
  }
  msg.push_back(static_cast<uint8_t>(peer.port() >> 8));
  msg.push_back(static_cast<uint8_t>(peer.port()));
  for (int i = 0; i < 8; ++i) msg.push_back(static_cast<uint8_t>(epoch >> (8 * i)));
  uint64_t a = common::siphash24(secret_, msg);
  msg.push_back(0x5a);
  uint64_t b = common::siphash24(secret_, msg);
  std::array<uint8_t, 16> cookie{};
  for (int i = 0; i < 8; ++i) {
    cookie[i] = static_cast<uint8_t>(a >> (8 * i));
    cookie[8 + i] = static_cast<uint8_t>(b >> (8 * i));
  }
  return cookie;
}

void UdpService::on_datagram(std::span<const uint8_t> data) {
  if (auto it = sessions_.find(sender_); it != sessions_.end()) {
    if (common::is_rtcp(data)) {
      auto session = it->second;  // the session may end inside
      session->on_datagram(data);
      return;
    }
  }
  auto hello = common::parse_handshake(data);
  if (!hello || hello->type != common::HandshakeType::hello) {
    ++stray_;
    return;
  }
  const uint64_t epoch = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count() /
      kCookieEpochSeconds);
  const bool proven = hello->cookie == cookie_for(sender_, epoch) ||
                      hello->cookie == cookie_for(sender_, epoch - 1);
  common::HandshakeMessage reply;
  if (!proven) {
    reply.type = common::HandshakeType::cookie;
    reply.cookie = cookie_for(sender_, epoch);
    send_to(common::write_handshake(reply), sender_);
    return;
  }
  reply.cookie = hello->cookie;
  if (sessions_.count(sender_)) {
    reply.type = common::HandshakeType::accept;  // a repeated HELLO: say so again
    send_to(common::write_handshake(reply), sender_);
    return;
  }
  auto session = factory_(sender_);
  reply.type = session ? common::HandshakeType::accept : common::HandshakeType::full;
  send_to(common::write_handshake(reply), sender_);
  if (!session) return;
  sessions_[sender_] = session;
  session->begin();
}

}  // namespace flowcast::server
