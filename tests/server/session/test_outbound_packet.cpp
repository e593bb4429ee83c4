// OutboundPacket and the padded bursts RtpSender makes for segmented sends:
// every packet parses back (RFC 3550) to its own payload, the padding is
// where the burst needs it, and UdpService::send_all delivers each as its
// own datagram over a real loopback socket, segmented or not.
#include <sys/socket.h>

#include <asio.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "common/rtp/rtp_packet.hpp"
#include "server/session/outbound_packet.hpp"
#include "server/session/rtp_sender.hpp"
#include "server/transport/udp_service.hpp"

using namespace flowcast;
using namespace flowcast::server;

namespace {

// A frame whose payloads have these sizes, each filled with its index.
std::shared_ptr<const PacketizedFrame> frame_of(const std::vector<size_t>& sizes) {
  auto f = std::make_shared<PacketizedFrame>();
  f->pts_90k = 3000;
  for (size_t i = 0; i < sizes.size(); ++i) {
    f->payloads.emplace_back(sizes[i], static_cast<uint8_t>(0x40 + i));
    f->bytes += sizes[i];
  }
  return f;
}

std::vector<OutboundPacket> send(RtpSender& sender, const std::shared_ptr<const PacketizedFrame>& f,
                                 BurstSchedule schedule, bool pad) {
  std::vector<OutboundPacket> out;
  sender.send(f, 1000, schedule, pad,
              [&](OutboundPacket&& p, const common::RtpHeader&, size_t) { out.push_back(p); });
  return out;
}

}  // namespace

TEST_CASE("OutboundPacket: header, shared payload and padding parse back as RTP",
          "[unit][server][fanout]") {
  auto f = frame_of({700});
  common::RtpHeader h;
  h.sequence = 65535;
  h.timestamp = 123456;
  h.ssrc = 0xCAFE;
  h.marker = true;
  h.send_time_us = 42;
  for (size_t padding : {size_t{0}, size_t{1}, size_t{2}, size_t{255}}) {
    OutboundPacket p(h, f, 0, padding);
    const auto bytes = p.bytes();
    REQUIRE(bytes.size() == p.size());
    CHECK(p.size() == common::rtp_header_size(h) + 700 + padding);
    auto view = common::parse_rtp(bytes);
    REQUIRE(view);
    CHECK(view->padding == padding);
    CHECK(view->header.sequence == 65535);
    CHECK(view->header.ssrc == 0xCAFE);
    CHECK(view->header.marker);
    CHECK(view->header.send_time_us == 42u);
    CHECK(std::vector<uint8_t>(view->payload.begin(), view->payload.end()) == f->payloads[0]);
  }
  CHECK_THROWS(OutboundPacket(h, f, 0, 256));
  CHECK_THROWS(OutboundPacket(h, f, 1, 0));
  OutboundPacket own(std::vector<uint8_t>{1, 2, 3});
  CHECK(own.size() == 3);
  CHECK(own.bytes() == std::vector<uint8_t>{1, 2, 3});
}

TEST_CASE("RtpSender pads a burst's packets but its last to the burst's largest",
          "[unit][server][fanout]") {
  RtpSender sender;
  auto f = frame_of({1100, 1000, 1150, 900, 20, 1100});
  const BurstSchedule bursts{3, 2000};
  auto packets = send(sender, f, bursts, true);
  REQUIRE(packets.size() == 6);
  // Burst 1 (largest 1150): 50 and 150 bytes of padding, the last none.
  // Burst 2 (largest 1100): 200; 20 bytes would need 1080 (past 255): none.
  const std::vector<size_t> expected{50, 150, 0, 200, 0, 0};
  for (size_t i = 0; i < packets.size(); ++i) {
    INFO("packet " << i);
    CHECK(packets[i].padding() == expected[i]);
    const auto bytes = packets[i].bytes();
    auto view = common::parse_rtp(bytes);
    REQUIRE(view);
    CHECK(view->padding == expected[i]);
    CHECK(std::vector<uint8_t>(view->payload.begin(), view->payload.end()) == f->payloads[i]);
  }
  CHECK(packets[0].size() == packets[1].size());
  CHECK(packets[1].size() == packets[2].size());
  // Without padding asked for, none.
  for (const auto& p : send(sender, f, bursts, false)) CHECK(p.padding() == 0);
  // RFC 3550 §6.4.1: the sender's octet count leaves headers and padding out.
  CHECK(sender.sender_report(0, 0).octet_count == 2 * f->bytes);
}

TEST_CASE("UdpService::send_all: a padded burst arrives as one datagram per packet",
          "[integration][server][fanout]") {
  asio::io_context io;
  UdpService service(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
                     [](const auto&, const auto&) { return false; });
  asio::ip::udp::socket receiver(io,
                                 asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  receiver.set_option(asio::socket_base::receive_buffer_size(1 << 20));
  RtpSender sender;
  // 70 packets: more than one segmented send can carry.
  std::vector<size_t> sizes;
  for (size_t i = 0; i < 70; ++i) sizes.push_back(i % 7 == 6 ? 300 : 1100 + i % 5);
  auto f = frame_of(sizes);
  auto packets = send(sender, f, BurstSchedule{}, true);
  const auto sent_copy = packets;
  uint64_t bytes = 0;
  const size_t sent = service.send_all(packets, receiver.local_endpoint(), bytes);
  INFO("segmentation " << service.segmentation());
  CHECK(sent == packets.size());
  uint64_t wire = 0;
  for (const auto& p : sent_copy) wire += p.size();
  CHECK(bytes == wire);
  service.stop();
  // A datagram lost would fail the test, not hang it.
  timeval timeout{5, 0};
  setsockopt(receiver.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  // The sizes sent, kept apart from the packets.
  std::vector<size_t> sizes_sent;
  for (const auto& p : sent_copy) sizes_sent.push_back(p.size());
  std::vector<uint8_t> buffer(65536);
  for (size_t i = 0; i < sizes_sent.size(); ++i) {
    INFO("datagram " << i);
    const size_t n = receiver.receive(asio::buffer(buffer));
    auto view = common::parse_rtp(std::span<const uint8_t>(buffer.data(), n));
    REQUIRE(view);
    CHECK(n == sizes_sent[i]);
    CHECK(std::vector<uint8_t>(view->payload.begin(), view->payload.end()) == f->payloads[i]);
  }
  receiver.non_blocking(true);
  asio::error_code ec;
  receiver.receive(asio::buffer(buffer), 0, ec);
  CHECK(ec == asio::error::would_block);  // nothing more
}
