#pragma once
// One RTSP session (RFC 2326 §3: the streams set up by SETUP, one track
// each, and named by its Session header): its identifier, the Session that streams it (the same
// sources, pacing, link emulation, NACK and PLI as flowcast's own), and that
// Session's transport, either interleaved on the RTSP connection
// (RtspInterleavedTransport) or over UDP (RtspUdpTransport). The connection's
// RtspServerProtocol holds it and drives it from the requests.
//
// The Session begins paused at SETUP (the file is opened then, so a bad file
// is a 500 at once) and plays from PLAY (from its Range, for a file). At the
// end of the file it sends an RTCP BYE and stays, paused at the end
// (SessionSource::hold_at_end): a PLAY starts the file again (or from its
// Range), PAUSE is answered, and TEARDOWN ends it. It ends on TEARDOWN, on
// RTCP BYE, when its RTSP connection closes, or when kTimeout passes without
// a request on its connection or RTCP from its client (§12.37).
//
// Threads: the server's network thread only.
#include <chrono>
#include <memory>
#include <string>

#include "server/session/session.hpp"
#include "server/transport/rtsp_interleaved_transport.hpp"
#include "server/transport/rtsp_udp_transport.hpp"

namespace flowcast::server {

class RtspSession {
 public:
  using Clock = std::chrono::steady_clock;
  // RFC 2326 §12.37: said in the Session header ("timeout=60").
  static constexpr auto kTimeout = std::chrono::seconds(60);

  // `media` writes through `interleaved` (not null).
  RtspSession(std::string rtsp_id, std::shared_ptr<Session> media,
              std::shared_ptr<RtspInterleavedTransport> interleaved);
  // `media` writes through `udp` (not null).
  RtspSession(std::string rtsp_id, std::shared_ptr<Session> media,
              std::shared_ptr<RtspUdpTransport> udp);

  // RFC 2326 §12.37 session identifier.
  const std::string& rtsp_id() const { return rtsp_id_; }
  Session& media() const { return *media_; }
  bool ended() const { return media_->ended(); }
  // The interleaved transport; nullptr over UDP.
  RtspInterleavedTransport* interleaved() const { return interleaved_.get(); }
  // The UDP transport; nullptr when interleaved.
  const std::shared_ptr<RtspUdpTransport>& udp() const { return udp_; }

  // A request on the RTSP connection keeps the session (RFC 2326 §12.37
  // asks for the session's; clients that send OPTIONS without it are
  // common), as RTCP from its client does.
  void heard() { last_request_ = Clock::now(); }
  // The later of the last request and the last RTCP from the client.
  Clock::time_point last_heard() const;

 private:
  std::string rtsp_id_;
  std::shared_ptr<Session> media_;
  std::shared_ptr<RtspInterleavedTransport> interleaved_;
  std::shared_ptr<RtspUdpTransport> udp_;
  Clock::time_point last_request_;
};

}  // namespace flowcast::server
