#include "server/server.hpp"

#include <unistd.h>

#include <cstdio>

#include "common/rtp/rfc4571.hpp"
#include "common/rtp/rtcp.hpp"
#include "common/util/atomic_file.hpp"
#include "server/source/live_pattern_source.hpp"
#include "server/source/live_url_source.hpp"
#include "server/source/stored_file_source.hpp"
#include "server/transport/tcp_session_transport.hpp"

namespace flowcast::server {

using Clock = std::chrono::steady_clock;

Server::Server(ServerOptions options)
    : options_(std::move(options)),
      signals_(io_, SIGINT, SIGTERM),
      duration_timer_(io_),
      status_timer_(io_),
      keyframe_timer_(io_),
      load_(io_, options_.egress_limit_bps),
      tty_(isatty(fileno(stderr)) != 0) {
  source_ = open_source();
  auto address = asio::ip::make_address(options_.bind);
  if (options_.transport != TransportSet::udp) {
    acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(io_);
    asio::ip::tcp::endpoint ep(address, options_.port);
    acceptor_->open(ep.protocol());
    acceptor_->set_option(asio::socket_base::reuse_address(true));
    acceptor_->bind(ep);
    acceptor_->listen();
    port_ = acceptor_->local_endpoint().port();
  }
  if (options_.transport != TransportSet::tcp) {
    // With both, UDP shares the port TCP was given (also when it was 0).
    asio::ip::udp::endpoint ep(address, port_ ? port_ : options_.port);
    udp_ = std::make_unique<UdpService>(
        io_, ep, [this](const asio::ip::udp::endpoint& peer, const UdpService::Accept& accept) {
          const std::string name = peer.address().to_string() + ":" + std::to_string(peer.port());
          return admit(Transport::udp, name, [&](uint64_t id) {
                   auto transport = std::make_shared<UdpSessionTransport>(*udp_, peer);
                   accept(transport);
                   return std::make_shared<Session>(io_, *this, session_source(), id, transport);
                 }) != nullptr;
        });
    if (!port_) port_ = udp_->local_port();
  }
  if (options_.rtsp_port != 0) open_rtsp(address);
  if (options_.push) push_to_ = resolve_push_target(io_, *options_.push);
  if (options_.sdp_path) {
    // With --push the SDP describes the push target, so receivers can read it.
    sdp_.emplace(*options_.sdp_path, options_.bind,
                 push_to_ ? push_to_->address().to_string() : options_.bind,
                 push_to_ ? push_to_->port() : port_);
    const MediaStreamDescription& video = source_->description().video();
    if (!source_->live() && !video.sdp)
      throw std::runtime_error(
          "cannot write the SDP: " + *options_.input + " has no " +
          std::string(video.format->encoding_name) + " parameter sets in its first " +
          std::to_string(StoredFileSource::kParameterSetSearchFrames) + " frames");
  }
  // A file's description is known now; a live source's comes with its first
  // keyframe (on_live_frame).
  publish_description();
}

Server::~Server() {
  if (source_) source_->stop();
}

std::unique_ptr<MediaSource> Server::open_source() {
  if (!options_.input) {
    media::EncoderConfig cfg;
    cfg.width = options_.width;
    cfg.height = options_.height;
    cfg.fps = options_.fps;
    cfg.bitrate = options_.bitrate;
    cfg.gop = options_.gop > 0 ? options_.gop : 2 * options_.fps;
    cfg.codec = options_.pattern_format->codec_id;
    // One slice per RTP packet (header and FU overhead left out).
    cfg.slice_max_bytes = static_cast<int>(options_.mtu) - 40;
    return std::make_unique<LivePatternSource>(io_, cfg, options_.mtu, *options_.pattern_format,
                                               !options_.no_audio);
  }
  // A live URL: read once, relayed to every viewer on its own timeline.
  if (media::is_url(*options_.input)) {
    const std::string audio_formats = media::payload_format_names(media::audio_payload_formats());
    auto relay =
        std::make_unique<LiveUrlSource>(io_, *options_.input, options_.mtu, !options_.no_audio);
    if (!relay->info().ignored_audio.empty())
      log(*options_.input + "'s audio (" + relay->info().ignored_audio +
          ") is not relayed: flowcast relays " + audio_formats + " as it is");
    return relay;
  }
  // Opened once up front so a bad INPUT is an error now, not per client.
  auto file =
      std::make_unique<StoredFileSource>(*options_.input, options_.loop, !options_.no_audio);
  const media::SourceInfo& info = file->info();
  if (!info.ignored_audio.empty())
    log(*options_.input + "'s audio (" + info.ignored_audio +
        ") is not sent: it cannot be decoded (" + info.ignored_audio_reason + ")");
  if (info.audio && info.audio->transcoded)
    log(*options_.input + "'s audio (" + info.audio->codec_name + ") is sent as Opus");
  if (file->info().timestamps_from_rate) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", file->info().frame_rate);
    log(*options_.input + " has no timestamps: its pictures are timed at " + rate +
        " fps, the stream's frame rate");
  }
  return file;
}

