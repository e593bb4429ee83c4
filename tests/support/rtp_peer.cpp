#include "support/rtp_peer.hpp"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "support/udp_peer.hpp"

namespace flowcast::test {

using Clock = std::chrono::steady_clock;

namespace {

constexpr uint8_t kNalIdr = 5;
constexpr uint8_t kNalStapA = 24;
constexpr uint8_t kNalFuA = 28;

uint16_t local_port_of(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  return ntohs(addr.sin_port);
}

// Waits until fd has `events` or the deadline passes; true if it has. A
// deadline already past still looks once.
bool wait_fd(int fd, short events, SteadyTime deadline) {
  const auto left = std::max(Clock::duration::zero(), deadline - Clock::now());
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  pollfd p{fd, events, 0};
  const int r = ppoll(&p, 1, &ts, nullptr);
  return r > 0;
}

}  // namespace

// ---- RtpTally ----

bool starts_idr_slice(std::span<const uint8_t> payload) {
  if (payload.empty()) return false;
  const uint8_t type = payload[0] & 0x1F;
  if (type == kNalIdr) return true;
  if (type == kNalFuA)
    return payload.size() >= 2 && (payload[1] & 0x80) != 0 && (payload[1] & 0x1F) == kNalIdr;
  if (type == kNalStapA) {
    // A STAP-A: 16-bit sizes, each followed by that many bytes of NAL.
    size_t at = 1;
    while (at + 2 <= payload.size()) {
      const size_t size = static_cast<size_t>(payload[at] << 8 | payload[at + 1]);
      at += 2;
      if (size == 0 || at + size > payload.size()) return false;
      if ((payload[at] & 0x1F) == kNalIdr) return true;
      at += size;
    }
  }
  return false;
}

namespace {
constexpr uint8_t kVideoPayloadType = 96;  // Server::session_source: stream 0
}  // namespace

void RtpTally::add(std::span<const uint8_t> packet) {
  if (common::is_rtcp(packet)) {
    ++count_.rtcp;
    const auto rtcp = common::parse_rtcp(packet);
    if (!rtcp) return;
    if (!rtcp->byes.empty()) count_.bye = true;
    for (const auto& app : rtcp->apps) {
      if (app.name != common::kAppSessionDescription) continue;
      if (!count_.packets_before_description) count_.packets_before_description = count_.packets;
      ++count_.descriptions;
      description_.assign(app.data.begin(), app.data.end());
      while (!description_.empty() && description_.back() == '\0') description_.pop_back();
    }
    return;
  }
  auto rtp = common::parse_rtp(packet);
  if (!rtp) {
    ++count_.malformed;
    return;
  }
  if (rtp->header.payload_type != kVideoPayloadType) {
    ++count_.other_streams;
    return;
  }
  ++count_.packets;
  count_.bytes += packet.size();
  const uint16_t seq = rtp->header.sequence;
  if (!ssrc_) ssrc_ = rtp->header.ssrc;
  if (!first_) first_ = seq;
  if (!highest_) {
    highest_ = seq;
  } else if (static_cast<int16_t>(static_cast<uint16_t>(seq - *highest_)) > 0) {
    if (seq < *highest_) ++cycles_;
    highest_ = seq;
  }
  if (seen_[seq]) return;
  seen_[seq] = true;
  ++count_.first_packets;
  count_.first_bytes += packet.size();
  if (starts_idr_slice(rtp->payload) && idr_timestamps_.insert(rtp->header.timestamp).second)
    ++count_.idr_pictures;
}

uint32_t RtpTally::extended_highest() const {
  return highest_ ? (cycles_ << 16) | *highest_ : 0;
}

std::vector<uint16_t> RtpTally::last_sequences(size_t n) const {
  std::vector<uint16_t> out;
  if (!highest_ || n == 0) return out;
  out.reserve(n);
  const auto oldest = static_cast<uint16_t>(*highest_ - (n - 1));
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<uint16_t>(oldest + i));
  return out;
}

// ---- RTCP a viewer sends ----

std::vector<uint8_t> rtcp_receiver_report(const RtpTally& tally) {
  common::ReceiverReport rr;
  rr.sender_ssrc = kPeerSsrc;
  if (tally.ssrc()) {
    common::ReportBlock block;
    block.ssrc = *tally.ssrc();
    block.highest_sequence = tally.extended_highest();
    rr.blocks.push_back(block);
  }
  std::vector<uint8_t> out;
  common::write_receiver_report(rr, out);
  return out;
}

std::vector<uint8_t> rtcp_nack(const RtpTally& tally, const std::vector<uint16_t>& sequences) {
  std::vector<uint8_t> out;
  common::write_nack(common::GenericNack{kPeerSsrc, tally.ssrc().value_or(0), sequences}, out);
  return out;
}

