// HandshakeCookies with a given clock: a cookie proves one address and port
// for its epoch and the next, and no reply is ever larger than the datagram
// it answers (docs/SECURITY.md: no amplification).
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "common/rtp/handshake.hpp"
#include "server/transport/handshake_cookies.hpp"

using namespace flowcast;
using namespace flowcast::server;
using namespace std::chrono_literals;
using Clock = HandshakeCookies::Clock;
using asio::ip::udp;

namespace {

constexpr HandshakeCookies::Secret kSecret = {1, 2,  3,  4,  5,  6,  7,  8,
                                              9, 10, 11, 12, 13, 14, 15, 16};
// The start of an epoch, far from the clock's origin.
const Clock::time_point kEpochStart = Clock::time_point{} + 1000 * HandshakeCookies::kEpoch;

udp::endpoint endpoint(const char* address, uint16_t port) {
  return {asio::ip::make_address(address), port};
}

std::vector<uint8_t> hello(const common::Cookie& cookie = {}) {
  return common::write_handshake({common::HandshakeType::hello, cookie});
}

}  // namespace

TEST_CASE("A handshake cookie verifies for its address in its epoch and the next",
          "[unit][server][udp]") {
  const HandshakeCookies cookies(kSecret);
  const auto client = endpoint("192.0.2.7", 40000);
  const auto cookie = cookies.issue(client, kEpochStart + 5s);
  CHECK(cookies.verify(cookie, client, kEpochStart));
  CHECK(cookies.verify(cookie, client, kEpochStart + 29s));
  // The epoch after: still good, so a cookie issued just before a boundary works.
  CHECK(cookies.verify(cookie, client, kEpochStart + 30s));
  CHECK(cookies.verify(cookie, client, kEpochStart + 59s));
  // Two epochs on: expired.
  CHECK_FALSE(cookies.verify(cookie, client, kEpochStart + 60s));
  CHECK_FALSE(cookies.verify(cookie, client, kEpochStart + 1h));
  // Nor from before it was issued (the epoch before).
  CHECK_FALSE(cookies.verify(cookie, client, kEpochStart - 1s));
}

TEST_CASE("A handshake cookie proves one address and port only", "[unit][server][udp][hostile]") {
  const HandshakeCookies cookies(kSecret);
  const auto now = kEpochStart + 10s;
  const auto client = endpoint("192.0.2.7", 40000);
  const auto cookie = cookies.issue(client, now);
  CHECK(cookies.verify(cookie, client, now));
  CHECK_FALSE(cookies.verify(cookie, endpoint("192.0.2.8", 40000), now));
  CHECK_FALSE(cookies.verify(cookie, endpoint("192.0.2.7", 40001), now));
  CHECK_FALSE(cookies.verify(cookie, endpoint("::ffff:192.0.2.7", 40000), now));
  CHECK_FALSE(cookies.verify(common::Cookie{}, client, now));
  // An IPv6 client's cookie is bound the same way.
  const auto v6 = endpoint("2001:db8::1", 5004);
  CHECK(cookies.verify(cookies.issue(v6, now), v6, now));
  CHECK_FALSE(cookies.verify(cookies.issue(v6, now), endpoint("2001:db8::2", 5004), now));
  // Another server (another secret) issues other cookies.
  HandshakeCookies::Secret other = kSecret;
  other[0] ^= 1;
  CHECK_FALSE(HandshakeCookies(other).verify(cookie, client, now));
  CHECK(HandshakeCookies(kSecret).verify(cookie, client, now));
}

TEST_CASE("The handshake: COOKIE for a first HELLO, ACCEPT for a proven one",
          "[unit][server][udp]") {
  const HandshakeCookies cookies(kSecret);
  const auto client = endpoint("127.0.0.1", 51000);
  const auto now = kEpochStart + 3s;
  auto challenge = cookies.reply_to(hello(), client, now);
  REQUIRE(challenge);
  CHECK(challenge->type == common::HandshakeType::cookie);
  CHECK(challenge->cookie == cookies.issue(client, now));
  auto accept = cookies.reply_to(hello(challenge->cookie), client, now + 1s);
  REQUIRE(accept);
  CHECK(accept->type == common::HandshakeType::accept);
  CHECK(accept->cookie == challenge->cookie);
  // The cookie echoed from another port is a new challenge, not an ACCEPT.
  auto stolen = cookies.reply_to(hello(challenge->cookie), endpoint("127.0.0.1", 51001), now);
  REQUIRE(stolen);
  CHECK(stolen->type == common::HandshakeType::cookie);
  // Other handshake messages, RTP-like and empty datagrams get nothing.
  for (auto type :
       {common::HandshakeType::cookie, common::HandshakeType::accept, common::HandshakeType::full})
    CHECK_FALSE(cookies.reply_to(common::write_handshake({type, challenge->cookie}), client, now));
  CHECK_FALSE(cookies.reply_to(std::vector<uint8_t>(24, 0x80), client, now));
  CHECK_FALSE(cookies.reply_to({}, client, now));
}

TEST_CASE("A handshake reply is never larger than the datagram it answers",
          "[unit][server][udp][hostile]") {
  const HandshakeCookies cookies(kSecret);
  const auto client = endpoint("198.51.100.9", 6000);
  const auto now = kEpochStart;
  std::mt19937 rng(7);
  std::vector<std::vector<uint8_t>> requests = {hello(), hello(cookies.issue(client, now))};
  // Datagrams of every size up to 100 bytes: random, and HELLOs cut or padded.
  for (size_t size = 0; size <= 100; ++size) {
    std::vector<uint8_t> random(size);
    for (auto& b : random) b = static_cast<uint8_t>(rng());
    if (!random.empty()) random[0] = 'F';  // a control datagram's first byte
    requests.push_back(random);
    auto resized = hello();
    resized.resize(size, 0);
    requests.push_back(resized);
  }
  size_t replies = 0;
  for (const auto& request : requests) {
    auto reply = cookies.reply_to(request, client, now);
    if (!reply) continue;
    ++replies;
    CHECK(common::write_handshake(*reply).size() <= request.size());
    // A refusal (FULL) is the ACCEPT with another type: no larger either.
    reply->type = common::HandshakeType::full;
    CHECK(common::write_handshake(*reply).size() <= request.size());
  }
  // Only exact HELLOs were answered: the two, and the one resized to its own size.
  CHECK(replies == 3);
}
