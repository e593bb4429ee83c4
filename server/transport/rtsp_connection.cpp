#include "server/transport/rtsp_connection.hpp"

#include <cstdio>
#include <random>

#include "server/transport/tcp_probe.hpp"

namespace flowcast::server {

namespace {

constexpr auto kTick = std::chrono::milliseconds(200);
// After the 400 that ends a connection, how long its unread input is drained
// so closing does not reset the connection before the answer is read.
constexpr auto kLinger = std::chrono::seconds(1);

const char* kPublic = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER";

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 454:
      return "Session Not Found";
    case 455:
      return "Method Not Valid in This State";
    case 457:
      return "Invalid Range";
    case 459:
      return "Aggregate Operation Not Allowed";
    case 461:
      return "Unsupported Transport";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 551:
      return "Option not supported";
    default:
      return "Error";
  }
}

// 64 random bits in hex: a session identifier (RFC 2326 §3.4) no other
// client can guess.
std::string new_session_id() {
  static std::random_device rd;
  const uint64_t value = (static_cast<uint64_t>(rd()) << 32) | rd();
  char text[17];
  std::snprintf(text, sizeof text, "%016llX", static_cast<unsigned long long>(value));
  return text;
}

// The path of a request URI ("rtsp://h:p/stream/track1" → "/stream/track1"),
// without a trailing '/'; "" when it is no rtsp:// URL.
std::string path_of(const std::string& uri) {
  const auto url = common::parse_rtsp_url(uri);
  if (!url) return "";
  std::string path = url->path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// The URI without credentials and without a trailing '/'.
std::string base_of(const std::string& uri) {
  const auto url = common::parse_rtsp_url(uri);
  std::string base = url ? url->without_credentials() : uri;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

constexpr std::string_view kStreamPath = "/stream";
constexpr std::string_view kTrackPath = "/stream/track1";

}  // namespace

RtspConnection::RtspConnection(asio::io_context& io, asio::ip::tcp::socket socket,
                               RtspListener& listener)
    : socket_(std::move(socket)),
      listener_(listener),
      tick_timer_(io),
      last_request_(Clock::now()) {
  asio::error_code ec;
  const auto ep = socket_.remote_endpoint(ec);
  if (!ec) {
    peer_address_ = ep.address();
    peer_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  } else {
    peer_ = "?";
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void RtspConnection::start() {
  do_read();
  tick();
}

void RtspConnection::do_read() {
  socket_.async_read_some(asio::buffer(read_buffer_), [this, self = shared_from_this()](
                                                          const asio::error_code& ec, size_t n) {
    if (closed_) return;
    if (ec) {
      close(ec == asio::error::eof ? "the client closed the connection" : ec.message());
      return;
    }
    if (close_after_write_) {
      do_read();  // draining before the close
      return;
    }
    std::vector<common::RtspStreamReader::Item> items;
    const bool ok = reader_.feed(std::span<const uint8_t>(read_buffer_.data(), n), items);
    for (auto& item : items) {
      if (closed_ || close_after_write_) break;
      if (auto* message = std::get_if<common::RtspMessage>(&item)) {
        if (!message->is_response) on_request(*message);  // answers to us: none asked
      } else {
        on_frame(std::get<common::InterleavedFrame>(item));
      }
    }
    if (closed_) return;
    if (!ok && !close_after_write_) {
      // The stream cannot be read on: 400, and the connection ends.
      ++listener_.counters_.bad_requests;
      common::RtspMessage none;
      respond(none, 400);
      close_when_done();
    }
    if (reader_.pending() == 0) {
      partial_since_.reset();
    } else if (!partial_since_) {
      partial_since_ = Clock::now();
    }
    do_read();
  });
}

void RtspConnection::tick() {
  tick_timer_.expires_after(kTick);
  tick_timer_.async_wait([this, self = shared_from_this()](const asio::error_code& ec) {
    if (ec || closed_) return;
    const auto now = Clock::now();
    const auto limit = listener_.config_.request_timeout;
    bool active = false;
    for (auto& [id, session] : sessions_)
      if (!session->ended()) active = true;
    if (!close_after_write_ && partial_since_ && now - *partial_since_ > limit) {
      ++listener_.counters_.timed_out;
      close("a request was not finished within " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(limit).count()) + " s");
      return;
    }
    if (!active && now - last_request_ > limit) {
      ++listener_.counters_.timed_out;
      close("no request and no session");
      return;
    }
    auto sessions = sessions_;
    for (auto& [id, session] : sessions) {
      if (!session->ended() && now - session->last_heard() > RtspSession::kTimeout) {
        ++listener_.counters_.sessions_timed_out;
        session->stop("no RTSP request or RTCP for 60 s");
      }
    }
    probe();
    tick();
  });
}

void RtspConnection::probe() {
  if (!socket_.is_open()) return;
  const TcpProbe p = read_tcp_probe(socket_.native_handle());
  for (auto& [id, session] : sessions_) {
    if (session->interleaved() && !session->ended())
      session->note_probe(static_cast<double>(p.rwnd_limited_us) / 1000.0,
                          static_cast<double>(p.sndbuf_limited_us) / 1000.0, p.unsent_bytes);
  }
}

void RtspConnection::queue(std::string_view bytes) {
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  queued_bytes_ += bytes.size();
  if (!write_in_flight_) do_write();
}

bool RtspConnection::send_interleaved(uint8_t channel, std::span<const uint8_t> packet) {
  if (closed_ || close_after_write_ || packet.size() > 0xFFFF) return false;
  if (queued_bytes_ + packet.size() > listener_.config_.send_queue_bytes + kResponseAllowance)
    return false;
  const size_t before = pending_.size();
  common::write_interleaved(channel, packet, pending_);
  queued_bytes_ += pending_.size() - before;
  if (!write_in_flight_) do_write();
  return true;
}

void RtspConnection::do_write() {
  // One write in flight: a drain callback run by the completion handler may
  // have started the next one already, and its buffer must stay put.
  if (write_in_flight_) return;
  if (closed_) return;
  if (pending_.empty()) {
    if (close_after_write_) {
      asio::error_code ec;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
      tick_timer_.cancel();
      tick_timer_.expires_after(kLinger);
      tick_timer_.async_wait([this, self = shared_from_this()](const asio::error_code& e) {
        if (!e) close("closed after the answer");
      });
    }
    return;
  }
  writing_.swap(pending_);
  pending_.clear();
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [this, self = shared_from_this()](const asio::error_code& ec, size_t n) {
                      write_in_flight_ = false;
                      queued_bytes_ -= std::min(queued_bytes_, n);
                      writing_.clear();
                      if (closed_) return;
                      if (ec) {
                        close(ec.message());
                        return;
                      }
                      if (queued_bytes_ <= listener_.config_.send_queue_bytes / 2) {
                        std::vector<std::shared_ptr<RtspSession>> waiting;
                        for (auto& [id, session] : sessions_)
                          if (session->interleaved() && !session->ended())
                            waiting.push_back(session);
                        for (auto& session : waiting) session->drained();
                      }
                      do_write();
                    });
}

void RtspConnection::close_when_done() {
  close_after_write_ = true;
  if (!write_in_flight_) do_write();
}

void RtspConnection::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  tick_timer_.cancel();
  probe();
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  auto sessions = std::move(sessions_);
  sessions_.clear();
  for (auto& [id, session] : sessions) {
    if (session->ended()) {
      if (!session->interleaved()) listener_.udp_.detach(*session);
      continue;
    }
    if (session->interleaved())
      session->connection_closed(reason);
    else
      session->stop("the RTSP connection closed: " + reason);  // its BYE over UDP
  }
  listener_.forget(shared_from_this());
}

