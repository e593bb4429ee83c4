#pragma once
// One RTSP client connection (RFC 2326): reads requests, and the RTCP of
// interleaved sessions, with common::RtspStreamReader (bounded by
// RtspLimits), answers them, and carries the interleaved RTP of its
// sessions (§10.12) in one bounded send queue, whose fullness holds a file
// session back as TcpSession's does.
//
// Bounds and answers (docs/SECURITY.md):
// - a stream the reader cannot read (a line, head or body past RtspLimits,
//   a request line that is not "METHOD URI RTSP/1.0") is answered 400 and
//   the connection closed; nothing else happens;
// - a request without CSeq is answered 400; the connection goes on;
// - a request begun and not finished within request_timeout, or no request
//   for request_timeout on a connection without a session, closes it;
// - at most kMaxSessions sessions per connection; the server's --max-clients
//   over all;
// - the send queue holds send_queue_bytes of media plus kResponseAllowance of
//   answers; a client that lets more pile up is closed.
//
// Threads: the server's network thread only.
#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/rtsp/rtsp_message.hpp"
#include "server/transport/rtsp_listener.hpp"
#include "server/transport/rtsp_session.hpp"

namespace flowcast::server {

class RtspConnection : public std::enable_shared_from_this<RtspConnection> {
 public:
  static constexpr size_t kMaxSessions = 4;
  static constexpr size_t kResponseAllowance = 64 * 1024;

  RtspConnection(asio::io_context& io, asio::ip::tcp::socket socket, RtspListener& listener);

  void start();
  // Closes the socket now and ends the connection's sessions. Idempotent.
  void close(const std::string& reason);
  // The server stops: close once every session has ended and the queue left.
  void stop();

  // Queues an interleaved frame. false when the connection is closed or the
  // packet does not fit a frame.
  bool send_interleaved(uint8_t channel, std::span<const uint8_t> packet);
  // Media and answers not yet taken by the kernel.
  size_t queued_bytes() const { return queued_bytes_; }
  // A session of this connection has ended (its BYE is queued).
  void session_ended();

 private:
  using Clock = std::chrono::steady_clock;
  void do_read();
  void do_write();
  void queue(std::string_view bytes);
  void tick();
  void on_request(const common::RtspMessage& request);
  void on_frame(const common::InterleavedFrame& frame);
  // Answers `request` with `status` and these headers (CSeq and Server
  // added), and counts errors.
  void respond(const common::RtspMessage& request, int status,
               std::vector<std::pair<std::string, std::string>> headers = {}, std::string body = "",
               std::string content_type = "");
  void describe(const common::RtspMessage& request);
  void setup(const common::RtspMessage& request);
  // PLAY, PAUSE, TEARDOWN, GET_PARAMETER on a session.
  void in_session(const common::RtspMessage& request);
  // The session a request names; answers 454 and returns nullptr if none.
  std::shared_ptr<RtspSession> find_session(const common::RtspMessage& request, bool required);
  std::string session_header(const RtspSession& session) const;
  void probe();
  void close_when_done();

  asio::ip::tcp::socket socket_;
  RtspListener& listener_;
  asio::ip::address peer_address_;
  std::string peer_;
  common::RtspStreamReader reader_;
  std::array<uint8_t, 4096> read_buffer_{};
  std::vector<uint8_t> pending_;
  std::vector<uint8_t> writing_;
  size_t queued_bytes_ = 0;
  bool write_in_flight_ = false;
  bool close_after_write_ = false;
  bool closed_ = false;
  bool stopping_ = false;
  asio::steady_timer tick_timer_;
  Clock::time_point last_request_;
  std::optional<Clock::time_point> partial_since_;
  std::map<std::string, std::shared_ptr<RtspSession>> sessions_;
};

}  // namespace flowcast::server
