#pragma once
// flowcast-server: a TCP acceptor and a UDP service on the same port, the
// sessions they create, the source they stream (a MediaSource: the test
// pattern, a relayed URL or a file), and the server's metrics. Everything
// but a live source's thread runs on one network thread (run()). server.cpp
// has the sources, admission, sessions and shutdown; server_status.cpp what
// the server tells its operator (the log and status line) and its metrics.
#include <asio.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "server/load_monitor.hpp"
#include "server/server_metrics.hpp"
#include "server/server_options.hpp"
#include "server/session/session.hpp"
#include "server/source/keyframe_limiter.hpp"
#include "server/source/media_source.hpp"
#include "server/source/sdp_file.hpp"
#include "server/transport/push_transport.hpp"
#include "server/transport/rtsp_listener.hpp"
#include "server/transport/udp_service.hpp"

namespace flowcast::server {

class Server : public SessionHost {
 public:
  // Opens the source and binds the sockets. Throws media::SourceError for a
  // bad INPUT, asio::system_error when the port is taken, and
  // std::runtime_error when --sdp cannot be written for a file.
  explicit Server(ServerOptions options);
  ~Server() override;

  // Runs until --duration, SIGINT/SIGTERM, or stop(). Returns the exit code.
  int run();
  // Ends every session with a BYE and stops. Thread-safe.
  void stop();

  // The metrics file's content now: ended sessions, then running ones.
  ServerMetrics metrics() const;
  uint16_t port() const { return port_; }
  // The RTSP listener's port; 0 when RTSP is off.
  uint16_t rtsp_port() const { return rtsp_ ? rtsp_->port() : 0; }

  void request_keyframe(KeyframeLimiter::Reason reason) override;
  void session_ended(const std::shared_ptr<Session>& session) override;
  bool overloaded() const override { return load_.overloaded(); }
  void frame_skipped() override { load_.frame_skipped(); }
  void sent(uint64_t bytes) override { load_.sent(bytes); }

 private:
  void do_accept();
  // The sessions that count as clients: all but the --push one.
  size_t clients() const;
  // Tells a TCP client refused by admit() why (refusal_), and closes.
  void refuse_tcp(asio::ip::tcp::socket& socket);
  // Admits a new session, the same way for a TCP connection, a proven UDP
  // address and --push. Past --max-clients (the push aside) or while
  // stopping, it is refused: counted, logged as `peer`, and nullptr returned.
  // Otherwise make(id) builds it, and it is logged, joins the sessions and
  // begins; one that cannot start (its file fails to open) ends at once with
  // a BYE. Exceptions from make() pass through.
  std::shared_ptr<Session> admit(Transport transport, const std::string& peer,
                                 const std::function<std::shared_ptr<Session>(uint64_t id)>& make);
  // INPUT, or without one the test pattern. Throws what its constructor
  // throws (media::SourceError, media::AvError).
  std::unique_ptr<MediaSource> open_source();
  // Hands the source's description, once it has one, to the RTSP listener
  // and the --sdp file (each once). Throws what SdpFile::write throws.
  void publish_description();
  void on_live_frame(const std::shared_ptr<const PacketizedFrame>& frame);
  // What every session plays, and how: from the source and the options.
  SessionSource session_source() const;
  // --push: the push session, started with the server.
  void start_push();
  // --rtsp-port: the RTSP listener, its sessions admitted as the others.
  void open_rtsp(const asio::ip::address& address);
  void shutdown();
  void log(const std::string& line) const;
  // Every second: per-session send rate, send-queue fill and held-back time.
  void schedule_status();
  void print_status();
  // Once, when the live encoder has fallen behind the pattern: says by how
  // much, and what to do.
  void warn_if_encoder_behind();
  // Up to this many sessions, the status shows each; past it, the load only.
  static constexpr size_t kStatusSessions = 4;

  ServerOptions options_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer duration_timer_;
  asio::steady_timer status_timer_;
  asio::steady_timer keyframe_timer_;
  KeyframeLimiter keyframes_;
  LoadMonitor load_;
  bool tty_ = false;
  int status_tick_ = 0;
  bool encoder_warned_ = false;
  std::map<uint64_t, uint64_t> last_bytes_;  // per session, at the last status
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<UdpService> udp_;
  std::unique_ptr<RtspListener> rtsp_;  // --rtsp-port
  std::unique_ptr<MediaSource> source_;
  std::optional<SdpFile> sdp_;  // --sdp, until written
  // The source's streams as one SDP, for sessions that describe themselves
  // in band (SessionSource::description); empty with one stream.
  std::string description_;
  std::optional<asio::ip::udp::endpoint> push_to_;  // --push
  std::shared_ptr<Session> push_;
  std::set<std::shared_ptr<Session>> sessions_;
  std::vector<std::shared_ptr<Session>> fanout_;  // on_live_frame's copy of sessions_
  std::vector<SessionStats> finished_;
  uint64_t next_id_ = 1;
  uint64_t refused_full_ = 0;
  std::string refusal_;  // why admit() refused, for the client; empty: not refused
  uint16_t port_ = 0;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace flowcast::server
