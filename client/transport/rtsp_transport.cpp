#include "client/transport/rtsp_transport.hpp"

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
constexpr int kPortAttempts = 32;
}  // namespace

RtspTransport::RtspTransport(asio::io_context& io, RtspOptions options,
                             std::optional<int> so_rcvbuf, RtspStreamMaker make_stream)
    : io_(io),
      options_(std::move(options)),
      so_rcvbuf_(so_rcvbuf),
      make_stream_(std::move(make_stream)),
      rtp_(io),
      rtcp_(io),
      keepalive_timer_(io),
      udp_wait_(io),
      tcp_(options_.lower == Transport::tcp) {}

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

bool RtspTransport::open_udp_ports(std::string& error) {
  const auto protocol = server_address_.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4();
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    asio::error_code ec;
    close_udp();
    rtp_.open(protocol, ec);
    if (!ec && so_rcvbuf_) rtp_.set_option(asio::socket_base::receive_buffer_size(*so_rcvbuf_), ec);
    if (!ec) rtp_.bind(asio::ip::udp::endpoint(protocol, 0), ec);
    if (ec) {
      error = ec.message();
      continue;
    }
    // RFC 3550 §11: RTP on an even port, RTCP on the next.
    const uint16_t port = rtp_.local_endpoint(ec).port();
    if (ec || port % 2 != 0 || port == 65534) continue;
    rtcp_.open(protocol, ec);
    if (!ec) rtcp_.bind(asio::ip::udp::endpoint(protocol, static_cast<uint16_t>(port + 1)), ec);
    if (ec) {
      error = ec.message();
      continue;
    }
    DatagramReader::count_drops(rtp_.native_handle());
    rtp_.non_blocking(true, ec);
    rtcp_.non_blocking(true, ec);
    return true;
  }
  if (error.empty()) error = "no even port pair was free";
  close_udp();
  return false;
}

void RtspTransport::close_udp() {
  asio::error_code ec;
  rtp_.close(ec);
  rtcp_.close(ec);
  udp_read_pending_ = false;
}

