// The transports the client can receive over, chosen by the options. A new
// transport is a new file and one entry here.
#include "client/client_options.hpp"
#include "client/transport/listen_transport.hpp"
#include "client/transport/rtp_transport.hpp"
#include "client/transport/rtsp_transport.hpp"
#include "client/transport/tcp_transport.hpp"
#include "client/transport/udp_transport.hpp"

namespace flowcast::client {

std::unique_ptr<RtpTransport> make_transport(const ClientOptions& options, asio::io_context& io) {
  // --no-audio: the audio is neither bound nor set up.
  if (options.listen) {
    ListenOptions listen = *options.listen;
    if (!options.audio()) listen.audio.reset();
    return std::make_unique<ListenTransport>(io, std::move(listen), options.so_rcvbuf);
  }
  if (options.rtsp) {
    RtspOptions rtsp = *options.rtsp;
    if (!options.audio()) rtsp.audio.reset();
    return std::make_unique<RtspTransport>(io, std::move(rtsp), options.so_rcvbuf);
  }
  switch (options.transport) {
    case Transport::tcp:
      return std::make_unique<TcpTransport>(io, options.host, options.port, options.so_rcvbuf);
    case Transport::udp:
    case Transport::automatic:  // only with RTSP, taken above
      return std::make_unique<UdpTransport>(io, options.host, options.port, options.so_rcvbuf);
  }
  return nullptr;
}

}  // namespace flowcast::client
