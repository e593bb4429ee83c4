#include "client/transport/listen_transport.hpp"

#include <cstring>

#include "client/transport/receive_queue_probe.hpp"
#include "common/rtp/rtp_packet.hpp"

namespace flowcast::client {
namespace {
const TransportTraits kTraits{Transport::udp, false, std::chrono::milliseconds(100),
                              std::chrono::seconds(5), true};
}  // namespace

ListenTransport::ListenTransport(asio::io_context& io, ListenOptions listen,
                                 std::optional<int> so_rcvbuf)
    : listen_(std::move(listen)), so_rcvbuf_(so_rcvbuf), video_(io), audio_(io) {}

const TransportTraits& ListenTransport::traits() const {
  return kTraits;
}

std::string ListenTransport::where() const {
  return "UDP port " + std::to_string(listen_.port) +
         (listen_.audio ? " (audio on " + std::to_string(listen_.audio->port) + ")" : "");
}

void ListenTransport::fail(const std::string& message) {
  if (closed_) return;
  close();
  events_->on_failed(message);
}

bool ListenTransport::bind(UdpStreamSockets& stream, uint16_t port,
                           std::optional<uint16_t> rtcp_port, const std::string& what) {
  // Any address: the SDP's c= names this host as the sender sees it.
  const auto protocol = listen_.ipv6 ? asio::ip::udp::v6() : asio::ip::udp::v4();
  asio::error_code ec;
  UdpStreamSockets::open(stream.rtp, protocol, port, so_rcvbuf_, ec);
  if (!ec) DatagramReader::count_drops(stream.rtp.native_handle());
  if (!ec) stream.rtp.non_blocking(true, ec);
  if (ec) {
    fail("cannot listen" + what + " on UDP port " + std::to_string(port) + ": " + ec.message() +
         (what.empty() ? " (is another receiver using it? pick another --listen port)"
                       : " (is another receiver using it? --no-audio leaves it alone)"));
    return false;
  }
  if (rtcp_port) {
    UdpStreamSockets::open(stream.rtcp, protocol, *rtcp_port, std::nullopt, ec);
    if (ec) {
      fail("cannot listen for RTCP" + what + " on UDP port " + std::to_string(*rtcp_port) + ": " +
           ec.message() +
           (what.empty() ? " (RTCP uses the port above --listen: pick another --listen port)"
                         : " (--no-audio leaves it alone)"));
      return false;
    }
  }
  return true;
}

void ListenTransport::start(TransportEvents& events) {
  events_ = &events;
  if (!bind(video_, listen_.port, listen_.rtcp_port, "")) return;
  if (listen_.audio &&
      !bind(audio_, listen_.audio->port, listen_.audio->rtcp_port, " for the audio"))
    return;
  asio::error_code ec;
  asio::socket_base::receive_buffer_size size;
  video_.rtp.get_option(size, ec);
  events_->on_connected(size.value());
  for (UdpStreamSockets* stream : {&video_, &audio_}) {
    if (!stream->rtp.is_open()) continue;
    do_read(*stream);
    if (stream->rtcp.is_open()) do_read_rtcp(*stream);
  }
}

void ListenTransport::do_read(UdpStreamSockets& stream) {
  if (stream.rtp_read_pending || closed_ || !reading()) return;
  stream.rtp_read_pending = true;
  stream.rtp.async_wait(asio::ip::udp::socket::wait_read,
                        [this, &stream](const asio::error_code& e) {
                          stream.rtp_read_pending = false;
                          if (e == asio::error::operation_aborted || closed_) return;
                          if (e) {
                            fail("UDP receive failed: " + e.message());
                            return;
                          }
                          const int err = reader_.read(
                              stream.rtp.native_handle(), [this] { return !closed_ && reading(); },
                              [this](std::span<const uint8_t> d) {
                                deliver(d);
                                return !closed_;
                              },
                              [this, &stream](uint32_t drops) {
                                // The receiver keeps one running count: both streams' together.
                                stream.kernel_drops = drops;
                                events_->on_kernel_drops(video_.kernel_drops + audio_.kernel_drops);
                              });
                          if (closed_) return;
                          if (err) {
                            fail(std::string("UDP receive failed: ") + std::strerror(err));
                            return;
                          }
                          events_->on_read_done();
                          do_read(stream);
                        });
}

void ListenTransport::do_read_rtcp(UdpStreamSockets& stream) {
  stream.rtcp.async_receive(asio::buffer(stream.rtcp_buffer),
                            [this, &stream](const asio::error_code& e, size_t n) {
                              if (e || closed_) return;
                              const std::span<const uint8_t> packet(stream.rtcp_buffer.data(), n);
                              // RTCP is read whatever the receiver said: it is small, and it
                              // carries the BYE.
                              if (common::is_rtcp(packet))
                                deliver(packet);
                              else
                                events_->on_stray();
                              if (!closed_) do_read_rtcp(stream);
                            });
}

void ListenTransport::resume_reading() {
  do_read(video_);
  if (audio_.rtp.is_open()) do_read(audio_);
}

KernelQueue ListenTransport::sample_kernel() {
  if (!video_.rtp.is_open()) return {};
  return probe_receive_queue(video_.rtp.native_handle(), false);
}

void ListenTransport::close() {
  if (closed_) return;
  closed_ = true;
  video_.close();
  audio_.close();
}

}  // namespace flowcast::client
