#pragma once
// Real sockets on loopback for the transport tests: a connected TCP pair, and
// running an io_context until something has happened.
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace flowcast::test {

// Runs `io` until `done()` is true or `timeout` passes; returns done().
inline bool run_until(asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return done();
}

// A connected pair on 127.0.0.1: {the accepted (server) end, the client end}.
// rcvbuf: the client's receive buffer (0: the kernel's default), set before
// it connects so the window stays small.
inline std::pair<asio::ip::tcp::socket, asio::ip::tcp::socket> tcp_pair(asio::io_context& io,
                                                                        int rcvbuf = 0) {
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket client(io);
  client.open(asio::ip::tcp::v4());
  if (rcvbuf > 0) client.set_option(asio::socket_base::receive_buffer_size(rcvbuf));
  client.connect(acceptor.local_endpoint());
  asio::ip::tcp::socket server = acceptor.accept();
  return {std::move(server), std::move(client)};
}

// Reads what the client end has waiting now, without blocking; appends it.
// Returns false at end of file or on an error.
inline bool read_waiting(asio::ip::tcp::socket& socket, std::vector<uint8_t>& out) {
  socket.non_blocking(true);
  uint8_t buffer[65536];
  for (;;) {
    asio::error_code ec;
    const size_t n = socket.read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return true;
    if (ec) return false;
    out.insert(out.end(), buffer, buffer + n);
  }
}

// `size` bytes counting up from `first`, so order and loss show.
inline std::vector<uint8_t> counting(size_t size, uint8_t first = 0) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(first + i * 7);
  return bytes;
}

}  // namespace flowcast::test
