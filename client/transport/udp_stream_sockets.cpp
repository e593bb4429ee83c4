#include "client/transport/udp_stream_sockets.hpp"

#include "client/transport/datagram_reader.hpp"

namespace flowcast::client {

void UdpStreamSockets::open(asio::ip::udp::socket& socket, const asio::ip::udp& protocol,
                            uint16_t port, std::optional<int> so_rcvbuf, asio::error_code& ec) {
  socket.open(protocol, ec);
  if (!ec && so_rcvbuf) socket.set_option(asio::socket_base::receive_buffer_size(*so_rcvbuf), ec);
  if (!ec) socket.bind(asio::ip::udp::endpoint(protocol, port), ec);
}

bool UdpStreamSockets::open_even_pair(const asio::ip::udp& protocol, std::optional<int> so_rcvbuf,
                                      std::string& error) {
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    asio::error_code ec;
    close();
    open(rtp, protocol, 0, so_rcvbuf, ec);
    if (ec) {
      error = ec.message();
      continue;
    }
    const uint16_t port = rtp.local_endpoint(ec).port();
    if (ec || port % 2 != 0 || port == 65534) continue;
    open(rtcp, protocol, static_cast<uint16_t>(port + 1), std::nullopt, ec);
    if (ec) {
      error = ec.message();
      continue;
    }
    DatagramReader::count_drops(rtp.native_handle());
    rtp.non_blocking(true, ec);
    rtcp.non_blocking(true, ec);
    return true;
  }
  if (error.empty()) error = "no even port pair was free";
  close();
  return false;
}

void UdpStreamSockets::close() {
  asio::error_code ec;
  rtp.close(ec);
  rtcp.close(ec);
  rtp_read_pending = false;
  kernel_drops = 0;
}

}  // namespace flowcast::client
