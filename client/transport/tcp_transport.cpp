#include "client/transport/tcp_transport.hpp"

#include <sstream>

#include "client/transport/receive_queue_probe.hpp"

namespace flowcast::client {
namespace {
constexpr auto kConnectTimeout = std::chrono::seconds(3);
// RTCP waiting to be written past this is dropped: feedback is best effort,
// and a server that does not read must not grow the client.
constexpr size_t kMaxPendingRtcp = 64 * 1024;

const TransportTraits kTraits{Transport::tcp, true, std::nullopt, std::nullopt, false, true};
}  // namespace

TcpTransport::TcpTransport(asio::io_context& io, std::string host, uint16_t port,
                           std::optional<int> so_rcvbuf)
    : io_(io),
      host_(std::move(host)),
      port_(port),
      so_rcvbuf_(so_rcvbuf),
      socket_(io),
      resolver_(io),
      deadline_(io),
      writer_(socket_) {}

const TransportTraits& TcpTransport::traits() const {
  return kTraits;
}

std::string TcpTransport::where() const {
  return host_ + ":" + std::to_string(port_);
}

void TcpTransport::fail(const std::string& message) {
  if (closed_) return;
  close();
  events_->on_failed(message);
}

void TcpTransport::start(TransportEvents& events) {
  events_ = &events;
  // The lookup runs on asio's resolver thread; the network thread goes on.
  resolver_.async_resolve(
      host_, std::to_string(port_),
      [this](const asio::error_code& ec, const asio::ip::tcp::resolver::results_type& results) {
        if (ec == asio::error::operation_aborted || closed_) return;
        if (ec || results.empty()) {
          fail("cannot resolve host '" + host_ + "': " + (ec ? ec.message() : "no address"));
          return;
        }
        for (const auto& entry : results) endpoints_.push_back(entry.endpoint());
        deadline_.expires_after(kConnectTimeout);
        deadline_.async_wait([this](const asio::error_code& e) {
          if (!e && !connected_)
            fail("no answer from " + where() +
                 " over TCP within 3 s: is flowcast-server running there?");
        });
        connect_from(0);
      });
}

// Not asio::async_connect: it closes and reopens the socket for each
// address, which would lose SO_RCVBUF, and that must be set before connect
// for the window the kernel offers to follow it.
void TcpTransport::connect_from(size_t index) {
  if (closed_ || connected_ || index >= endpoints_.size()) return;
  asio::error_code ec;
  socket_.close(ec);
  const asio::ip::tcp::endpoint endpoint = endpoints_[index];
  socket_.open(endpoint.protocol(), ec);
  // Before connect, so the window the kernel offers matches it.
  if (!ec && so_rcvbuf_)
    socket_.set_option(asio::socket_base::receive_buffer_size(*so_rcvbuf_), ec);
  socket_.async_connect(endpoint, [this, index, endpoint](const asio::error_code& e) {
    if (e == asio::error::operation_aborted || closed_ || connected_) return;
    if (e) {
      std::ostringstream address;
      address << endpoint;
      if (e != asio::error::connection_refused) all_refused_ = false;
      tried_.push_back(address.str() + " (" + e.message() + ")");
      // This address did not answer: the next one may.
      if (index + 1 < endpoints_.size()) {
        connect_from(index + 1);
        return;
      }
      deadline_.cancel();
      std::string tried;
      if (endpoints_.size() > 1) {
        for (const auto& t : tried_) tried += (tried.empty() ? "; tried " : ", ") + t;
      }
      if (all_refused_)
        fail("connection refused: no flowcast server listens on " + where() + " for TCP" + tried +
             " (start flowcast-server, or check --port and --transport)");
      else
        fail("cannot connect to " + where() + " over TCP: " + e.message() + tried);
      return;
    }
    deadline_.cancel();
    connected_ = true;
    asio::error_code ec2;
    socket_.non_blocking(true, ec2);
    asio::socket_base::receive_buffer_size size;
    socket_.get_option(size, ec2);
    events_->on_connected(size.value());
    do_read();
  });
}

void TcpTransport::do_read() {
  if (!reading() || read_pending_ || closed_ || !connected_) return;
  read_pending_ = true;
  socket_.async_read_some(asio::buffer(read_buffer_), [this](const asio::error_code& e, size_t n) {
    read_pending_ = false;
    if (e == asio::error::operation_aborted || closed_) return;
    if (e) {
      if (e == asio::error::eof) {
        close();
        end_downstream();
      } else {
        fail("the TCP connection was lost: " + e.message());
      }
      return;
    }
    deframer_.feed(std::span<const uint8_t>(read_buffer_.data(), n),
                   [this](std::span<const uint8_t> p) { deliver(p); });
    if (closed_) return;
    events_->on_read_done();
    do_read();
  });
}

void TcpTransport::resume_reading() {
  do_read();
}

bool TcpTransport::write(RtcpPacket packet) {
  if (closed_ || !connected_) return false;
  std::vector<uint8_t> framed;
  if (!common::frame_rfc4571(packet, framed)) return false;
  if (writer_.pending() + framed.size() > kMaxPendingRtcp) return false;
  writer_.write(framed);
  return true;
}

KernelQueue TcpTransport::sample_kernel() {
  if (!socket_.is_open()) return {};
  return probe_receive_queue(socket_.native_handle(), true);
}

void TcpTransport::close() {
  if (closed_) return;
  closed_ = true;
  resolver_.cancel();
  deadline_.cancel();
  writer_.stop();
  asio::error_code ec;
  socket_.close(ec);
}

}  // namespace flowcast::client
