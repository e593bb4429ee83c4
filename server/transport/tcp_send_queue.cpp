#include "server/transport/tcp_send_queue.hpp"

namespace flowcast::server {

void TcpSendQueue::write(std::span<const uint8_t> bytes) {
  write_with([&](std::vector<uint8_t>& out) {
    out.insert(out.end(), bytes.begin(), bytes.end());
    return true;
  });
}

void TcpSendQueue::close_after_write() {
  close_after_write_ = true;
  do_write();
}

void TcpSendQueue::do_write() {
  // One write in flight: a drain notice run by the completion handler may
  // have queued and started the next one already, and its buffer must stay
  // put.
  if (write_in_flight_ || stopped_) return;
  if (pending_.empty()) {
    if (close_after_write_ && !fin_sent_) {
      fin_sent_ = true;
      asio::error_code ec;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
      owner_.on_sent_all();
    }
    return;
  }
  writing_.swap(pending_);
  pending_.clear();
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [this, keep = owner_.keep_alive()](const asio::error_code& ec, size_t n) {
                      write_in_flight_ = false;
                      queued_bytes_ -= std::min(queued_bytes_, n);
                      writing_.clear();
                      if (stopped_) return;
                      if (ec) {
                        if (ec != asio::error::operation_aborted)
                          owner_.on_write_failed(ec.message());
                        return;
                      }
                      if (queued_bytes_ <= drain_mark_) owner_.on_drained();
                      do_write();
                    });
}

}  // namespace flowcast::server