void RtspConnection::stop() {
  stopping_ = true;
  session_ended();
}

void RtspConnection::session_ended() {
  if (!stopping_ || closed_) return;
  for (auto& [id, session] : sessions_)
    if (!session->ended()) return;
  close_when_done();
}

void RtspConnection::respond(const common::RtspMessage& request, int status,
                             std::vector<std::pair<std::string, std::string>> headers,
                             std::string body, std::string content_type) {
  if (closed_) return;
  common::RtspMessage response;
  response.is_response = true;
  response.status = status;
  response.reason = reason_phrase(status);
  if (auto cseq = request.header("CSeq")) response.set_header("CSeq", std::string(*cseq));
  response.set_header("Server", "flowcast");
  for (auto& [name, value] : headers) response.set_header(std::move(name), std::move(value));
  if (!content_type.empty()) response.set_header("Content-Type", content_type);
  response.body = std::move(body);
  if (status >= 400 && status != 400) ++listener_.counters_.error_responses;
  if (queued_bytes_ > listener_.config_.send_queue_bytes + kResponseAllowance) {
    close("the client does not read its answers");
    return;
  }
  queue(common::write_rtsp(response));
}

std::string RtspConnection::session_header(const RtspSession& session) const {
  return session.rtsp_id() + ";timeout=" + std::to_string(RtspSession::kTimeout.count());
}

void RtspConnection::on_frame(const common::InterleavedFrame& frame) {
  // RTCP from the client on a session's odd channel (RFC 2326 §10.12).
  for (auto& [id, session] : sessions_) {
    if (session->interleaved() && !session->ended() &&
        (frame.channel == session->rtp_channel() + 1 || frame.channel == session->rtp_channel())) {
      auto keep = session;
      keep->on_rtcp(frame.data);
      return;
    }
  }
}

