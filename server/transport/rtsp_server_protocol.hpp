#pragma once
// The server's end of one RTSP connection (RFC 2326) as a state machine
// without a socket: the bytes a client sent go in (feed), and the answers
// and the interleaved RTP and RTCP of its sessions (§10.12) go out through
// its Wire, in order. RtspConnection is the Wire over an asio socket; a test
// or a fuzz target can be another. Time comes in with each call, so the
// timeouts are driven by the caller's clock.
//
// It reads requests, and the RTCP of interleaved sessions, with
// common::RtspStreamReader (bounded by RtspLimits), answers OPTIONS,
// DESCRIBE, SETUP (UDP client_port or TCP interleaved; one per track, each
// adding its stream to the session), PLAY (with an npt
// Range for a file), PAUSE, TEARDOWN and GET_PARAMETER, and owns the
// RtspSessions it set up (each a Session admitted by the server through the
// listener, and its transport: RtspInterleavedTransport, whose frames it
// cuts from the stream and writes to the Wire, or RtspUdpTransport).
//
// Bounds and answers (docs/SECURITY.md):
// - a stream the reader cannot read (a line, head or body past RtspLimits,
//   a request line that is not "METHOD URI RTSP/1.0") is answered 400 and
//   the connection closed once that answer has left; nothing else happens,
//   and what the client sends after it is not read;
// - a request without CSeq is answered 400, one with a URI longer than
//   kMaxUriBytes 414 (RFC 2326 §7.1.1); the connection goes on;
// - a request begun and not finished within request_timeout, or no request
//   for request_timeout on a connection without a session, closes it;
// - at most kMaxSessions sessions per connection; the server's --max-clients
//   over all;
// - the Wire holds send_queue_bytes of media plus kResponseAllowance of
//   answers; a client that lets more pile up is closed.
//
// Threads: the server's network thread only; nothing blocks.
#include <asio.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/rtsp/rtsp_message.hpp"
#include "server/session/outbound_packet.hpp"
#include "server/transport/rtsp_listener.hpp"
#include "server/transport/rtsp_session.hpp"
#include "server/transport/tcp_probe.hpp"

namespace flowcast::server {

class RtspServerProtocol : public std::enable_shared_from_this<RtspServerProtocol> {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxSessions = 4;
  static constexpr size_t kResponseAllowance = 64 * 1024;
  // A longer request URI is answered 414: answers copy it (Content-Base,
  // RTP-Info), and must stay within the RtspLimits clients read with.
  static constexpr size_t kMaxUriBytes = 2048;

  // What the protocol needs from the connection that carries it. Called on
  // the network thread, from within the protocol's own calls.
  class Wire {
   public:
    virtual ~Wire() = default;
    // Queues bytes for the client after those queued before. Never blocks.
    virtual void write(std::span<const uint8_t> bytes) = 0;
    // Bytes queued and not yet taken by the kernel.
    virtual size_t queued_bytes() const = 0;
    // Sends what is queued, then closes (after the 400 that ends a stream,
    // or when the server stops).
    virtual void close_after_write() = 0;
    // Closes now, for `reason` (for the log); the protocol is closed
    // already, and ends its sessions right after.
    virtual void close(const std::string& reason) = 0;
  };

  // Makes a session identifier (RFC 2326 §3.4) no other client can guess:
  // by default 64 random bits as 16 hex digits.
  using SessionIds = std::function<std::string()>;

  // `peer_address` is where the connection comes from: UDP media goes there
  // only. `peer` names it for the log ("ADDRESS:PORT"). `listener` admits
  // sessions and holds the UDP ports and counters; it outlives the protocol.
  // `wire` outlives it too, or detach() is called first.
  RtspServerProtocol(RtspListener& listener, Wire& wire, asio::ip::address peer_address,
                     std::string peer, Clock::time_point now, SessionIds session_ids = {});
  RtspServerProtocol(const RtspServerProtocol&) = delete;
  RtspServerProtocol& operator=(const RtspServerProtocol&) = delete;

