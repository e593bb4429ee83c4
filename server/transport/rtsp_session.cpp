#include "server/transport/rtsp_session.hpp"

#include <algorithm>

namespace flowcast::server {

RtspSession::RtspSession(std::string rtsp_id, std::shared_ptr<Session> media,
                         std::shared_ptr<RtspInterleavedTransport> interleaved)
    : rtsp_id_(std::move(rtsp_id)),
      media_(std::move(media)),
      interleaved_(std::move(interleaved)),
      last_request_(Clock::now()) {}

RtspSession::RtspSession(std::string rtsp_id, std::shared_ptr<Session> media,
                         std::shared_ptr<RtspUdpTransport> udp)
    : rtsp_id_(std::move(rtsp_id)),
      media_(std::move(media)),
      udp_(std::move(udp)),
      last_request_(Clock::now()) {}

RtspSession::Clock::time_point RtspSession::last_heard() const {
  return std::max(last_request_, interleaved_ ? interleaved_->last_rtcp() : udp_->last_rtcp());
}

}  // namespace flowcast::server
