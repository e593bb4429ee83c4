// The datagram transports on real loopback sockets, the test as their
// session: flowcast's UdpSessionTransport behind the UdpService handshake,
// and RTSP's RtspUdpTransport from the listener's two ports.
#include <catch2/catch.hpp>
#include <optional>

#include "common/rtp/handshake.hpp"
#include "common/rtp/rtcp.hpp"
#include "server/transport/loopback.hpp"
#include "server/transport/rtsp_listener.hpp"
#include "server/transport/rtsp_udp_transport.hpp"
#include "server/transport/transport_events.hpp"
#include "server/transport/udp_service.hpp"

using namespace flowcast;
using namespace flowcast::server;
using namespace std::chrono_literals;

namespace {

const auto kLoopback = asio::ip::make_address("127.0.0.1");

// Reads the datagrams waiting on `socket` now, without blocking.
std::vector<std::vector<uint8_t>> datagrams(asio::ip::udp::socket& socket) {
  socket.non_blocking(true);
  std::vector<std::vector<uint8_t>> out;
  std::array<uint8_t, 2048> buffer{};
  for (;;) {
    asio::error_code ec;
    const size_t n = socket.receive(asio::buffer(buffer), 0, ec);
    if (ec) return out;
    out.emplace_back(buffer.begin(), buffer.begin() + static_cast<long>(n));
  }
}

std::vector<uint8_t> receiver_report() {
  std::vector<uint8_t> rr;
  common::write_receiver_report(common::ReceiverReport{0x5eed, {}}, rr);
  return rr;
}

std::vector<uint8_t> goodbye() {
  std::vector<uint8_t> bye;
  common::write_goodbye(0x1234, "", bye);
  return bye;
}

}  // namespace

TEST_CASE("UDP session transport: after the handshake, media and RTCP flow; release frees it",
          "[unit]") {
  asio::io_context io;
  test::TransportEvents events;
  std::shared_ptr<UdpSessionTransport> transport;
  int admitted = 0;
  std::optional<UdpService> service;
  service.emplace(io, asio::ip::udp::endpoint(kLoopback, 0),
                  [&](const asio::ip::udp::endpoint& peer, const UdpService::Accept& accept) {
                    ++admitted;
                    transport = std::make_shared<UdpSessionTransport>(*service, peer);
                    accept(transport);
                    events.start(*transport);
                    return true;
                  });
  service->start();
  asio::ip::udp::socket client(io, asio::ip::udp::endpoint(kLoopback, 0));
  const asio::ip::udp::endpoint server(kLoopback, service->local_port());
  client.send_to(asio::buffer(common::write_handshake({})), server);
  std::optional<common::HandshakeMessage> cookie;
  REQUIRE(test::run_until(io, [&] {
    for (auto& d : datagrams(client)) cookie = common::parse_handshake(d);
    return cookie.has_value();
  }));
  REQUIRE(cookie->type == common::HandshakeType::cookie);
  client.send_to(
      asio::buffer(common::write_handshake({common::HandshakeType::hello, cookie->cookie})),
      server);
  REQUIRE(test::run_until(io, [&] { return transport != nullptr; }));
  CHECK(transport->peer() == "127.0.0.1:" + std::to_string(client.local_endpoint().port()));
  CHECK(transport->traits().bye_on_silence);
  // No queue of its own: never past a mark.
  CHECK(transport->has_room(1 << 30));

  // A burst leaves as one datagram per packet, in order, after the ACCEPT.
  std::vector<OutboundPacket> burst;
  for (uint16_t i = 0; i < 5; ++i) burst.emplace_back(test::rtp_packet(i, 400 + i));
  const auto sent = transport->write_burst(burst);
  CHECK_FALSE(sent.past_mark);
  CHECK(sent.packets == 5);
  CHECK(sent.bytes == 5 * 412 + 10);
  std::vector<std::vector<uint8_t>> got;
  REQUIRE(test::run_until(io, [&] {
    for (auto& d : datagrams(client)) got.push_back(d);
    return got.size() == 6;
  }));
  CHECK(common::parse_handshake(got[0])->type == common::HandshakeType::accept);
  for (uint16_t i = 0; i < 5; ++i) CHECK(got[i + 1u] == test::rtp_packet(i, 400 + i));

  // The client's RTCP goes to its transport.
  client.send_to(asio::buffer(receiver_report()), server);
  REQUIRE(test::run_until(io, [&] { return events.rtcp.size() == 1; }));
  CHECK(events.rtcp[0] == receiver_report());

  // Released (the session ended), the address is free: a new HELLO with the
  // cookie is admitted as a new session, and the old transport sends nothing.
  transport->release();
  auto old = transport;
  CHECK_FALSE(old->write(test::outbound(test::rtp_packet(9, 10))));
  client.send_to(
      asio::buffer(common::write_handshake({common::HandshakeType::hello, cookie->cookie})),
      server);
  REQUIRE(test::run_until(io, [&] { return admitted == 2; }));
  CHECK(transport != old);
  transport->release();
}