  // Bytes read from the client at `now`, split anywhere: each whole request
  // is answered (through the Wire) and each whole interleaved frame handed to
  // its session before it returns. Ignored once closed or closing.
  void feed(std::span<const uint8_t> bytes, Clock::time_point now);
  // Checks the timeouts at `now` (the connection's and its sessions'); may
  // close. Call it a few times a second.
  void tick(Clock::time_point now);
  // Ends the connection now: the Wire closes, then every session ends (an
  // interleaved one at once, one over UDP with its BYE). Idempotent.
  void close(const std::string& reason);
  // The server stops: close once every session has ended and the Wire has
  // sent what it holds.
  void stop();
  // The Wire is gone (the connection is being destroyed): nothing more is
  // written, and the sessions are left to their owner (the server). Sessions
  // that still hold the protocol find it closed.
  void detach();

  // Queues an interleaved frame ('$', channel, length, packet). false when
  // closed or closing, the packet does not fit a frame, or the Wire holds
  // send_queue_bytes + kResponseAllowance already.
  bool send_interleaved(uint8_t channel, const OutboundPacket& packet);
  // What the Wire holds (0 once detached).
  size_t queued_bytes() const;
  // A session ended (its BYE is queued): when stopping, close once all have.
  void session_ended();
  // The Wire's queue drained below half of send_queue_bytes: interleaved
  // file sessions held back go on.
  void drained();
  // TCP_INFO of the connection's socket, into its interleaved sessions'
  // stats.
  void note_probe(const TcpProbe& probe);

  bool closed() const { return closed_; }
  // A close after the queued bytes has been asked for; nothing more is read.
  bool closing() const { return closing_; }
  // Sessions kept (running, or ended and waiting for TEARDOWN).
  size_t session_count() const { return sessions_.size(); }

 private:
  void on_request(const common::RtspMessage& request);
  void on_frame(const common::InterleavedFrame& frame);
  // Answers `request` with `status` and these headers (CSeq and Server
  // added), and counts errors.
  void respond(const common::RtspMessage& request, int status,
               std::vector<std::pair<std::string, std::string>> headers = {}, std::string body = "",
               std::string content_type = "");
  void describe(const common::RtspMessage& request);
  void setup(const common::RtspMessage& request);
  // A SETUP of media stream `stream` in `session`, which has another set up.
  void add_track(const common::RtspMessage& request, RtspSession& session, size_t stream);
  // SETUP's 200: the Transport chosen, with the stream's SSRC, and Session.
  void answer_setup(const common::RtspMessage& request, const RtspSession& session,
                    const common::RtspTransportSpec& chosen, size_t stream);
  // The transport of the first spec of the SETUP's Transport header that
  // this connection can serve (interleaved channels chosen), or nullopt.
  std::optional<common::RtspTransportSpec> choose_transport(const common::RtspMessage& request);
  // PLAY, PAUSE, TEARDOWN, GET_PARAMETER on a session.
  void in_session(const common::RtspMessage& request);
  // PLAY of a session streamed by `session`.
  void play(const common::RtspMessage& request, Session& session,
            const std::vector<std::pair<std::string, std::string>>& id);
  // The session a request names; answers 454 and returns nullptr if none.
  std::shared_ptr<RtspSession> find_session(const common::RtspMessage& request, bool required);
  std::string session_header(const RtspSession& session) const;
  void close_when_done();

  RtspListener& listener_;
  Wire* wire_;  // nullptr once detached
  asio::ip::address peer_address_;
  std::string peer_;
  SessionIds session_ids_;
  common::RtspStreamReader reader_;
  bool closing_ = false;
  bool closed_ = false;
  bool stopping_ = false;
  Clock::time_point now_;
  Clock::time_point last_request_;
  std::optional<Clock::time_point> partial_since_;
  std::map<std::string, std::shared_ptr<RtspSession>> sessions_;
};

}  // namespace flowcast::server
