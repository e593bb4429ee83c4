#include "server/transport/handshake_cookies.hpp"

#include <random>
#include <vector>

#include "common/util/siphash.hpp"

namespace flowcast::server {
namespace {

uint64_t epoch_of(HandshakeCookies::Clock::time_point now) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() /
      HandshakeCookies::kEpoch.count());
}

}  // namespace

HandshakeCookies::HandshakeCookies() {
  std::random_device rd;
  for (auto& b : secret_) b = static_cast<uint8_t>(rd());
}

common::Cookie HandshakeCookies::issue(const asio::ip::udp::endpoint& peer,
                                       Clock::time_point now) const {
  return cookie_for(peer, epoch_of(now));
}

bool HandshakeCookies::verify(const common::Cookie& cookie, const asio::ip::udp::endpoint& peer,
                              Clock::time_point now) const {
  const uint64_t epoch = epoch_of(now);
  return cookie == cookie_for(peer, epoch) || cookie == cookie_for(peer, epoch - 1);
}

std::optional<common::HandshakeMessage> HandshakeCookies::reply_to(
    std::span<const uint8_t> datagram, const asio::ip::udp::endpoint& peer,
    Clock::time_point now) const {
  auto hello = common::parse_handshake(datagram);
  if (!hello || hello->type != common::HandshakeType::hello) return std::nullopt;
  common::HandshakeMessage reply;
  if (!verify(hello->cookie, peer, now)) {
    reply.type = common::HandshakeType::cookie;
    reply.cookie = issue(peer, now);
    return reply;
  }
  reply.type = common::HandshakeType::accept;
  reply.cookie = hello->cookie;
  return reply;
}

common::Cookie HandshakeCookies::cookie_for(const asio::ip::udp::endpoint& peer,
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
  const uint64_t a = common::siphash24(secret_, msg);
  // A second hash over one more byte fills the 16-byte cookie.
  msg.push_back(0x5a);
  const uint64_t b = common::siphash24(secret_, msg);
  common::Cookie cookie{};
  for (int i = 0; i < 8; ++i) {
    cookie[i] = static_cast<uint8_t>(a >> (8 * i));
    cookie[8 + i] = static_cast<uint8_t>(b >> (8 * i));
  }
  return cookie;
}

}  // namespace flowcast::server