TEST_CASE("RTSP UDP transport: RTP and RTCP from the listener's ports, the BYE trails the media",
          "[unit]") {
  asio::io_context io;
  RtspUdpPorts ports(io, kLoopback);
  ports.start();
  asio::ip::udp::socket rtp(io, asio::ip::udp::endpoint(kLoopback, 0));
  asio::ip::udp::socket rtcp(io, asio::ip::udp::endpoint(kLoopback, 0));
  auto transport = std::make_shared<RtspUdpTransport>(
      io, std::weak_ptr<RtspServerProtocol>(), ports, rtp.local_endpoint(), rtcp.local_endpoint());
  ports.attach(transport);
  CHECK(ports.in_use(rtp.local_endpoint()));
  test::TransportEvents events;
  events.start(*transport);
  CHECK(transport->traits().protocol == std::string("rtsp"));
  CHECK(transport->peer() == "127.0.0.1:" + std::to_string(rtp.local_endpoint().port()));

  REQUIRE(transport->write(test::outbound(test::rtp_packet(1, 100))));
  REQUIRE(transport->write(test::outbound(receiver_report())));
  const auto bye_at = std::chrono::steady_clock::now();
  REQUIRE(transport->write(test::outbound(goodbye())));
  std::vector<std::vector<uint8_t>> media, control;
  asio::ip::udp::endpoint from;
  REQUIRE(test::run_until(io, [&] {
    for (auto& d : datagrams(rtp)) media.push_back(d);
    for (auto& d : datagrams(rtcp)) control.push_back(d);
    return media.size() == 1 && control.size() == 1;
  }));
  CHECK(media[0] == test::rtp_packet(1, 100));
  CHECK(control[0] == receiver_report());
  // The BYE leaves kByeDelay later, from the RTCP port.
  REQUIRE(test::run_until(io, [&] {
    for (auto& d : datagrams(rtcp)) control.push_back(d);
    return control.size() == 2;
  }));
  CHECK(std::chrono::steady_clock::now() - bye_at >= RtspUdpTransport::kByeDelay);
  CHECK(control[1] == goodbye());

  // The client's RTCP, sent to the RTCP port from its RTCP port.
  rtcp.send_to(asio::buffer(receiver_report()),
               asio::ip::udp::endpoint(kLoopback, ports.rtcp_port()));
  REQUIRE(test::run_until(io, [&] { return events.rtcp.size() == 1; }));
  CHECK(transport->last_rtcp() > bye_at);
  CHECK(ports.stray_datagrams() == 0);

  // close(): after kByeDelay, closed, and the client's ports are free.
  transport->close();
  CHECK_FALSE(events.closed);
  REQUIRE(test::run_until(io, [&] { return events.closed.has_value(); }));
  CHECK(events.closed->empty());
  CHECK_FALSE(ports.in_use(rtp.local_endpoint()));
  CHECK_FALSE(ports.in_use(rtcp.local_endpoint()));
  transport->release();
  // RTCP from a client with no transport is a stray.
  rtcp.send_to(asio::buffer(receiver_report()),
               asio::ip::udp::endpoint(kLoopback, ports.rtcp_port()));
  REQUIRE(test::run_until(io, [&] { return ports.stray_datagrams() == 1; }));
  CHECK(events.rtcp.size() == 1);
}
