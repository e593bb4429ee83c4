#pragma once
// flowcast-server: a TCP acceptor and a UDP service on the same port, the
// sessions they create, the shared live source, and the server's metrics.
// Everything but the live encoder runs on one network thread (run()).
#include <asio.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "media/source/file_source.hpp"
#include "server/load_monitor.hpp"
#include "server/server_metrics.hpp"
#include "server/server_options.hpp"
#include "server/session/session.hpp"
#include "server/source/keyframe_limiter.hpp"
#include "server/source/live_pattern_source.hpp"
#include "server/source/live_url_source.hpp"
#include "server/source/sdp_file.hpp"
#include "server/transport/push_transport.hpp"
#include "server/transport/rtsp_listener.hpp"
#include "server/transport/udp_service.hpp"

namespace flowcast::server {

class Server : public SessionHost {
 public:
  // Opens the source and binds the sockets. Throws media::SourceError for a
  // bad INPUT and asio::system_error when the port is taken.
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
  void on_live_frame(const std::shared_ptr<const PacketizedFrame>& frame);
  // What every session plays, and how: from the options.
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
  // The payload format of what the server sends: a file's or URL's own
  // (FileSource transcodes what no payload format carries), or the test
  // pattern's (--codec).
  const media::PayloadFormat& stream_format() const {
    return file_info_ ? media::payload_format_for(file_info_->codec_id) : *options_.pattern_format;
  }
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
  std::unique_ptr<LivePatternSource> live_;
  std::unique_ptr<LiveUrlSource> relay_;  // INPUT is a URL
  std::optional<media::SourceInfo> file_info_;
  std::optional<SdpFile> sdp_;                      // --sdp, until written
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
