#include "client/transport/rtsp_transport.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "client/transport/receive_queue_probe.hpp"
#include "common/rtp/rtp_packet.hpp"

namespace flowcast::client {

namespace {
// Interleaved (the RTSP connection's window holds the server back) and UDP.
// A BYE ends the stream 100 ms later (RTP still queued is read); 5 s
// without a packet, the server is gone.
const TransportTraits kTcpTraits{Transport::tcp,          true,  std::chrono::milliseconds(100),
                                 std::chrono::seconds(5), false, true};
const TransportTraits kUdpTraits{Transport::udp,          true,  std::chrono::milliseconds(100),
                                 std::chrono::seconds(5), false, false};
constexpr auto kConnectTimeout = std::chrono::seconds(3);
}  // namespace

RtspTransport::RtspTransport(asio::io_context& io, RtspOptions options,
                             std::optional<int> so_rcvbuf, RtspStreamMaker make_stream)
    : io_(io),
      options_(std::move(options)),
      so_rcvbuf_(so_rcvbuf),
      make_stream_(std::move(make_stream)),
      video_(io, options_.control_url),
      keepalive_timer_(io),
      udp_wait_(io),
      tcp_(options_.lower == Transport::tcp) {
  if (options_.audio) audio_.emplace(io, options_.audio->control_url);
}

const TransportTraits& RtspTransport::traits() const {
  return tcp_ ? kTcpTraits : kUdpTraits;
}

std::string RtspTransport::where() const {
  return options_.url.without_credentials() +
         (tcp_ ? " (RTP interleaved on RTSP)" : " (RTP over UDP)");
}

void RtspTransport::fail(const std::string& message) {
  if (closed_) return;
  close();
  events_->on_failed(message);
}

void RtspTransport::start(TransportEvents& events) {
  events_ = &events;
  connection_ = std::make_unique<RtspConnection>(make_stream_(io_), options_.url, options_.user,
                                                 options_.password);
  connection_->on_frame([this](const common::InterleavedFrame& f) { on_frame(f); });
  connection_->on_read_done([this] {
    if (tcp_ && playing_) events_->on_read_done();
  });
  connection_->on_closed([this](const std::string& error) {
    if (closed_) return;
    if (!error.empty()) {
      fail(error);
      return;
    }
    close();
    end_downstream();
  });
  connection_->connect(kConnectTimeout, [this](const std::string& error) {
    if (!error.empty()) {
      fail(error);
      return;
    }
    if (so_rcvbuf_) {
      // After connect (the connection opens its own socket); the kernel
      // applies it to the window it offers from now on.
      const int size = *so_rcvbuf_;
      if (connection_->native_handle() >= 0)
        ::setsockopt(connection_->native_handle(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    server_address_ = connection_->remote_address();
    setup(options_.lower == Transport::tcp);
  });
}

void RtspTransport::close_udp() {
  video_.udp.close();
  if (audio_) audio_->udp.close();
}

void RtspTransport::setup(bool tcp) {
  tcp_ = tcp;
  video_.set_up = false;
  if (audio_) audio_->set_up = false;
  setup_track(video_, tcp);
}

void RtspTransport::setup_track(Track& track, bool tcp) {
  common::RtspTransportSpec spec;
  spec.tcp = tcp;
  if (tcp) {
    // The video on 0-1; the audio on the two channels after the video's.
    const uint8_t first = &track == &video_
                              ? 0
                              : static_cast<uint8_t>(std::min<int>(
                                    std::max(video_.rtp_channel, video_.rtcp_channel) + 1, 254));
    track.rtp_channel = first;
    track.rtcp_channel = static_cast<uint8_t>(first + 1);
    spec.interleaved = std::pair<uint8_t, uint8_t>{track.rtp_channel, track.rtcp_channel};
  } else {
    const auto protocol = server_address_.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4();
    std::string error;
    if (!track.udp.open_even_pair(protocol, so_rcvbuf_, error)) {
      setup_failed(track, tcp, "cannot open UDP ports for RTP and RTCP: " + error, true);
      return;
    }
    asio::error_code ec;
    const uint16_t port = track.udp.rtp.local_endpoint(ec).port();
    spec.client_port = std::pair<uint16_t, uint16_t>{port, static_cast<uint16_t>(port + 1)};
  }
  connection_->request(
      "SETUP", track.control_url, {{"Transport", common::write_transport(spec)}},
      [this, &track, tcp](const common::RtspMessage* response) {
        if (!response || closed_) return;
        if (response->status != 200) {
          const std::string status = std::to_string(response->status) + " " + response->reason;
          if (response->status == 401) {
            setup_failed(track, tcp,
                         "the RTSP server refused the credentials at SETUP (" + status + ")", true);
            return;
          }
          setup_failed(track, tcp,
                       std::string("the RTSP server refused SETUP") +
                           (&track == &video_ ? "" : " of the audio") + " with RTP over " +
                           (tcp ? "TCP" : "UDP") + " (" + status + ")" +
                           (response->status == 461
                                ? std::string(": try --transport ") + (tcp ? "udp" : "tcp")
                                : std::string()),
                       true);
          return;
        }
        const auto session = response->header("Session");
        const auto parsed_session = session ? common::parse_session(*session) : std::nullopt;
        if (&track == &video_) {
          if (!parsed_session) {
            fail("the RTSP server's SETUP answer has no Session header");
            return;
          }
          // The audio's SETUP carries it: one session for both tracks.
          connection_->set_session(parsed_session->id);
          if (parsed_session->timeout_s && *parsed_session->timeout_s > 0)
            session_timeout_ = std::chrono::seconds(*parsed_session->timeout_s);
        }
        const auto transport = response->header("Transport");
        const auto spec = transport ? common::parse_transport(*transport) : std::nullopt;
        if (tcp) {
          if (spec && spec->interleaved) {
            track.rtp_channel = spec->interleaved->first;
            track.rtcp_channel = spec->interleaved->second;
          }
        } else {
          if (!spec || !spec->server_port) {
            setup_failed(track, tcp, "the RTSP server's SETUP answer names no server_port for UDP",
                         false);
            return;
          }
          asio::ip::address address = server_address_;
          if (spec->source) {
            asio::error_code ec;
            const auto source = asio::ip::make_address(*spec->source, ec);
            if (!ec) address = source;
          }
          track.server_rtcp = asio::ip::udp::endpoint(address, spec->server_port->second);
        }
        track.set_up = true;
        setup_next(track);
      });
}

void RtspTransport::setup_failed(Track& track, bool tcp, const std::string& why, bool fall_back) {
  if (fall_back && !tcp && options_.lower == Transport::automatic) {
    fall_back_to_tcp();  // no UDP ports, or the server refused UDP
    return;
  }
  if (&track == &video_) {
    fail(why);
    return;
  }
  // The user asked for the stream, not for its sound.
  std::fprintf(stderr, "flowcast-client: %s; playing the video without its audio\n", why.c_str());
  track.udp.close();
  setup_next(track);
}

void RtspTransport::setup_next(const Track& track) {
  if (&track == &video_ && audio_)
    setup_track(*audio_, tcp_);
  else
    play();
}

void RtspTransport::play() {
  connection_->request("PLAY", options_.url.without_credentials(), {{"Range", "npt=0.000-"}},
                       [this](const common::RtspMessage* response) {
                         if (!response || closed_) return;
                         if (response->status != 200) {
                           fail("the RTSP server refused PLAY (" +
                                std::to_string(response->status) + " " + response->reason + ")");
                           return;
                         }
                         playing_ = true;
                         if (!connected_reported_) {
                           connected_reported_ = true;
                           int size = 0;
                           socklen_t length = sizeof size;
                           const int fd =
                               tcp_ ? connection_->native_handle() : video_.udp.rtp.native_handle();
                           if (fd >= 0) ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &length);
                           events_->on_connected(size);
                         }
                         schedule_keepalive();
                         if (!tcp_) {
                           for (Track* track : {&video_, audio_ ? &*audio_ : nullptr}) {
                             if (!track || !track->set_up) continue;
                             do_read_udp(*track);
                             do_read_rtcp(*track);
                           }
                           if (options_.lower == Transport::automatic) {
                             udp_wait_.expires_after(RtspOptions::kAutoUdpWait);
                             udp_wait_.async_wait([this](const asio::error_code& e) {
                               if (e || closed_ || media_seen_) return;
                               fall_back_to_tcp();  // no RTP within kAutoUdpWait
                             });
                           }
                         }
                       });
}

// The transport then in use is in the metrics and the summary.
void RtspTransport::fall_back_to_tcp() {
  udp_wait_.cancel();
  if (playing_ || video_.set_up) {
    connection_->request("TEARDOWN", options_.url.without_credentials(), {}, nullptr);
    playing_ = false;
  }
  connection_->set_session("");
  close_udp();
  setup(true);
}

void RtspTransport::schedule_keepalive() {
  // RFC 2326 §12.37: a request within the session's timeout keeps it.
  keepalive_timer_.expires_after(session_timeout_ / 2);
  keepalive_timer_.async_wait([this](const asio::error_code& e) {
    if (e || closed_ || !playing_) return;
    connection_->request("GET_PARAMETER", options_.url.without_credentials(), {}, nullptr);
    schedule_keepalive();
  });
}

void RtspTransport::on_frame(const common::InterleavedFrame& frame) {
  if (!tcp_ || !playing_) return;
  bool media = false;
  bool ours = false;
  for (const Track* track : {&video_, audio_ ? &*audio_ : nullptr}) {
    if (!track || !track->set_up) continue;
    media = media || frame.channel == track->rtp_channel;
    ours = ours || media || frame.channel == track->rtcp_channel;
  }
  if (!ours) return;
  if (media) media_seen_ = true;
  if (!deliver(frame.data)) connection_->set_reading(false);
}

void RtspTransport::do_read_udp(Track& track) {
  UdpStreamSockets& udp = track.udp;
  if (udp.rtp_read_pending || closed_ || !reading() || tcp_ || !udp.rtp.is_open()) return;
  udp.rtp_read_pending = true;
  udp.rtp.async_wait(asio::ip::udp::socket::wait_read, [this, &track](const asio::error_code& e) {
    UdpStreamSockets& udp = track.udp;
    udp.rtp_read_pending = false;
    if (e == asio::error::operation_aborted || closed_ || tcp_) return;
    if (e) {
      fail("UDP receive failed: " + e.message());
      return;
    }
    const int err = reader_.read(
        udp.rtp.native_handle(), [this] { return !closed_ && reading() && !tcp_; },
        [this](std::span<const uint8_t> d) {
          media_seen_ = true;
          deliver(d);
          return !closed_;
        },
        [this, &udp](uint32_t drops) {
          // The receiver keeps one running count: both tracks' together.
          udp.kernel_drops = drops;
          events_->on_kernel_drops(video_.udp.kernel_drops +
                                   (audio_ ? audio_->udp.kernel_drops : 0));
        });
    if (closed_ || tcp_) return;
    if (err) {
      fail(std::string("UDP receive failed: ") + std::strerror(err));
      return;
    }
    events_->on_read_done();
    do_read_udp(track);
  });
}

void RtspTransport::do_read_rtcp(Track& track) {
  UdpStreamSockets& udp = track.udp;
  if (!udp.rtcp.is_open()) return;
  udp.rtcp.async_receive(asio::buffer(udp.rtcp_buffer),
                         [this, &track](const asio::error_code& e, size_t n) {
                           if (e || closed_ || tcp_) return;
                           const std::span<const uint8_t> packet(track.udp.rtcp_buffer.data(), n);
                           // RTCP is read whatever the receiver said: it is small, and it
                           // carries the BYE.
                           if (common::is_rtcp(packet))
                             deliver(packet);
                           else
                             events_->on_stray();
                           if (!closed_) do_read_rtcp(track);
                         });
}

// The receiver's RTCP goes on the video's channel or port.
bool RtspTransport::write(RtcpPacket packet) {
  if (closed_ || !playing_) return false;
  if (tcp_) return connection_->send_frame(video_.rtcp_channel, packet);
  if (!video_.server_rtcp || !video_.udp.rtcp.is_open()) return false;
  asio::error_code ec;
  video_.udp.rtcp.send_to(asio::buffer(packet.data(), packet.size()), *video_.server_rtcp, 0, ec);
  return !ec;
}

void RtspTransport::resume_reading() {
  if (!connection_) return;
  if (tcp_) {
    connection_->set_reading(true);
    return;
  }
  for (Track* track : {&video_, audio_ ? &*audio_ : nullptr})
    if (track && track->set_up) do_read_udp(*track);
}

KernelQueue RtspTransport::sample_kernel() {
  if (closed_ || !connection_) return {};
  if (tcp_)
    return connection_->is_open() ? probe_receive_queue(connection_->native_handle(), true)
                                  : KernelQueue{};
  return video_.udp.rtp.is_open() ? probe_receive_queue(video_.udp.rtp.native_handle(), false)
                                  : KernelQueue{};
}

void RtspTransport::close() {
  if (closed_) return;
  closed_ = true;
  keepalive_timer_.cancel();
  udp_wait_.cancel();
  if (connection_) {
    // A best-effort goodbye; the server also times the session out.
    if (playing_ && connection_->is_open())
      connection_->request("TEARDOWN", options_.url.without_credentials(), {}, nullptr);
    connection_->close();
  }
  close_udp();
}

}  // namespace flowcast::client