void RtspTransport::setup(bool tcp) {
  tcp_ = tcp;
  common::RtspTransportSpec spec;
  spec.tcp = tcp;
  if (tcp) {
    spec.interleaved = std::pair<uint8_t, uint8_t>{0, 1};
  } else {
    std::string error;
    if (!open_udp_ports(error)) {
      if (options_.lower == Transport::automatic) {
        fall_back_to_tcp();  // no UDP ports
        return;
      }
      fail("cannot open UDP ports for RTP and RTCP: " + error);
      return;
    }
    asio::error_code ec;
    const uint16_t port = rtp_.local_endpoint(ec).port();
    spec.client_port = std::pair<uint16_t, uint16_t>{port, static_cast<uint16_t>(port + 1)};
  }
  connection_->request(
      "SETUP", options_.control_url, {{"Transport", common::write_transport(spec)}},
      [this, tcp](const common::RtspMessage* response) {
        if (!response || closed_) return;
        if (response->status != 200) {
          const std::string status = std::to_string(response->status) + " " + response->reason;
          if (!tcp && options_.lower == Transport::automatic) {
            fall_back_to_tcp();  // the server refused UDP
            return;
          }
          if (response->status == 401) {
            fail("the RTSP server refused the credentials at SETUP (" + status + ")");
            return;
          }
          fail(std::string("the RTSP server refused SETUP with RTP over ") + (tcp ? "TCP" : "UDP") +
               " (" + status + ")" +
               (response->status == 461 ? std::string(": try --transport ") + (tcp ? "udp" : "tcp")
                                        : std::string()));
          return;
        }
        const auto session = response->header("Session");
        const auto parsed_session = session ? common::parse_session(*session) : std::nullopt;
        if (!parsed_session) {
          fail("the RTSP server's SETUP answer has no Session header");
          return;
        }
        connection_->set_session(parsed_session->id);
        if (parsed_session->timeout_s && *parsed_session->timeout_s > 0)
          session_timeout_ = std::chrono::seconds(*parsed_session->timeout_s);
        const auto transport = response->header("Transport");
        const auto spec = transport ? common::parse_transport(*transport) : std::nullopt;
        if (tcp) {
          if (spec && spec->interleaved) {
            rtp_channel_ = spec->interleaved->first;
            rtcp_channel_ = spec->interleaved->second;
          }
        } else {
          if (!spec || !spec->server_port) {
            fail("the RTSP server's SETUP answer names no server_port for UDP");
            return;
          }
          asio::ip::address address = server_address_;
          if (spec->source) {
            asio::error_code ec;
            const auto source = asio::ip::make_address(*spec->source, ec);
            if (!ec) address = source;
          }
          server_rtcp_ = asio::ip::udp::endpoint(address, spec->server_port->second);
        }
        play();
      });
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
                               tcp_ ? connection_->native_handle() : rtp_.native_handle();
                           if (fd >= 0) ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &length);
                           events_->on_connected(size);
                         }
                         schedule_keepalive();
                         if (!tcp_) {
                           do_read_udp();
                           do_read_rtcp();
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
  if (playing_) {
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
  if (frame.channel != rtp_channel_ && frame.channel != rtcp_channel_) return;
  if (frame.channel == rtp_channel_) media_seen_ = true;
  if (!deliver(frame.data)) connection_->set_reading(false);
}

void RtspTransport::do_read_udp() {
  if (udp_read_pending_ || closed_ || !reading() || tcp_ || !rtp_.is_open()) return;
  udp_read_pending_ = true;
  rtp_.async_wait(asio::ip::udp::socket::wait_read, [this](const asio::error_code& e) {
    udp_read_pending_ = false;
    if (e == asio::error::operation_aborted || closed_ || tcp_) return;
    if (e) {
      fail("UDP receive failed: " + e.message());
      return;
    }
    const int err = reader_.read(
        rtp_.native_handle(), [this] { return !closed_ && reading() && !tcp_; },
        [this](std::span<const uint8_t> d) {
          media_seen_ = true;
          deliver(d);
          return !closed_;
        },
        [this](uint32_t drops) { events_->on_kernel_drops(drops); });
    if (closed_ || tcp_) return;
    if (err) {
      fail(std::string("UDP receive failed: ") + std::strerror(err));
      return;
    }
    events_->on_read_done();
    do_read_udp();
  });
}

void RtspTransport::do_read_rtcp() {
  if (!rtcp_.is_open()) return;
  rtcp_.async_receive(asio::buffer(rtcp_buffer_), [this](const asio::error_code& e, size_t n) {
    if (e || closed_ || tcp_) return;
    const std::span<const uint8_t> packet(rtcp_buffer_.data(), n);
    // RTCP is read whatever the receiver said: it is small, and it carries
    // the BYE.
    if (common::is_rtcp(packet))
      deliver(packet);
    else
      events_->on_stray();
    if (!closed_) do_read_rtcp();
  });
}

bool RtspTransport::write(RtcpPacket packet) {
  if (closed_ || !playing_) return false;
  if (tcp_) return connection_->send_frame(rtcp_channel_, packet);
  if (!server_rtcp_ || !rtcp_.is_open()) return false;
  asio::error_code ec;
  rtcp_.send_to(asio::buffer(packet.data(), packet.size()), *server_rtcp_, 0, ec);
  return !ec;
}

void RtspTransport::resume_reading() {
  if (!connection_) return;
  if (tcp_)
    connection_->set_reading(true);
  else
    do_read_udp();
}

KernelQueue RtspTransport::sample_kernel() {
  if (closed_ || !connection_) return {};
  if (tcp_)
    return connection_->is_open() ? probe_receive_queue(connection_->native_handle(), true)
                                  : KernelQueue{};
  return rtp_.is_open() ? probe_receive_queue(rtp_.native_handle(), false) : KernelQueue{};
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
