#pragma once
// A stream set up through RTSP (RFC 2326): a Session like the flowcast TCP
// and UDP ones (same sources, pacing, link emulation, NACK, PLI), whose
// packets leave either interleaved on the RTSP connection (§10.12: '$',
// channel, 16-bit length; RTP on the even channel, RTCP on the odd one), or
// over UDP from the RTSP listener's two ports to the client_port pair of the
// address the RTSP connection comes from.
//
// It begins paused at SETUP (the file is opened then, so a bad file is a 500
// at once) and plays from PLAY (from its Range, for a file). At the end of
// the file it sends an RTCP BYE and stays, paused at the end: a PLAY starts
// the file again (or from its Range), PAUSE is answered, and TEARDOWN ends
// it. It ends on TEARDOWN, on RTCP BYE, when its RTSP connection closes, or
// when kTimeout passes without a request on its connection or RTCP from its
// client (RFC 2326 §12.37).
//
// Threads: the server's network thread only.
#include <memory>
#include <string>

#include "server/session/session.hpp"

namespace flowcast::server {

class RtspServerProtocol;
class RtspUdpPorts;

class RtspSession : public Session {
 public:
  using Clock = std::chrono::steady_clock;
  // RFC 2326 §12.37: said in the Session header ("timeout=60").
  static constexpr auto kTimeout = std::chrono::seconds(60);

  // Interleaved on `connection`: RTP on channel rtp_channel, RTCP on
  // rtp_channel + 1.
  RtspSession(asio::io_context& io, SessionHost& host, SessionSource source, uint64_t id,
              std::string rtsp_id, std::weak_ptr<RtspServerProtocol> connection,
              uint8_t rtp_channel, std::string peer, size_t queue_capacity);
  // Over UDP: RTP to rtp_to, RTCP to rtcp_to, from the listener's ports.
  RtspSession(asio::io_context& io, SessionHost& host, SessionSource source, uint64_t id,
              std::string rtsp_id, std::weak_ptr<RtspServerProtocol> connection,
              RtspUdpPorts& ports, asio::ip::udp::endpoint rtp_to, asio::ip::udp::endpoint rtcp_to);

  // Opens the source, paused until play(). Throws media::SourceError.
  void begin() override;
  std::string peer() const override { return peer_; }
  size_t queued_bytes() const override;

  // RFC 2326 §12.37 session identifier.
  const std::string& rtsp_id() const { return rtsp_id_; }
  bool interleaved() const { return interleaved_; }
  uint8_t rtp_channel() const { return rtp_channel_; }
  const asio::ip::udp::endpoint& rtp_to() const { return rtp_to_; }
  const asio::ip::udp::endpoint& rtcp_to() const { return rtcp_to_; }
  void play();
  void hold();

  // A request on the RTSP connection or RTCP from the client keeps the
  // session (RFC 2326 §12.37).
  void heard() { last_heard_ = Clock::now(); }
  Clock::time_point last_heard() const { return last_heard_; }
  // RTCP from the client (interleaved channel or UDP).
  void on_rtcp(std::span<const uint8_t> packet);
  // The RTSP connection's send queue drained below half its capacity.
  void drained() { on_drained(); }
  // The RTSP connection is gone (interleaved): the session ends now.
  void connection_closed(const std::string& reason) { finished(reason); }
  // TCP_INFO of the RTSP connection's socket, into the session's stats.
  void note_probe(double rwnd_limited_ms, double sndbuf_limited_ms, uint64_t unsent_bytes);

 protected:
  bool send_packet(std::vector<uint8_t>&& packet) override;
  bool held_back(size_t extra_bytes) const override;
  void close_transport() override;

 private:
  std::string rtsp_id_;
  bool interleaved_;
  std::weak_ptr<RtspServerProtocol> connection_;
  uint8_t rtp_channel_ = 0;
  size_t capacity_ = 0;
  RtspUdpPorts* ports_ = nullptr;
  asio::ip::udp::endpoint rtp_to_;
  asio::ip::udp::endpoint rtcp_to_;
  std::string peer_;
  Clock::time_point last_heard_;
  asio::steady_timer linger_timer_;
  std::vector<uint8_t> bye_;  // over UDP: held until close_transport()
};

}  // namespace flowcast::server