void RtspConnection::on_request(const common::RtspMessage& request) {
  ++listener_.counters_.requests;
  last_request_ = Clock::now();
  // Any request on the connection keeps its sessions (RFC 2326 §12.37 asks
  // for the session's; clients that send OPTIONS without it are common).
  for (auto& [id, session] : sessions_) session->heard();
  if (!request.cseq()) {
    ++listener_.counters_.bad_requests;
    respond(request, 400);
    return;
  }
  if (auto require = request.header("Require")) {
    // RFC 2326 §12.32: no option extensions are supported.
    respond(request, 551, {{"Unsupported", std::string(*require)}});
    return;
  }
  const std::string& method = request.method;
  if (method == "OPTIONS") {
    respond(request, 200, {{"Public", kPublic}});
  } else if (method == "DESCRIBE") {
    describe(request);
  } else if (method == "SETUP") {
    setup(request);
  } else if (method == "PLAY" || method == "PAUSE" || method == "TEARDOWN" ||
             method == "GET_PARAMETER") {
    in_session(request);
  } else if (method == "ANNOUNCE" || method == "RECORD" || method == "SET_PARAMETER" ||
             method == "REDIRECT") {
    // RFC 2326 §11.3.5: a method flowcast knows and does not allow here.
    respond(request, 405, {{"Allow", kPublic}});
  } else {
    respond(request, 501, {{"Public", kPublic}});
  }
}

void RtspConnection::describe(const common::RtspMessage& request) {
  const std::string path = path_of(request.uri);
  if (path != kStreamPath && path != kTrackPath) {
    respond(request, 404);
    return;
  }
  const auto sdp = listener_.sdp();
  if (!sdp) {
    // The live pattern has not produced its first keyframe yet.
    respond(request, 503, {{"Retry-After", "1"}});
    return;
  }
  respond(request, 200, {{"Content-Base", base_of(request.uri) + "/"}}, *sdp, "application/sdp");
}

std::shared_ptr<RtspSession> RtspConnection::find_session(const common::RtspMessage& request,
                                                          bool required) {
  const auto value = request.header("Session");
  if (!value) {
    if (required) respond(request, 454);
    return nullptr;
  }
  const auto parsed = common::parse_session(*value);
  auto it = parsed ? sessions_.find(parsed->id) : sessions_.end();
  if (it == sessions_.end()) {
    respond(request, 454);
    return nullptr;
  }
  return it->second;
}

void RtspConnection::setup(const common::RtspMessage& request) {
  const std::string path = path_of(request.uri);
  if (path != kStreamPath && path != kTrackPath) {
    respond(request, 404);
    return;
  }
  if (request.header("Session")) {
    // One stream per session: a second SETUP in a session is refused, and
    // changing the transport of a session is not offered.
    if (find_session(request, true)) respond(request, 459);
    return;
  }
  const auto header = request.header("Transport");
  const auto specs =
      header ? common::parse_transports(*header) : std::vector<common::RtspTransportSpec>{};
  const auto& config = listener_.config_;
  std::optional<common::RtspTransportSpec> chosen;
  for (const auto& spec : specs) {
    if (spec.tcp) {
      if (!config.allow_tcp) continue;
      // The channels asked for, or the first pair no session here uses.
      uint8_t channel =
          spec.interleaved && spec.interleaved->first < 255 ? spec.interleaved->first : 0;
      auto taken = [&](uint8_t c) {
        for (auto& [id, s] : sessions_)
          if (s->interleaved() && !s->ended() &&
              (s->rtp_channel() == c || s->rtp_channel() + 1 == c || s->rtp_channel() == c + 1))
            return true;
        return false;
      };
      while (taken(channel) && channel < 252) channel = static_cast<uint8_t>(channel + 2);
      if (taken(channel)) continue;
      chosen = spec;
      chosen->interleaved = std::pair<uint8_t, uint8_t>{channel, static_cast<uint8_t>(channel + 1)};
      break;
    }
    if (!config.allow_udp || !spec.unicast || !spec.client_port) continue;
    if (spec.client_port->first == 0 || spec.client_port->second == 0) continue;
    if (spec.destination) {
      // Media goes only to the address that asked (no third party is sent
      // a stream): a destination elsewhere is refused.
      asio::error_code ec;
      const auto address = asio::ip::make_address(*spec.destination, ec);
      if (ec || address != peer_address_) continue;
    }
    const asio::ip::udp::endpoint rtp_to(peer_address_, spec.client_port->first);
    const asio::ip::udp::endpoint rtcp_to(peer_address_, spec.client_port->second);
    if (listener_.udp_.in_use(rtp_to) || listener_.udp_.in_use(rtcp_to)) continue;
    chosen = spec;
    break;
  }
  if (!chosen) {
    respond(request, 461);
    return;
  }
  // Ended sessions are kept for their TEARDOWN, up to the bound.
  if (sessions_.size() >= kMaxSessions) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (!it->second->ended()) {
        ++it;
        continue;
      }
      if (!it->second->interleaved()) listener_.udp_.detach(*it->second);
      it = sessions_.erase(it);
    }
  }
  if (sessions_.size() >= kMaxSessions) {
    respond(request, 503);
    return;
  }
  const std::string rtsp_id = new_session_id();
  auto& io = listener_.io_;
  std::shared_ptr<RtspSession> session;
  const Transport transport = chosen->tcp ? Transport::tcp : Transport::udp;
  auto admitted = listener_.admit_(transport, peer_, [&](uint64_t id) -> std::shared_ptr<Session> {
    if (chosen->tcp) {
      session = std::make_shared<RtspSession>(io, listener_.host_, listener_.source_, id, rtsp_id,
                                              weak_from_this(), chosen->interleaved->first, peer_,
                                              config.send_queue_bytes);
    } else {
      session = std::make_shared<RtspSession>(
          io, listener_.host_, listener_.source_, id, rtsp_id, weak_from_this(), listener_.udp_,
          asio::ip::udp::endpoint(peer_address_, chosen->client_port->first),
          asio::ip::udp::endpoint(peer_address_, chosen->client_port->second));
      listener_.udp_.attach(session);
    }
    return session;
  });
  if (!admitted || !session) {
    respond(request, 503);  // --max-clients, or the server is stopping
    return;
  }
  sessions_[rtsp_id] = session;
  if (session->ended()) {
    respond(request, 500);  // the source did not open (the server's log says why)
    return;
  }
  common::RtspTransportSpec answer;
  answer.tcp = chosen->tcp;
  answer.unicast = true;
  answer.ssrc = session->ssrc();
  if (chosen->tcp) {
    answer.interleaved = chosen->interleaved;
  } else {
    answer.client_port = chosen->client_port;
    answer.server_port =
        std::pair<uint16_t, uint16_t>{listener_.udp_.rtp_port(), listener_.udp_.rtcp_port()};
  }
  respond(request, 200,
          {{"Transport", common::write_transport(answer)}, {"Session", session_header(*session)}});
}

