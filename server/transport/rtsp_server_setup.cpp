// RtspServerProtocol's SETUP (RFC 2326 §10.4): the transport chosen from the
// client's list, the session made on the first track's SETUP, and each
// further track added to it. The rest of the protocol is in
// rtsp_server_protocol.cpp.
#include "server/transport/rtsp_paths.hpp"
#include "server/transport/rtsp_server_protocol.hpp"

namespace flowcast::server {

using namespace rtsp_paths;

std::optional<common::RtspTransportSpec> RtspServerProtocol::choose_transport(
    const common::RtspMessage& request) {
  const auto header = request.header("Transport");
  const auto specs =
      header ? common::parse_transports(*header) : std::vector<common::RtspTransportSpec>{};
  const auto& config = listener_.config_;
  for (const auto& spec : specs) {
    if (spec.tcp) {
      if (!config.allow_tcp) continue;
      // The channels asked for, or the first pair no session here uses.
      uint8_t channel =
          spec.interleaved && spec.interleaved->first < 255 ? spec.interleaved->first : 0;
      auto taken = [&](uint8_t c) {
        for (auto& [id, s] : sessions_) {
          if (!s->interleaved() || s->ended()) continue;
          if (s->interleaved()->uses_channel(c) || s->interleaved()->uses_channel(c + 1))
            return true;
        }
        return false;
      };
      while (taken(channel) && channel < 252) channel = static_cast<uint8_t>(channel + 2);
      if (taken(channel)) continue;
      auto chosen = spec;
      chosen.interleaved = std::pair<uint8_t, uint8_t>{channel, static_cast<uint8_t>(channel + 1)};
      return chosen;
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
    return spec;
  }
  return std::nullopt;
}

void RtspServerProtocol::setup(const common::RtspMessage& request) {
  const auto stream = stream_of_path(path_of(request.uri), listener_.source_.streams.size());
  if (!stream) {
    respond(request, 404);
    return;
  }
  if (request.header("Session")) {
    // Another track of a session (RFC 2326 §10.4): same lower transport.
    if (auto session = find_session(request, true)) add_track(request, *session, *stream);
    return;
  }
  const auto chosen = choose_transport(request);
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
      it = sessions_.erase(it);
    }
  }
  if (sessions_.size() >= kMaxSessions) {
    respond(request, 503);
    return;
  }
  const std::string rtsp_id = session_ids_();
  auto& io = listener_.io_;
  SessionSource source = listener_.source_;
  // An RTSP session outlives its file: it waits at the end for PLAY or
  // TEARDOWN.
  source.hold_at_end = true;
  // Only the tracks set up are sent: this one now, others by their SETUP.
  for (size_t k = 0; k < source.streams.size(); ++k) source.streams[k].enabled = k == *stream;
  std::shared_ptr<RtspInterleavedTransport> interleaved;
  std::shared_ptr<RtspUdpTransport> udp;
  std::shared_ptr<SessionTransport> transport;
  if (chosen->tcp) {
    transport = interleaved = std::make_shared<RtspInterleavedTransport>(
        weak_from_this(), chosen->interleaved->first, peer_, listener_.config_.send_queue_bytes,
        *stream);
  } else {
    transport = udp = std::make_shared<RtspUdpTransport>(
        io, weak_from_this(), listener_.udp_,
        asio::ip::udp::endpoint(peer_address_, chosen->client_port->first),
        asio::ip::udp::endpoint(peer_address_, chosen->client_port->second), *stream);
  }
  std::shared_ptr<Session> media;
  const Transport kind = transport->traits().kind;
  auto admitted = listener_.admit_(kind, peer_, [&](uint64_t id) -> std::shared_ptr<Session> {
    media = std::make_shared<Session>(io, listener_.host_, source, id, transport);
    if (udp) listener_.udp_.attach(udp);
    // SETUP opens the source, paused: PLAY starts it.
    media->pause();
    return media;
  });
  if (!admitted || !media) {
    respond(request, 503);  // --max-clients, or the server is stopping
    return;
  }
  auto session = interleaved ? std::make_shared<RtspSession>(rtsp_id, media, interleaved)
                             : std::make_shared<RtspSession>(rtsp_id, media, udp);
  sessions_[rtsp_id] = session;
  if (session->ended()) {
    respond(request, 500);  // the source did not open (the server's log says why)
    return;
  }
  answer_setup(request, *session, *chosen, *stream);
}

void RtspServerProtocol::add_track(const common::RtspMessage& request, RtspSession& session,
                                   size_t stream) {
  Session& media = session.media();
  if (session.ended() || media.stream_enabled(stream)) {
    // A track set up twice: changing the transport of a stream is not offered.
    respond(request, 459);
    return;
  }
  const auto chosen = choose_transport(request);
  if (!chosen || chosen->tcp != (session.interleaved() != nullptr)) {
    respond(request, 461);  // one lower transport per session
    return;
  }
  if (chosen->tcp) {
    session.interleaved()->add_stream(stream, chosen->interleaved->first);
  } else {
    session.udp()->add_stream(stream,
                              asio::ip::udp::endpoint(peer_address_, chosen->client_port->first),
                              asio::ip::udp::endpoint(peer_address_, chosen->client_port->second));
    listener_.udp_.attach(session.udp());
  }
  media.enable_stream(stream);
  answer_setup(request, session, *chosen, stream);
}

void RtspServerProtocol::answer_setup(const common::RtspMessage& request,
                                      const RtspSession& session,
                                      const common::RtspTransportSpec& chosen, size_t stream) {
  common::RtspTransportSpec answer;
  answer.tcp = chosen.tcp;
  answer.unicast = true;
  answer.ssrc = session.media().ssrc(stream);
  if (chosen.tcp) {
    answer.interleaved = chosen.interleaved;
  } else {
    answer.client_port = chosen.client_port;
    answer.server_port =
        std::pair<uint16_t, uint16_t>{listener_.udp_.rtp_port(), listener_.udp_.rtcp_port()};
  }
  respond(request, 200,
          {{"Transport", common::write_transport(answer)}, {"Session", session_header(session)}});
}

}  // namespace flowcast::server
