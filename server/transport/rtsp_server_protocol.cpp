#include "server/transport/rtsp_server_protocol.hpp"

#include <cstdio>
#include <random>

#include "common/rtsp/rtsp_status.hpp"
#include "server/transport/rtsp_paths.hpp"

namespace flowcast::server {

using namespace rtsp_paths;

namespace {

const char* kPublic = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER";

// 64 random bits in hex: a session identifier (RFC 2326 §3.4) no other
// client can guess.
std::string new_session_id() {
  static std::random_device rd;
  const uint64_t value = (static_cast<uint64_t>(rd()) << 32) | rd();
  char text[17];
  std::snprintf(text, sizeof text, "%016llX", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

RtspServerProtocol::RtspServerProtocol(RtspListener& listener, Wire& wire,
                                       asio::ip::address peer_address, std::string peer,
                                       Clock::time_point now, SessionIds session_ids)
    : listener_(listener),
      wire_(&wire),
      peer_address_(std::move(peer_address)),
      peer_(std::move(peer)),
      session_ids_(session_ids ? std::move(session_ids) : SessionIds(&new_session_id)),
      now_(now),
      last_request_(now) {}

void RtspServerProtocol::feed(std::span<const uint8_t> bytes, Clock::time_point now) {
  if (closed_ || closing_) return;  // after the 400 that ends it: drained unread
  now_ = now;
  std::vector<common::RtspStreamReader::Item> items;
  const bool ok = reader_.feed(bytes, items);
  for (auto& item : items) {
    if (closed_ || closing_) break;
    if (auto* message = std::get_if<common::RtspMessage>(&item)) {
      if (!message->is_response) on_request(*message);  // answers to us: none asked
    } else {
      on_frame(std::get<common::InterleavedFrame>(item));
    }
  }
  if (closed_) return;
  if (!ok && !closing_) {
    // The stream cannot be read on: 400, and the connection ends.
    ++listener_.counters_.bad_requests;
    common::RtspMessage none;
    respond(none, 400);
    close_when_done();
  }
  if (reader_.pending() == 0) {
    partial_since_.reset();
  } else if (!partial_since_) {
    partial_since_ = now;
  }
}

void RtspServerProtocol::tick(Clock::time_point now) {
  if (closed_) return;
  now_ = now;
  const auto limit = listener_.config_.request_timeout;
  bool active = false;
  for (auto& [id, session] : sessions_)
    if (!session->ended()) active = true;
  if (!closing_ && partial_since_ && now - *partial_since_ > limit) {
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
      session->media().stop("no RTSP request or RTCP for 60 s");
    }
  }
}

void RtspServerProtocol::note_probe(const TcpProbe& probe) {
  for (auto& [id, session] : sessions_) {
    if (session->interleaved() && !session->ended()) session->interleaved()->note_probe(probe);
  }
}

size_t RtspServerProtocol::queued_bytes() const {
  return wire_ ? wire_->queued_bytes() : 0;
}

bool RtspServerProtocol::send_interleaved(uint8_t channel, const OutboundPacket& packet) {
  const size_t size = packet.size();
  if (closed_ || closing_ || !wire_ || size > 0xFFFF) return false;
  if (queued_bytes() + size > listener_.config_.send_queue_bytes + kResponseAllowance) return false;
  // RFC 2326 §10.12: '$', the channel, the 16-bit length, the packet.
  std::vector<uint8_t> frame;
  frame.reserve(size + 4);
  frame.push_back('$');
  frame.push_back(channel);
  frame.push_back(static_cast<uint8_t>(size >> 8));
  frame.push_back(static_cast<uint8_t>(size));
  packet.append_to(frame);
  wire_->write(frame);
  return true;
}

void RtspServerProtocol::drained() {
  std::vector<std::shared_ptr<RtspSession>> waiting;
  for (auto& [id, session] : sessions_)
    if (session->interleaved() && !session->ended()) waiting.push_back(session);
  for (auto& session : waiting) session->interleaved()->connection_drained();
}

void RtspServerProtocol::close_when_done() {
  closing_ = true;
  if (wire_) wire_->close_after_write();
}

void RtspServerProtocol::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  // The Wire first: its last probe still finds the sessions running.
  if (wire_) wire_->close(reason);
  auto sessions = std::move(sessions_);
  sessions_.clear();
  for (auto& [id, session] : sessions) {
    if (session->ended()) continue;
    if (session->interleaved())
      session->interleaved()->connection_closed(reason);
    else
      session->media().stop("the RTSP connection closed: " + reason);  // its BYE over UDP
  }
}

void RtspServerProtocol::detach() {
  // Its sessions are left as they are: the server that owns them is going
  // too, or has closed the connection (and so ended them) already.
  wire_ = nullptr;
  closed_ = true;
}

void RtspServerProtocol::stop() {
  stopping_ = true;
  session_ended();
}

void RtspServerProtocol::session_ended() {
  if (!stopping_ || closed_) return;
  for (auto& [id, session] : sessions_)
    if (!session->ended()) return;
  close_when_done();
}

void RtspServerProtocol::respond(const common::RtspMessage& request, int status,
                                 std::vector<std::pair<std::string, std::string>> headers,
                                 std::string body, std::string content_type) {
  if (closed_ || !wire_) return;
  common::RtspMessage response;
  response.is_response = true;
  response.status = status;
  response.reason = common::rtsp_reason_phrase(status);
  if (auto cseq = request.header("CSeq")) response.set_header("CSeq", std::string(*cseq));
  response.set_header("Server", "flowcast");
  for (auto& [name, value] : headers) response.set_header(std::move(name), std::move(value));
  if (!content_type.empty()) response.set_header("Content-Type", content_type);
  response.body = std::move(body);
  if (status >= 400 && status != 400) ++listener_.counters_.error_responses;
  if (queued_bytes() > listener_.config_.send_queue_bytes + kResponseAllowance) {
    close("the client does not read its answers");
    return;
  }
  const std::string text = common::write_rtsp(response);
  wire_->write({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

std::string RtspServerProtocol::session_header(const RtspSession& session) const {
  return session.rtsp_id() + ";timeout=" + std::to_string(RtspSession::kTimeout.count());
}

void RtspServerProtocol::on_frame(const common::InterleavedFrame& frame) {
  // RTCP from the client on a session's odd channel (RFC 2326 §10.12).
  for (auto& [id, session] : sessions_) {
    const auto* interleaved = session->interleaved();
    if (interleaved && !session->ended() && interleaved->uses_channel(frame.channel)) {
      auto keep = session;
      keep->interleaved()->on_frame(frame.data);
      return;
    }
  }
}

void RtspServerProtocol::on_request(const common::RtspMessage& request) {
  ++listener_.counters_.requests;
  last_request_ = now_;
  // Any request on the connection keeps its sessions (RFC 2326 §12.37 asks
  // for the session's; clients that send OPTIONS without it are common).
  for (auto& [id, session] : sessions_) session->heard();
  if (!request.cseq()) {
    ++listener_.counters_.bad_requests;
    respond(request, 400);
    return;
  }
  if (request.uri.size() > kMaxUriBytes) {
    respond(request, 414);
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

void RtspServerProtocol::describe(const common::RtspMessage& request) {
  const std::string path = path_of(request.uri);
  if (path != kStreamPath && path != kTrackPath) {
    respond(request, 404);
    return;
  }
  const auto sdp = listener_.sdp();
  if (!sdp) {
    // No description yet. The listener accepts connections only once there
    // is one, so only a protocol driven without it (a test) gets here.
    respond(request, 503, {{"Retry-After", "1"}});
    return;
  }
  respond(request, 200, {{"Content-Base", base_of(request.uri) + "/"}}, *sdp, "application/sdp");
}

std::shared_ptr<RtspSession> RtspServerProtocol::find_session(const common::RtspMessage& request,
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

void RtspServerProtocol::in_session(const common::RtspMessage& request) {
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
    // Its BYE, then it leaves the UDP ports.
    if (!session->ended()) session->media().stop("teardown");
  } else if (method == "PAUSE") {
    // A stream that is over is paused already (GStreamer pauses at its end).
    if (!session->ended()) session->media().pause();
    respond(request, 200, id);
  } else if (session->ended()) {
    respond(request, 455, id);  // the session is over: only TEARDOWN is left
  } else {
    play(request, session->media(), id);
  }
}

void RtspServerProtocol::play(const common::RtspMessage& request, Session& session,
                              const std::vector<std::pair<std::string, std::string>>& id) {
  std::string range = "npt=now-";
  if (!session.live()) {
    // RFC 2326 §12.29: a Range starts the file at the keyframe at or before
    // its start; at the end of the file, a PLAY without one starts it again.
    // The answer's Range says where it did start, and how long the file is.
    std::optional<double> start;
    if (auto asked = request.header("Range")) {
      const auto npt = common::parse_npt_range(*asked);
      if (!npt || (npt->end_s && npt->start_s && *npt->end_s < *npt->start_s)) {
        respond(request, 457, id);  // Invalid Range (smpte=, clock=, or malformed)
        return;
      }
      start = npt->start_s;
    }
    if (!start && session.at_end()) start = 0.0;
    if (start) {
      try {
        session.seek(*start);
      } catch (const std::exception&) {
        respond(request, 457, id);  // the file cannot seek
        return;
      }
    }
    range = common::write_npt_range(session.position_s(), session.duration_s());
  }
  // RFC 2326 §12.33: one entry per track set up.
  const std::string presentation = presentation_of(request.uri);
  std::string rtp_info;
  for (size_t k = 0; k < session.stream_count(); ++k) {
    if (!session.stream_enabled(k)) continue;
    if (!rtp_info.empty()) rtp_info += ",";
    rtp_info += "url=" + presentation + "/" + track_control(k) +
                ";seq=" + std::to_string(session.next_rtp_sequence(k)) +
                ";rtptime=" + std::to_string(session.next_rtp_timestamp(k));
  }
  auto headers = id;
  headers.emplace_back("Range", range);
  headers.emplace_back("RTP-Info", rtp_info);
  // The answer leaves before the first packet of the stream.
  respond(request, 200, std::move(headers));
  session.resume();
}

}  // namespace flowcast::server
