#include "client/transport/tcp_write_queue.hpp"

namespace flowcast::client {

void TcpWriteQueue::write(std::span<const uint8_t> bytes) {
  if (stopped_) return;
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  if (!write_pending_) do_write();
}

void TcpWriteQueue::do_write() {
  if (pending_.empty() || stopped_) return;
  asio::error_code ec;
  socket_.non_blocking(true, ec);
  const size_t n = socket_.write_some(asio::buffer(pending_), ec);
  if (!ec) pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(n));
  if (pending_.empty()) return;
  writing_.swap(pending_);
  pending_.clear();
  write_pending_ = true;
  asio::async_write(socket_, asio::buffer(writing_), [this](const asio::error_code& e, size_t) {
    write_pending_ = false;
    writing_.clear();
    if (e || stopped_) return;
    do_write();
  });
}

void TcpWriteQueue::flush_now() {
  if (!socket_.is_open() || pending_.empty()) return;
  asio::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.write_some(asio::buffer(pending_), ec);
}

}  // namespace flowcast::client
