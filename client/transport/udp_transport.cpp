#include "client/transport/udp_transport.hpp"

#include <cerrno>
#include <cstring>

#include "client/transport/receive_queue_probe.hpp"
#include "common/rtp/handshake.hpp"

namespace flowcast::client {
namespace {
constexpr auto kHandshakeTimeout = std::chrono::seconds(3);
constexpr auto kHelloInterval = std::chrono::milliseconds(250);

const TransportTraits kTraits{Transport::udp, true, std::chrono::milliseconds(0),
                              std::chrono::seconds(5), false};
}  // namespace

UdpTransport::UdpTransport(asio::io_context& io, std::string host, uint16_t port,
                           std::optional<int> so_rcvbuf)
    : io_(io),
      host_(std::move(host)),
      port_(port),
      so_rcvbuf_(so_rcvbuf),
      socket_(io),
      resolver_(io),
      deadline_(io),
      hello_timer_(io) {}

const TransportTraits& UdpTransport::traits() const {
  return kTraits;
}

std::string UdpTransport::where() const {
  return host_ + ":" + std::to_string(port_);
}

void UdpTransport::fail(const std::string& message) {
  if (closed_) return;
  close();
  events_->on_failed(message);
}

void UdpTransport::start(TransportEvents& events) {
  events_ = &events;
  // The lookup runs on asio's resolver thread; the network thread goes on.
  resolver_.async_resolve(
      host_, std::to_string(port_),
      [this](const asio::error_code& ec, const asio::ip::udp::resolver::results_type& results) {
        if (ec == asio::error::operation_aborted || closed_) return;
        if (ec || results.empty()) {
          fail("cannot resolve host '" + host_ + "': " + (ec ? ec.message() : "no address"));
          return;
        }
        for (const auto& entry : results) endpoints_.push_back(entry.endpoint());
        deadline_.expires_after(kHandshakeTimeout);
        deadline_.async_wait([this](const asio::error_code& e) {
          if (!e && !accepted_)
            fail("no answer from " + where() +
                 " over UDP within 3 s: is flowcast-server running there with --transport udp "
                 "or both?");
        });
        if (open_next()) do_read();
      });
}

bool UdpTransport::open_next() {
  const auto ep = endpoints_[next_endpoint_++];
  asio::error_code ec;
  socket_.close(ec);
  ec.clear();
  cookie_ = {};
  socket_.open(ep.protocol(), ec);
  if (!ec && so_rcvbuf_)
    socket_.set_option(asio::socket_base::receive_buffer_size(*so_rcvbuf_), ec);
  if (!ec) DatagramReader::count_drops(socket_.native_handle());
  // Connected: an ICMP port-unreachable comes back as connection_refused.
  if (!ec) socket_.connect(ep, ec);
  if (!ec) socket_.non_blocking(true, ec);
  if (ec) {
    fail("cannot open a UDP socket to " + where() + ": " + ec.message());
    return false;
  }
  hello_timer_.cancel();
  send_hello();
  return true;
}

void UdpTransport::send_hello() {
  if (accepted_ || closed_) return;
  common::HandshakeMessage hello;
  hello.cookie = cookie_;
  asio::error_code ec;
  socket_.send(asio::buffer(common::write_handshake(hello)), 0, ec);
  hello_timer_.expires_after(kHelloInterval);
  hello_timer_.async_wait([this](const asio::error_code& e) {
    if (!e) send_hello();
  });
}

void UdpTransport::do_read() {
  if (read_pending_ || closed_) return;
  read_pending_ = true;
  socket_.async_wait(asio::ip::udp::socket::wait_read, [this](const asio::error_code& e) {
    read_pending_ = false;
    if (e == asio::error::operation_aborted || closed_) return;
    if (e) {
      fail("UDP receive failed: " + e.message());
      return;
    }
    // The handshake is read whatever the consumer does.
    const int err = reader_.read(
        socket_.native_handle(), [this] { return !closed_ && (!accepted_ || reading()); },
        [this](std::span<const uint8_t> d) { return on_datagram(d); },
        [this](uint32_t drops) { events_->on_kernel_drops(drops); });
    if (closed_) return;
    if (err == ECONNREFUSED && !accepted_) {
      // Refused at this address: the next one may answer.
      if (next_endpoint_ < endpoints_.size()) {
        if (open_next()) do_read();
        return;
      }
      fail("no flowcast server listens on " + where() +
           " for UDP (start flowcast-server, or check --port and --transport)");
      return;
    }
    // A stray ICMP error after set-up: silence ends the stream, not this.
    if (err && err != ECONNREFUSED) {
      fail(std::string("UDP receive failed: ") + std::strerror(err));
      return;
    }
    if (accepted_) events_->on_read_done();
    if (!accepted_ || reading()) do_read();
  });
}

bool UdpTransport::on_datagram(std::span<const uint8_t> data) {
  if (!common::is_handshake(data)) {
    if (accepted_) deliver(data);
    return !closed_;
  }
  auto m = common::parse_handshake(data);
  if (!m || accepted_) return true;
  if (m->type == common::HandshakeType::cookie) {
    cookie_ = m->cookie;
    hello_timer_.cancel();
    send_hello();
  } else if (m->type == common::HandshakeType::accept) {
    hello_timer_.cancel();
    deadline_.cancel();
    accepted_ = true;
    asio::error_code ec;
    asio::socket_base::receive_buffer_size size;
    socket_.get_option(size, ec);
    events_->on_connected(size.value());
  } else if (m->type == common::HandshakeType::full) {
    fail("the server at " + where() +
         " is full (it serves its --max-clients, or as many as its CPU or --egress-limit "
         "allow): try again later");
    return false;
  }
  return true;
}

void UdpTransport::resume_reading() {
  do_read();
}

bool UdpTransport::write(RtcpPacket packet) {
  if (closed_) return false;
  asio::error_code ec;
  socket_.send(asio::buffer(packet.data(), packet.size()), 0, ec);
  return !ec;
}

KernelQueue UdpTransport::sample_kernel() {
  if (!socket_.is_open()) return {};
  return probe_receive_queue(socket_.native_handle(), false);
}

void UdpTransport::close() {
  if (closed_) return;
  closed_ = true;
  resolver_.cancel();
  deadline_.cancel();
  hello_timer_.cancel();
  asio::error_code ec;
  socket_.close(ec);
}

}  // namespace flowcast::client