void Server::publish_description() {
  const auto& sdp = source_->description().video().sdp;
  if (!sdp) return;
  std::vector<media::SdpDescription> streams;  // in SDP order
  for (const auto& stream : source_->description().streams)
    if (stream.sdp) streams.push_back(*stream.sdp);
  if (rtsp_ && !rtsp_->has_description()) rtsp_->set_description(streams);
  // The SDP a session of several streams sends in band over flowcast's own
  // TCP and UDP, where no DESCRIBE or file reaches the client.
  if (description_.empty() && streams.size() > 1) description_ = media::write_sdp(streams);
  if (sdp_ && !sdp_->written()) {
    sdp_->write(streams);
    log("wrote the SDP to " + sdp_->path());
  }
}

void Server::open_rtsp(const asio::ip::address& address) {
  RtspServerConfig config;
  config.allow_tcp = options_.transport != TransportSet::udp;
  config.allow_udp = options_.transport != TransportSet::tcp;
  config.send_queue_bytes = options_.tcp_send_queue_bytes;
  config.max_connections = static_cast<size_t>(options_.max_clients) + 16;
  try {
    rtsp_ = std::make_unique<RtspListener>(
        io_, address, options_.rtsp_port, config, *this, session_source(),
        [this](Transport transport, const std::string& peer, const RtspListener::Make& make) {
          return admit(transport, "RTSP " + peer, make);
        });
  } catch (const asio::system_error& e) {
    if (options_.rtsp_port_given)
      throw std::runtime_error("cannot listen for RTSP on " + options_.bind + " port " +
                               std::to_string(options_.rtsp_port) + ": " + e.code().message() +
                               " (pick another with --rtsp-port, or 0 for none)");
    log("RTSP is off: cannot listen on port " + std::to_string(options_.rtsp_port) + " (" +
        e.code().message() + "); pick another with --rtsp-port");
    return;
  }
}

SessionSource Server::session_source() const {
  SessionSource s;
  // A live source's frames come through on_live_frame; a file, each session
  // reads itself.
  if (!source_->live()) {
    s.file = [source = source_.get()](int64_t start_90k, std::function<void()> wake) {
      return source->open_reader(start_90k, std::move(wake));
    };
  }
  // Each medium its own payload type: the video 96, the audio 97 (G.711:
  // its static 0 or 8).
  const auto& streams = source_->description().streams;
  for (size_t k = 0; k < streams.size(); ++k)
    s.streams.push_back({.payload_type = streams[k].payload_type(),
                         .clock_rate = streams[k].clock_rate(),
                         .enabled = true,
                         .marker_starts_talkspurt = streams[k].format->marker_starts_talkspurt});
  s.description = description_;
  s.mtu = options_.mtu;
  s.pacing = options_.pacing;
  s.link = options_.link;
  return s;
}

size_t Server::clients() const {
  // The push is not a client: --max-clients neither counts nor refuses it.
  return sessions_.size() - (push_ && sessions_.count(push_) ? 1 : 0);
}

