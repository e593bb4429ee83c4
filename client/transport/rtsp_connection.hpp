#pragma once
// The client's end of one RTSP connection (RFC 2326) to any RTSP server: a
// camera, GStreamer's or MediaMTX's server, flowcast-server. The protocol
// over an RtspByteStream (TcpByteStream: the socket; a test or a fuzz
// target can hand in another): it connects, sends requests with CSeq, User-Agent,
// Session and, once a server has asked, Authorization (Basic or Digest,
// common/rtsp/rtsp_auth.hpp); it answers a 401 once with the credentials,
// and hands each response to the handler of its request. Interleaved frames
// (RFC 2326 §10.12) that share the connection go to the frame handler, and
// can be sent on it.
//
// Threads: the io_context it was made with runs every handler; no method
// blocks. Bounded: the reader by common::RtspLimits, requests in flight to
// 16, frames waiting to be written to 256 KiB (more are dropped: they are
// RTCP, best effort).
#include <asio.hpp>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "client/transport/rtsp_byte_stream.hpp"
#include "common/rtsp/rtsp_auth.hpp"
#include "common/rtsp/rtsp_message.hpp"

namespace flowcast::client {

class RtspConnection {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  // The response, or nullopt when the connection failed first (error() says
  // how).
  using ResponseHandler = std::function<void(const common::RtspMessage*)>;
  using FrameHandler = std::function<void(const common::InterleavedFrame&)>;
  // The connection ended: by the server (error empty) or a failure.
  using ClosedHandler = std::function<void(const std::string& error)>;

  // Over `stream`, not connected yet; requests name `url` unless told
  // otherwise, and answer a 401 with user and password when user is not
  // empty.
  RtspConnection(std::unique_ptr<RtspByteStream> stream, common::RtspUrl url, std::string user,
                 std::string password);
  ~RtspConnection();
  RtspConnection(const RtspConnection&) = delete;
  RtspConnection& operator=(const RtspConnection&) = delete;

  // Connects within timeout; done gets "" or what went wrong, for the user.
  void connect(std::chrono::milliseconds timeout, std::function<void(const std::string&)> done);
  // Sends a request for uri (the URL when empty). The handler may be empty.
  void request(const std::string& method, std::string uri, Headers headers,
               ResponseHandler handler);
  // The Session header sent with every request from now on.
  void set_session(std::string session) { session_ = std::move(session); }
  void on_frame(FrameHandler handler) { on_frame_ = std::move(handler); }
  void on_closed(ClosedHandler handler) { on_closed_ = std::move(handler); }
  // After a batch of frames was handed over.
  void on_read_done(std::function<void()> handler) { on_read_done_ = std::move(handler); }
  // An interleaved frame, best effort: false when it was dropped (the
  // connection is not up, or its write queue is past its bound).
  bool send_frame(uint8_t channel, std::span<const uint8_t> data);
  // false: read nothing more after the read in progress (TCP flow control
  // then holds the server back); true: read again.
  void set_reading(bool reading);
  // Writes what is queued now, without waiting, and closes. Idempotent.
  void close();

  bool has_credentials() const { return !user_.empty(); }
  const common::RtspUrl& url() const { return url_; }
  // The stream's socket, or -1 when it has none.
  int native_handle() { return stream_->native_handle(); }
  // The server's address once connected.
  asio::ip::address remote_address() const { return stream_->remote_address(); }
  bool is_open() const { return stream_->is_open() && !closed_; }

 private:
  struct Pending {
    std::string method;
    std::string uri;
    Headers headers;
    ResponseHandler handler;
    bool answered_challenge = false;
  };
  void send(Pending pending);
  void do_read();
  void on_read(std::span<const uint8_t> bytes, const asio::error_code& error);
  void write(std::string_view text);
  void handle(common::RtspMessage message);
  void fail(const std::string& error);

  std::unique_ptr<RtspByteStream> stream_;
  common::RtspUrl url_;
  std::string user_;
  std::string password_;
  common::RtspStreamReader reader_;
  std::map<uint32_t, Pending> in_flight_;
  std::optional<common::AuthChallenge> challenge_;
  unsigned nonce_count_ = 0;
  std::string session_;
  uint32_t cseq_ = 0;
  FrameHandler on_frame_;
  ClosedHandler on_closed_;
  std::function<void()> on_read_done_;
  bool connected_ = false;
  bool reading_ = true;
  bool read_pending_ = false;
  bool closed_ = false;
};

}  // namespace flowcast::client
