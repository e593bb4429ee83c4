#include "server/transport/tcp_session.hpp"

#include "server/transport/tcp_probe.hpp"

namespace flowcast::server {

TcpSession::TcpSession(asio::io_context& io, SessionHost& host, SessionSource source, uint64_t id,
                       asio::ip::tcp::socket socket, size_t queue_capacity)
    : Session(io, host, std::move(source), id, Transport::tcp),
      socket_(std::move(socket)),
      capacity_(queue_capacity),
      linger_timer_(io),
      probe_timer_(io) {
  asio::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

std::string TcpSession::peer() const {
  return peer_;
}

void TcpSession::begin() {
  do_read();
  schedule_probe();
  // A connection that never sends RTCP holds a --max-clients slot: after
  // kFeedbackTimeout it is let go, as over UDP.
  watch_silence();
  start();
}

void TcpSession::schedule_probe() {
  probe_timer_.expires_after(std::chrono::milliseconds(100));
  probe_timer_.async_wait([this, self = shared_from_this()](const asio::error_code& ec) {
    if (ec || ended()) return;
    probe();
    schedule_probe();
  });
}

void TcpSession::probe() {
  if (!socket_.is_open()) return;
  const TcpProbe p = read_tcp_probe(socket_.native_handle());
  auto& st = mutable_stats();
  st.rwnd_limited_ms = static_cast<double>(p.rwnd_limited_us) / 1000.0;
  st.sndbuf_limited_ms = static_cast<double>(p.sndbuf_limited_us) / 1000.0;
  st.peak_kernel_unsent_bytes = std::max(st.peak_kernel_unsent_bytes, p.unsent_bytes);
  st.peak_queue_bytes = std::max<uint64_t>(st.peak_queue_bytes, queued_bytes_);
}

void TcpSession::do_read() {
  socket_.async_read_some(asio::buffer(read_buffer_), [this, self = shared_from_this()](
                                                          const asio::error_code& ec, size_t n) {
    if (ec) {
      if (ec != asio::error::operation_aborted)
        shutdown(ec == asio::error::eof ? "client closed the connection" : ec.message());
      return;
    }
    deframer_.feed(std::span<const uint8_t>(read_buffer_.data(), n),
                   [this](std::span<const uint8_t> packet) { handle_rtcp(packet); });
    if (!ended()) do_read();
  });
}

bool TcpSession::send_packet(std::vector<uint8_t>&& packet) {
  if (ended()) return false;
  size_t before = pending_.size();
  if (!common::frame_rfc4571(packet, pending_)) return false;
  queued_bytes_ += pending_.size() - before;
  auto& st = mutable_stats();
  st.peak_queue_bytes = std::max<uint64_t>(st.peak_queue_bytes, queued_bytes_);
  if (!write_in_flight_) do_write();
  return true;
}

bool TcpSession::held_back(size_t extra_bytes) const {
  return queued_bytes_ + extra_bytes > capacity_;
}

void TcpSession::do_write() {
  // One write in flight: a drain callback run by the completion handler may
  // have started the next one already, and its buffer must stay put.
  if (write_in_flight_) return;
  if (pending_.empty()) {
    if (close_after_write_ && !fin_sent_) {
      // Send FIN but keep reading: closing with unread RTCP in the receive
      // queue would reset the connection and could cost the client its tail.
      fin_sent_ = true;
      asio::error_code ec;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
      linger_timer_.expires_after(std::chrono::seconds(5));
      linger_timer_.async_wait([this, self = shared_from_this()](const asio::error_code& e) {
        if (!e) shutdown("");
      });
    }
    return;
  }
  writing_.swap(pending_);
  pending_.clear();
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [this, self = shared_from_this()](const asio::error_code& ec, size_t n) {
                      write_in_flight_ = false;
                      queued_bytes_ -= std::min(queued_bytes_, n);
                      writing_.clear();
                      if (ec) {
                        if (ec != asio::error::operation_aborted) shutdown(ec.message());
                        return;
                      }
                      if (queued_bytes_ <= capacity_ / 2) on_drained();
                      do_write();
                    });
}

void TcpSession::close_transport() {
  close_after_write_ = true;
  if (!write_in_flight_) do_write();
}

void TcpSession::shutdown(const std::string& reason) {
  linger_timer_.cancel();
  probe_timer_.cancel();
  probe();
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  finished(reason.empty() ? "closed" : reason);
}

}  // namespace flowcast::server