std::shared_ptr<Session> Server::admit(
    Transport transport, const std::string& peer,
    const std::function<std::shared_ptr<Session>(uint64_t id)>& make) {
  refusal_.clear();
  if (stopping_) return nullptr;
  const size_t clients = this->clients();
  if (transport != Transport::push && static_cast<int>(clients) >= options_.max_clients) {
    ++refused_full_;
    const std::string why =
        "already serving --max-clients " + std::to_string(options_.max_clients) + " clients";
    refusal_ = "server full: " + why;
    log("refused " + peer + ": " + why);
    return nullptr;
  }
  if (transport != Transport::push && !load_.admits(clients)) {
    load_.viewer_refused();
    char why[160];
    std::snprintf(why, sizeof why,
                  "at capacity with %zu clients (network thread %.0f%% busy, %.0f ms behind, "
                  "%.1f Mbit/s out)",
                  clients, load_.busy() * 100, load_.lag_ms(), load_.egress_bps() / 1e6);
    // The numbers stay in the log: a stranger is told only that it is full.
    refusal_ = "server full: at capacity";
    log("refused " + peer + ": " + why);
    return nullptr;
  }
  auto session = make(next_id_++);
  const std::string id = std::to_string(session->stats().id);
  if (transport == Transport::push)
    log("session " + id + ": pushing plain RTP to " + session->peer());
  else
    log("session " + id + ": " + (session->stats().protocol == "rtsp" ? "RTSP " : "") +
        to_string(transport) + " client " + session->peer() + " joined");
  sessions_.insert(session);
  try {
    session->begin();
  } catch (const std::exception& e) {
    log("session " + id + " failed to start: " + e.what());
    session->stop(e.what());
  }
  return session;
}

void Server::do_accept() {
  acceptor_->async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (!ec) {
      asio::error_code pe;
      auto ep = socket.remote_endpoint(pe);
      std::string name = pe ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
      auto session = admit(Transport::tcp, name, [&](uint64_t id) {
        auto transport = std::make_shared<TcpSessionTransport>(io_, std::move(socket),
                                                               options_.tcp_send_queue_bytes);
        return std::make_shared<Session>(io_, *this, session_source(), id, transport);
      });
      if (!session && !refusal_.empty()) refuse_tcp(socket);
    }
    do_accept();
  });
}

void Server::refuse_tcp(asio::ip::tcp::socket& socket) {
  // RFC 3550 §6.6: a BYE with the reason, framed as in RFC 4571, so the
  // client can say why (TCP has no FULL). It is small: one non-blocking
  // write carries it, or the client sees the connection close as before.
  std::vector<uint8_t> rtcp;
  common::write_goodbye(0, refusal_, rtcp);
  std::vector<uint8_t> framed;
  common::frame_rfc4571(rtcp, framed);
  asio::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(framed), ec);
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

void Server::on_live_frame(const std::shared_ptr<const PacketizedFrame>& frame) {
  // The source has described itself from its keyframe by now.
  if (frame->keyframe) {
    try {
      publish_description();
    } catch (const std::exception& e) {
      log(e.what());
      sdp_.reset();
    }
  }
  // A copy (kept, so no allocation per frame): a session may end, and leave
  // the set, while it sends.
  fanout_.assign(sessions_.begin(), sessions_.end());
  for (auto& s : fanout_) s->on_live_frame(frame);
  fanout_.clear();
}

void Server::start_push() {
  const std::string target = options_.push->host + ":" + std::to_string(options_.push->port);
  push_ = admit(Transport::push, target, [&](uint64_t id) {
    return std::make_shared<Session>(io_, *this, session_source(), id,
                                     std::make_shared<PushTransport>(io_, *push_to_));
  });
}

void Server::request_keyframe(KeyframeLimiter::Reason reason) {
  if (!source_->forces_keyframes()) return;
  switch (keyframes_.request(Clock::now(), reason)) {
    case KeyframeLimiter::Decision::force_now:
      source_->request_keyframe();
      break;
    case KeyframeLimiter::Decision::deferred:
      keyframe_timer_.expires_at(keyframes_.due_at());
      keyframe_timer_.async_wait([this](const asio::error_code& ec) {
        if (ec || stopping_) return;
        if (keyframes_.fire(Clock::now())) source_->request_keyframe();
      });
      break;
    case KeyframeLimiter::Decision::coalesced:
      break;
  }
}

