#pragma once
// The server's side of the UDP handshake (common/rtp/handshake.hpp), without
// the socket: stateless cookies, and the reply a datagram earns.
//
// A cookie is SipHash-2-4, under a random 128-bit secret, of the client's
// address, port and the 30 s epoch it was issued in. The server keeps no
// state per address: a HELLO that echoes the cookie of its own address and
// port, issued in this epoch or the one before, proves that the client
// receives there (so a cookie lives 30 to 60 s). Only then does media flow.
//
// Every reply is a handshake message, the size of the HELLO it answers, and
// anything that is not exactly a HELLO gets none: an unproven address can
// never be used to amplify traffic.
//
// Time comes from the caller. Not thread-safe; the UDP service's network
// thread uses it.
#include <array>
#include <asio/ip/udp.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

#include "common/rtp/handshake.hpp"

namespace flowcast::server {

class HandshakeCookies {
 public:
  using Clock = std::chrono::steady_clock;
  using Secret = std::array<uint8_t, 16>;
  static constexpr std::chrono::seconds kEpoch{30};

  // A random secret (std::random_device).
  HandshakeCookies();
  // A given secret: two instances with the same one agree (tests).
  explicit HandshakeCookies(const Secret& secret) : secret_(secret) {}

  // The cookie for `peer` at `now`.
  common::Cookie issue(const asio::ip::udp::endpoint& peer, Clock::time_point now) const;
  // True when `cookie` was issued to `peer` (address and port) in the epoch
  // of `now` or in the one before.
  bool verify(const common::Cookie& cookie, const asio::ip::udp::endpoint& peer,
              Clock::time_point now) const;

  // The reply due to a datagram from `peer` at `now` (one that is not RTCP
  // of a known session). nullopt: it is not a HELLO, and gets no reply. A
  // HELLO without a valid cookie gets a COOKIE; a proven one gets an ACCEPT
  // echoing its cookie, which the caller turns into a FULL when it refuses
  // the client.
  std::optional<common::HandshakeMessage> reply_to(std::span<const uint8_t> datagram,
                                                   const asio::ip::udp::endpoint& peer,
                                                   Clock::time_point now) const;

 private:
  common::Cookie cookie_for(const asio::ip::udp::endpoint& peer, uint64_t epoch) const;

  Secret secret_{};
};

}  // namespace flowcast::server
