#pragma once
// The RTSP server (RFC 2326) beside flowcast's own protocol: a TCP listener
// on --rtsp-port whose connections (RtspConnection, with the requests
// handled by its RtspServerProtocol) answer OPTIONS,
// DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN and GET_PARAMETER for the one
// stream at rtsp://HOST:PORT/stream, and the two UDP ports (RTP, RTCP) that
// RTSP sessions over UDP (RtspUdpTransport) send from and hear their
// clients' RTCP on.
//
// Bounds: at most max_connections connections at once (more are closed at
// accept); every session is admitted by the server (--max-clients counts
// them); see RtspServerProtocol for the per-connection ones.
//
// Threads: the server's network thread only.
#include <asio.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "media/sdp/sdp.hpp"
#include "server/session/session.hpp"

namespace flowcast::server {

class RtspConnection;
class RtspServerProtocol;
class RtspUdpTransport;

// The a=control of media stream `stream` (RFC 2326 Appendix C.1.1),
// relative to rtsp://HOST:PORT/stream/: "track" and K + 1, so "track1" for
// the video (0), as before there was sound, and "track2" for the audio.
std::string track_control(size_t stream);

// The UDP ports RTSP sessions over UDP share: RTP leaves from the first,
// RTCP from the second (RFC 3550 §11; server_port in the SETUP answer).
// RTCP a client sends to either is handed to the transport whose client_port
// it comes from; anything else is counted and dropped.
class RtspUdpPorts {
 public:
  // Binds two ports on `address`, consecutive when the kernel allows.
  // Throws asio::system_error.
  RtspUdpPorts(asio::io_context& io, const asio::ip::address& address);
  void start();
  void stop();
  uint16_t rtp_port() const { return rtp_port_; }
  uint16_t rtcp_port() const { return rtcp_port_; }
  // Non-blocking: false when the kernel's send buffer is full.
  bool send(std::span<const uint8_t> packet, const asio::ip::udp::endpoint& to, bool rtcp);
  // The client endpoints of a transport (the RTP and RTCP ports of each of
  // its streams), held weakly, until detach(). Called again when the
  // transport gains a stream.
  void attach(const std::shared_ptr<RtspUdpTransport>& transport);
  void detach(const RtspUdpTransport& transport);
  // A transport still attached sends to this endpoint.
  bool in_use(const asio::ip::udp::endpoint& endpoint) const;
  uint64_t stray_datagrams() const { return stray_; }

 private:
  void receive(asio::ip::udp::socket& socket, asio::ip::udp::endpoint& from,
               std::array<uint8_t, 2048>& buffer);
  void on_datagram(const asio::ip::udp::endpoint& from, std::span<const uint8_t> data);

  asio::ip::udp::socket rtp_;
  asio::ip::udp::socket rtcp_;
  uint16_t rtp_port_ = 0;
  uint16_t rtcp_port_ = 0;
  asio::ip::udp::endpoint rtp_from_, rtcp_from_;
  std::array<uint8_t, 2048> rtp_buffer_{}, rtcp_buffer_{};
  std::map<asio::ip::udp::endpoint, std::weak_ptr<RtspUdpTransport>> owners_;
  uint64_t stray_ = 0;
};

// What the RTSP server counts (the "rtsp" object of the server's metrics).
struct RtspCounters {
  uint16_t port = 0;
  uint64_t connections = 0;          // accepted
  uint64_t connections_refused = 0;  // past max_connections
  uint64_t requests = 0;
  uint64_t bad_requests = 0;     // answered 400 (the connection is closed after)
  uint64_t error_responses = 0;  // any other 4xx or 5xx answer
  uint64_t timed_out = 0;        // connections closed for a half-sent request or idleness
  uint64_t sessions_timed_out = 0;
  uint64_t udp_stray_datagrams = 0;
};

struct RtspServerConfig {
  bool allow_tcp = true;  // RTP/AVP/TCP interleaved
  bool allow_udp = true;  // RTP/AVP over UDP
  size_t send_queue_bytes = 256 * 1024;
  size_t max_connections = 80;
  // A request begun and not finished within this, or a connection with no
  // session that sends nothing for this long, is closed.
  std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
};

class RtspListener {
 public:
  // The server's admission (Server::admit): builds the session with make(id),
  // or refuses (nullptr) past --max-clients or while stopping.
  using Make = std::function<std::shared_ptr<Session>(uint64_t id)>;
  using Admit =
      std::function<std::shared_ptr<Session>(Transport, const std::string& peer, const Make& make)>;

  // Binds port (0: the kernel picks) and the two UDP ports. Throws
  // asio::system_error when a port cannot be bound.
  RtspListener(asio::io_context& io, const asio::ip::address& address, uint16_t port,
               RtspServerConfig config, SessionHost& host, SessionSource source, Admit admit);
  ~RtspListener();

  // Starts the UDP ports, and accepting connections once the stream's
  // description is known: a client that connects before (the live source's
  // first keyframe) waits in the kernel's backlog and is answered when it
  // can be, rather than refused with 503 (ffmpeg gives up on a 503).
  void start();
  // Stops accepting; every connection closes once its sessions have ended
  // and what it queued has left.
  void stop();
  uint16_t port() const { return counters_.port; }

  // The streams' descriptions (payload format and parameter sets; the video
  // first), for DESCRIBE's SDP. Until it is known (the live source's first
  // keyframe), no connection is accepted.
  void set_description(const std::vector<media::SdpDescription>& streams);
  bool has_description() const { return description_.has_value(); }
  // The SDP of the streams (RFC 2326 Appendix C): c=0.0.0.0, port 0, the
  // control URLs "track1" (the video) and "track2" (a file's audio).
  // nullopt until the description is known.
  std::optional<std::string> sdp() const;

  RtspCounters counters() const;

 private:
  friend class RtspConnection;
  friend class RtspServerProtocol;
  void do_accept();
  void forget(const std::shared_ptr<RtspConnection>& connection) { connections_.erase(connection); }

  asio::io_context& io_;
  asio::ip::tcp::acceptor acceptor_;
  RtspUdpPorts udp_;
  RtspServerConfig config_;
  SessionHost& host_;
  SessionSource source_;
  Admit admit_;
  std::optional<std::vector<media::SdpDescription>> description_;
  std::set<std::shared_ptr<RtspConnection>> connections_;
  RtspCounters counters_;
  uint64_t sdp_session_id_;
  bool stopping_ = false;
  bool started_ = false;
  bool accepting_ = false;
};

}  // namespace flowcast::server