void Server::session_ended(const std::shared_ptr<Session>& session) {
  if (sessions_.erase(session) == 0) return;
  const auto& st = session->stats();
  last_bytes_.erase(st.id);
  finished_.push_back(st);
  char line[256];
  std::snprintf(line, sizeof line,
                "session %llu: %s client %s left (%s): %llu packets, %.1f MB, held back %.0f ms "
                "(receiver's window %.0f ms)",
                static_cast<unsigned long long>(st.id), to_string(st.transport).c_str(),
                st.peer.c_str(), st.end_reason.c_str(),
                static_cast<unsigned long long>(st.packets_sent), st.bytes_sent / 1e6,
                st.held_back_ms, st.rwnd_limited_ms);
  log(line);
}

void Server::stop() {
  asio::post(io_, [this] { shutdown(); });
}

void Server::shutdown() {
  if (stopping_) return;
  stopping_ = true;
  source_->stop();
  asio::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  if (rtsp_) rtsp_->stop();
  duration_timer_.cancel();
  status_timer_.cancel();
  load_.stop();
  keyframe_timer_.cancel();
  signals_.cancel();
  auto sessions = sessions_;
  for (auto& s : sessions) s->stop("server stopping");
  // UDP sessions are done once their BYE is sent; TCP ones once drained,
  // or after a short grace so a stuck client cannot hold the exit.
  if (udp_) udp_->stop();
  auto grace = std::make_shared<asio::steady_timer>(io_, std::chrono::seconds(2));
  grace->async_wait([this, grace](const asio::error_code&) { io_.stop(); });
  if (sessions_.empty()) io_.stop();
}

int Server::run() {
  started_ = Clock::now();
  signals_.async_wait([this](const asio::error_code& ec, int) {
    if (!ec) shutdown();
  });
  if (options_.duration) {
    duration_timer_.expires_after(*options_.duration);
    duration_timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec) shutdown();
    });
  }
  load_.watch_viewers([this] { return clients(); });
  load_.start();
  if (acceptor_) do_accept();
  if (udp_) udp_->start();
  if (rtsp_) rtsp_->start();
  source_->start([this](auto frame) { on_live_frame(frame); },
                 [this](const std::string& why) {
                   log(why + ": stopping");
                   shutdown();
                 });
  schedule_status();
  const std::string& what = source_->description().what;
  std::string transports = options_.transport == TransportSet::both  ? "tcp+udp"
                           : options_.transport == TransportSet::tcp ? "tcp"
                                                                     : "udp";
  log("streaming " + what + " on " + options_.bind + ":" + std::to_string(port_) + " (" +
      transports + ")");
  if (rtsp_)
    log("RTSP at rtsp://" + options_.bind + ":" + std::to_string(rtsp_->port()) + "/stream");
  if (push_to_) start_push();
  if (options_.egress_limit_bps && !options_.input && *options_.egress_limit_bps < options_.bitrate)
    log("--egress-limit " + std::to_string(*options_.egress_limit_bps / 1000) +
        "k is below one viewer's stream (" + std::to_string(options_.bitrate / 1000) +
        "k): the one viewer admitted gets keyframes only, and no other is");
  io_.run();
  // The status line is redrawn in place: the prompt goes below it.
  if (tty_ && !options_.quiet && status_tick_ > 0) std::fputc('\n', stderr);
  source_->stop();
  warn_if_encoder_behind();
  if (const auto e = source_->encoder(); e && e->run.fell_behind) log(fell_behind_summary(e->run));
  // Sessions cut off by the grace timer still count.
  for (auto& s : sessions_) finished_.push_back(s->stats_now());
  sessions_.clear();
  std::string error;
  if (options_.metrics_path &&
      !common::write_file_atomic(*options_.metrics_path, nlohmann::json(metrics()).dump(2) + "\n",
                                 error)) {
    std::fprintf(stderr, "flowcast-server: %s\n", error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace flowcast::server
