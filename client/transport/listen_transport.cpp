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
    : listen_(std::move(listen)), so_rcvbuf_(so_rcvbuf), rtp_(io), rtcp_(io) {}

const TransportTraits& ListenTransport::traits() const {
  return kTraits;
}

std::string ListenTransport::where() const {
  return "UDP port " + std::to_string(listen_.port);
}

void ListenTransport::fail(const std::string& message) {
  if (closed_) return;
  close();
  events_->on_failed(message);
}

void ListenTransport::open(asio::ip::udp::socket& socket, uint16_t port, asio::error_code& ec) {
  // Any address: the SDP's c= names this host as the sender sees it.
  const auto protocol = listen_.ipv6 ? asio::ip::udp::v6() : asio::ip::udp::v4();
  socket.open(protocol, ec);
  if (!ec && so_rcvbuf_) socket.set_option(asio::socket_base::receive_buffer_size(*so_rcvbuf_), ec);
  if (!ec) socket.bind(asio::ip::udp::endpoint(protocol, port), ec);
}

void ListenTransport::start(TransportEvents& events) {
  events_ = &events;
  asio::error_code ec;
  open(rtp_, listen_.port, ec);
  if (!ec) DatagramReader::count_drops(rtp_.native_handle());
  if (!ec) rtp_.non_blocking(true, ec);
  if (ec) {
    fail("cannot listen on UDP port " + std::to_string(listen_.port) + ": " + ec.message() +
         " (is another receiver using it? pick another --listen port)");
    return;
  }
  if (listen_.rtcp_port) {
    open(rtcp_, *listen_.rtcp_port, ec);
    if (ec) {
      fail("cannot listen for RTCP on UDP port " + std::to_string(*listen_.rtcp_port) + ": " +
           ec.message() + " (RTCP uses the port above --listen: pick another --listen port)");
      return;
    }
  }
  asio::socket_base::receive_buffer_size size;
  rtp_.get_option(size, ec);
  events_->on_connected(size.value());
  do_read();
  if (rtcp_.is_open()) do_read_rtcp();
}

void ListenTransport::do_read() {
  if (read_pending_ || closed_ || !reading()) return;
  read_pending_ = true;
  rtp_.async_wait(asio::ip::udp::socket::wait_read, [this](const asio::error_code& e) {
    read_pending_ = false;
    if (e == asio::error::operation_aborted || closed_) return;
    if (e) {
      fail("UDP receive failed: " + e.message());
      return;
    }
    const int err = reader_.read(
        rtp_.native_handle(), [this] { return !closed_ && reading(); },
        [this](std::span<const uint8_t> d) {
          deliver(d);
          return !closed_;
        },
        [this](uint32_t drops) { events_->on_kernel_drops(drops); });
    if (closed_) return;
    if (err) {
      fail(std::string("UDP receive failed: ") + std::strerror(err));
      return;
    }
    events_->on_read_done();
    do_read();
  });
}

void ListenTransport::do_read_rtcp() {
  rtcp_.async_receive(asio::buffer(rtcp_buffer_), [this](const asio::error_code& e, size_t n) {
    if (e || closed_) return;
    const std::span<const uint8_t> packet(rtcp_buffer_.data(), n);
    // RTCP is read whatever the receiver said: it is small, and it carries
    // the BYE.
    if (common::is_rtcp(packet))
      deliver(packet);
    else
      events_->on_stray();
    if (!closed_) do_read_rtcp();
  });
}

void ListenTransport::resume_reading() {
  do_read();
}

KernelQueue ListenTransport::sample_kernel() {
  if (!rtp_.is_open()) return {};
  return probe_receive_queue(rtp_.native_handle(), false);
}

void ListenTransport::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ec;
  rtp_.close(ec);
  rtcp_.close(ec);
}

}  // namespace flowcast::client