std::vector<uint16_t> every_sequence_from(uint16_t oldest) {
  // write_nack sorts by sequence_delta() from the first entry, in
  // [-32768, 32767]: the entry half the space after `oldest` goes first so
  // that `oldest` (distance -32768) leads the wire order.
  std::vector<uint16_t> out;
  out.reserve(65536);
  const auto first = static_cast<uint16_t>(oldest + 32768);
  for (uint32_t i = 0; i < 65536; ++i) out.push_back(static_cast<uint16_t>(first + i));
  return out;
}

std::vector<uint8_t> rtcp_pli(const RtpTally& tally) {
  std::vector<uint8_t> out;
  common::write_pli(common::PictureLossIndication{kPeerSsrc, tally.ssrc().value_or(0)}, out);
  return out;
}

std::vector<uint8_t> rtcp_bye() {
  std::vector<uint8_t> out;
  common::write_receiver_report(common::ReceiverReport{kPeerSsrc, {}}, out);
  common::write_bye(common::Goodbye{{kPeerSsrc}}, out);
  return out;
}

// ---- UdpRtpPeer ----

UdpRtpPeer::UdpRtpPeer(uint16_t server_port) {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  // Room for what a flood brings back (the kernel caps it at rmem_max).
  const int rcvbuf = 4 << 20;
  setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  const sockaddr_in server = loopback(server_port);
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
    close(fd_);
    throw std::runtime_error("connect failed");
  }
  local_port_ = local_port_of(fd_);
}

UdpRtpPeer::~UdpRtpPeer() {
  if (fd_ >= 0) close(fd_);
}

bool UdpRtpPeer::send(std::span<const uint8_t> datagram) {
  return ::send(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(datagram.size());
}

void UdpRtpPeer::on_datagram(std::span<const uint8_t> datagram) {
  if (common::is_handshake(datagram)) {
    if (auto m = common::parse_handshake(datagram)) last_reply_ = m;
    return;
  }
  tally_.add(datagram);
}

void UdpRtpPeer::receive_until(SteadyTime deadline) {
  static thread_local std::array<uint8_t, 65536> buffer;
  do {
    if (!wait_fd(fd_, POLLIN, deadline)) continue;
    for (;;) {
      const ssize_t n = recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        break;  // EAGAIN, or an ICMP refusal (ECONNREFUSED): nothing more now
      }
      on_datagram(std::span<const uint8_t>(buffer.data(), static_cast<size_t>(n)));
    }
  } while (Clock::now() < deadline);
}

std::optional<common::HandshakeType> UdpRtpPeer::handshake(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  common::HandshakeMessage hello;  // a zero cookie first
  last_reply_.reset();
  while (Clock::now() < deadline) {
    send(common::write_handshake(hello));
    const auto retry = std::min(deadline, Clock::now() + std::chrono::milliseconds(250));
    while (Clock::now() < retry) {
      receive_until(std::min(retry, Clock::now() + std::chrono::milliseconds(10)));
      if (!last_reply_) continue;
      const auto reply = *last_reply_;
      last_reply_.reset();
      if (reply.type == common::HandshakeType::cookie) {
        hello.cookie = reply.cookie;  // prove the address: echo it
        break;
      }
      if (reply.type == common::HandshakeType::accept || reply.type == common::HandshakeType::full)
        return reply.type;
    }
  }
  return std::nullopt;
}

// ---- TcpRtpPeer ----

TcpRtpPeer::TcpRtpPeer(uint16_t server_port, int rcvbuf) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  const sockaddr_in server = loopback(server_port);
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
    close(fd_);
    throw std::runtime_error("connect failed: " + std::to_string(errno));
  }
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  local_port_ = local_port_of(fd_);
}

TcpRtpPeer::~TcpRtpPeer() {
  if (fd_ >= 0) close(fd_);
}

bool TcpRtpPeer::send_framed(std::span<const uint8_t> packet, std::chrono::milliseconds timeout) {
  std::vector<uint8_t> framed;
  if (!common::frame_rfc4571(packet, framed)) return false;
  const auto deadline = Clock::now() + timeout;
  size_t at = 0;
  while (at < framed.size()) {
    const ssize_t n = ::send(fd_, framed.data() + at, framed.size() - at, MSG_NOSIGNAL);
    if (n > 0) {
      at += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_fd(fd_, POLLOUT, deadline)) return false;
      continue;
    }
    return false;  // reset, or closed
  }
  return true;
}

bool TcpRtpPeer::receive_until(SteadyTime deadline) {
  static thread_local std::array<uint8_t, 65536> buffer;
  while (!closed_) {
    if (wait_fd(fd_, POLLIN, deadline)) {
      for (;;) {
        const ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
        if (n > 0) {
          deframer_.feed(std::span<const uint8_t>(buffer.data(), static_cast<size_t>(n)),
                         [this](std::span<const uint8_t> p) { tally_.add(p); });
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        closed_ = true;  // FIN (0), or a reset
        break;
      }
    }
    if (Clock::now() >= deadline) break;
  }
  return !closed_;
}

bool TcpRtpPeer::wait_closed(SteadyTime deadline) {
  while (!closed_ && Clock::now() < deadline) receive_until(deadline);
  return closed_;
}

}  // namespace flowcast::test
