#pragma once
// --listen PORT --sdp FILE: plain RTP from any sender (ffmpeg -f rtp,
// flowcast-server --push, GStreamer) on a bound UDP port, RTCP on the port
// the SDP names (or the same one with rtcp-mux); the SDP's audio, when it
// has one flowcast plays (ListenOptions::audio), on its own m=audio port
// and RTCP port beside them. Every packet of both goes to the one receiver
// (NetworkSource tells the streams apart). No handshake, so there is no
// address to send feedback to: no receiver reports, PLIs or NACKs. The
// stream ends on the sender's BYE (100 ms later, so RTP still queued on the
// other socket is read), or 5 s after its media stops (before media begins,
// it waits).
// Network thread only.
#include "client/transport/datagram_reader.hpp"
#include "client/transport/listen_options.hpp"
#include "client/transport/rtp_transport.hpp"
#include "client/transport/udp_stream_sockets.hpp"

namespace flowcast::client {

class ListenTransport : public RtpTransport {
 public:
  // Binds the audio's ports too when listen.audio is set.
  ListenTransport(asio::io_context& io, ListenOptions listen, std::optional<int> so_rcvbuf);

  void start(TransportEvents& events) override;
  // A listener has no address to send RTCP to (traits().sends_feedback).
  bool write(RtcpPacket) override { return false; }
  // The video's RTP socket.
  KernelQueue sample_kernel() override;
  void close() override;
  const TransportTraits& traits() const override;
  std::string where() const override;

 protected:
  void resume_reading() override;

 private:
  // Binds the stream's RTP port and its RTCP port (when it has one of its
  // own); false after fail() when one is taken. what: "" or " for the audio".
  bool bind(UdpStreamSockets& stream, uint16_t port, std::optional<uint16_t> rtcp_port,
            const std::string& what);
  void do_read(UdpStreamSockets& stream);
  void do_read_rtcp(UdpStreamSockets& stream);
  void fail(const std::string& message);

  ListenOptions listen_;
  std::optional<int> so_rcvbuf_;
  UdpStreamSockets video_;
  UdpStreamSockets audio_;  // open when listen_.audio is set
  TransportEvents* events_ = nullptr;
  DatagramReader reader_;  // shared: each read runs to its end on this thread
  bool closed_ = false;
};

}  // namespace flowcast::client
