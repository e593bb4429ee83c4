#pragma once
// RTP from any RTSP server (RFC 2326): after DESCRIBE (rtsp_options.hpp),
// SETUP of the video with RTP interleaved on the RTSP connection (RFC 2326
// §10.12, channels 0-1) or on two UDP client ports, then, when
// RtspOptions::audio is set, SETUP of the audio in the same session
// (channels 2-3, or two more UDP client ports), then one PLAY of the
// presentation. Every packet of both tracks goes to the one receiver
// (NetworkSource tells the streams apart). A refused audio SETUP leaves the
// video playing alone (one line on stderr says so). RTCP goes back the
// video's way (receiver reports, PLI, NACK, BYE). GET_PARAMETER keeps the
// session alive at half its timeout; TEARDOWN ends it on close().
//
// --transport auto sets up UDP first and falls back to TCP, for both
// tracks, when the server refuses UDP (461, or any SETUP failure) or no RTP
// arrives within RtspOptions::kAutoUdpWait; traits() names the one in use.
//
// Over TCP, not reading holds the server back (the RTSP connection's
// window closes), as with flowcast's own TCP. Over UDP, only datagrams from
// the server's address are taken; others count as strays.
//
// Network thread only.
#include <memory>
#include <optional>

#include "client/transport/datagram_reader.hpp"
#include "client/transport/rtp_transport.hpp"
#include "client/transport/rtsp_connection.hpp"
#include "client/transport/rtsp_options.hpp"
#include "client/transport/tcp_byte_stream.hpp"
#include "client/transport/udp_stream_sockets.hpp"

namespace flowcast::client {

class RtspTransport : public RtpTransport {
 public:
  // The RTSP connection runs over what make_stream makes (a TCP connection
  // to options.url by default).
  RtspTransport(asio::io_context& io, RtspOptions options, std::optional<int> so_rcvbuf,
                RtspStreamMaker make_stream = &TcpByteStream::make);

  void start(TransportEvents& events) override;
  bool write(RtcpPacket packet) override;
  KernelQueue sample_kernel() override;
  void close() override;
  const TransportTraits& traits() const override;
  std::string where() const override;

 protected:
  void resume_reading() override;

 private:
  // One track: the video, or the audio beside it.
  struct Track {
    Track(asio::io_context& io, std::string url) : control_url(std::move(url)), udp(io) {}
    std::string control_url;  // what its SETUP names
    UdpStreamSockets udp;     // over UDP
    uint8_t rtp_channel = 0;  // interleaved, as the server answered
    uint8_t rtcp_channel = 1;
    std::optional<asio::ip::udp::endpoint> server_rtcp;  // over UDP
    bool set_up = false;
  };

  // SETUP of the video, then of the audio, then PLAY.
  void setup(bool tcp);
  void setup_track(Track& track, bool tcp);
  // The track's SETUP failed (why: for the user): the video's fails the
  // stream (or falls back to TCP); the audio's leaves the video alone.
  void setup_failed(Track& track, bool tcp, const std::string& why, bool fall_back);
  // After the track's SETUP: the next track's, or PLAY.
  void setup_next(const Track& track);
  void play();
  // --transport auto: UDP did not work; TEARDOWN it and set up TCP.
  void fall_back_to_tcp();
  void close_udp();
  void do_read_udp(Track& track);
  void do_read_rtcp(Track& track);
  void schedule_keepalive();
  void on_frame(const common::InterleavedFrame& frame);
  void fail(const std::string& message);

  asio::io_context& io_;
  RtspOptions options_;
  std::optional<int> so_rcvbuf_;
  RtspStreamMaker make_stream_;
  std::unique_ptr<RtspConnection> connection_;
  Track video_;
  std::optional<Track> audio_;  // set when options_.audio is
  asio::steady_timer keepalive_timer_;
  asio::steady_timer udp_wait_;
  TransportEvents* events_ = nullptr;
  DatagramReader reader_;  // shared: each read runs to its end on this thread
  bool tcp_ = true;        // the lower transport in use
  asio::ip::address server_address_;
  std::chrono::seconds session_timeout_{60};
  bool playing_ = false;
  bool connected_reported_ = false;
  bool media_seen_ = false;
  bool closed_ = false;
};

}  // namespace flowcast::client