void RtspConnection::in_session(const common::RtspMessage& request) {
  const std::string& method = request.method;
  auto session = find_session(request, method != "GET_PARAMETER");
  if (!session) {
    if (method == "GET_PARAMETER" && !request.header("Session")) respond(request, 200);
    return;
  }
  const std::vector<std::pair<std::string, std::string>> id = {
      {"Session", session_header(*session)}};
  if (method == "GET_PARAMETER") {
    respond(request, 200, id);
  } else if (method == "TEARDOWN") {
    respond(request, 200, id);
    sessions_.erase(session->rtsp_id());
    if (!session->ended())
      session->stop("teardown");  // its BYE, then it leaves the UDP ports
    else if (!session->interleaved())
      listener_.udp_.detach(*session);
  } else if (method == "PAUSE") {
    // A stream that is over is paused already (GStreamer pauses at its end).
    if (!session->ended()) session->hold();
    respond(request, 200, id);
  } else if (session->ended()) {
    respond(request, 455, id);  // the session is over: only TEARDOWN is left
  } else {                      // PLAY
    std::string range = "npt=now-";
    if (!session->live()) {
      // RFC 2326 §12.29: a Range starts the file at the keyframe at or
      // before its start; at the end of the file, a PLAY without one starts
      // it again. The answer's Range says where it did start, and how long
      // the file is.
      std::optional<double> start;
      if (auto asked = request.header("Range")) {
        const auto npt = common::parse_npt_range(*asked);
        if (!npt || (npt->end_s && npt->start_s && *npt->end_s < *npt->start_s)) {
          respond(request, 457, id);  // Invalid Range (smpte=, clock=, or malformed)
          return;
        }
        start = npt->start_s;
      }
      if (!start && session->at_end()) start = 0.0;
      if (start) {
        try {
          session->seek(*start);
        } catch (const std::exception&) {
          respond(request, 457, id);  // the file cannot seek
          return;
        }
      }
      range = common::write_npt_range(session->position_s(), session->duration_s());
    }
    const std::string path = path_of(request.uri);
    const std::string track =
        path == kTrackPath ? base_of(request.uri) : base_of(request.uri) + "/track1";
    const std::string rtp_info = "url=" + track +
                                 ";seq=" + std::to_string(session->next_rtp_sequence()) +
                                 ";rtptime=" + std::to_string(session->next_rtp_timestamp());
    auto headers = id;
    headers.emplace_back("Range", range);
    headers.emplace_back("RTP-Info", rtp_info);
    // The answer leaves before the first packet of the stream.
    respond(request, 200, std::move(headers));
    session->play();
  }
}

}  // namespace flowcast::server
