#pragma once
// RTSP interleaved (RFC 2326 §10.12): a session's transport on its RTSP
// connection. Each media stream set up (one SETUP per track) has its own
// pair of channels: RTP goes out on the even channel and RTCP on the odd one, each
// packet framed as '$', channel, 16-bit length, into the connection's one
// send queue (RtspServerProtocol::send_interleaved, through its Wire); the
// client's RTCP comes in on either channel of the pair, cut from the
// connection's byte stream by the protocol, which hands it over (on_frame()).
//
// write() returns false once the connection's queue holds more than
// queue_capacity bytes (its high-water mark), as over flowcast's TCP, and
// drain comes when the connection says it drained. The client's RTCP is
// pushed into the piped Session. close() queues nothing more and is closed at
// once (the BYE is queued; the connection stays for TEARDOWN); when the
// connection closes, the transport is closed with it.
//
// Threads: the server's network thread only.
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "server/session/session_transport.hpp"
#include "server/transport/tcp_probe.hpp"

namespace flowcast::server {

class RtspServerProtocol;

class RtspInterleavedTransport final : public SessionTransport {
 public:
  using Clock = std::chrono::steady_clock;

  // On `connection` (held weakly: it owns the RTSP session that owns this):
  // stream `stream`'s RTP on channel rtp_channel, RTCP on rtp_channel + 1.
  // `peer` names the connection's client ("ADDRESS:PORT").
  RtspInterleavedTransport(std::weak_ptr<RtspServerProtocol> connection, uint8_t rtp_channel,
                           std::string peer, size_t queue_capacity, size_t stream = 0);

  // Another stream's SETUP in the same session: its RTP on rtp_channel, its
  // RTCP on rtp_channel + 1.
  void add_stream(size_t stream, uint8_t rtp_channel);
  // On the stream's channels; a packet of a stream not set up is dropped.
  bool write(OutboundPacket packet) override;
  size_t high_water_mark() const override { return capacity_; }
  size_t queued_bytes() const override;
  std::string peer() const override { return peer_; }
  const Traits& traits() const override;
  void close() override;
  void abort(const std::string& reason) override;

  // The RTP channel of the first stream set up.
  uint8_t rtp_channel() const { return first_channel_; }
  // One of the session's channels, RTP or RTCP.
  bool uses_channel(uint8_t channel) const;
  // An interleaved frame on the session's channels from the client: RTCP.
  void on_frame(std::span<const uint8_t> packet);
  // The connection's send queue drained below half its capacity: drain,
  // if a write was refused.
  void connection_drained();
  // TCP_INFO of the connection's socket.
  void note_probe(const TcpProbe& probe);
  // The RTSP connection is gone: the transport is closed, for `reason`.
  void connection_closed(const std::string& reason) { abort(reason); }
  // When RTCP last came from the client (construction time before any).
  Clock::time_point last_rtcp() const { return last_rtcp_; }

 private:
  std::weak_ptr<RtspServerProtocol> connection_;
  uint8_t first_channel_;
  std::vector<std::optional<uint8_t>> channels_;  // RTP channel, by stream
  std::string peer_;
  size_t capacity_;
  Clock::time_point last_rtcp_;
};

}  // namespace flowcast::server
