#include "client/network_source.hpp"

#include <linux/sock_diag.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "common/handshake.hpp"
#include "common/rtcp.hpp"
#include "common/rtp_packet.hpp"

namespace flowcast::client {

using Clock = std::chrono::steady_clock;
namespace {
constexpr auto kConnectTimeout = std::chrono::seconds(3);
constexpr auto kHelloInterval = std::chrono::milliseconds(250);
constexpr auto kReportInterval = std::chrono::milliseconds(500);
constexpr auto kSampleInterval = std::chrono::milliseconds(50);
constexpr auto kUdpSilence = std::chrono::seconds(5);
// --listen: a BYE may come in on the RTCP socket ahead of the last media
// packets still queued on the RTP socket; they get this long to be read.
constexpr auto kListenByeGrace = std::chrono::milliseconds(100);
constexpr int kDatagramsPerWakeup = 64;
}  // namespace

NetworkSource::NetworkSource(const ClientOptions& options, ReceiveBuffer& buffer,
                             SteadyTime launched)
    : options_(options), buffer_(buffer), launched_(launched), tcp_(io_), udp_(io_), rtcp_(io_),
      deadline_(io_), report_timer_(io_), hello_timer_(io_), sample_timer_(io_),
      pause_timer_(io_) {
  std::random_device rd;
  own_ssrc_ = static_cast<uint32_t>(rd());
  pipe(buffer);
  buffer.on_drain([this] {
    asio::post(io_, [this] {
      buffer_blocked_ = false;
      resume_reading();
    });
  });
}

NetworkSource::~NetworkSource() { stop(); }

std::string NetworkSource::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

SourceCounters NetworkSource::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::string NetworkSource::where() const {
  if (options_.listen) return "UDP port " + std::to_string(options_.listen->port);
  return options_.host + ":" + std::to_string(options_.port);
}

void NetworkSource::start() {
  if (options_.listen)
    asio::post(io_, [this] { start_listen(); });
  else if (options_.transport == Transport::tcp)
    asio::post(io_, [this] { connect_tcp(); });
  else
    asio::post(io_, [this] { start_udp(); });
  schedule_consumer_pause();
  thread_ = std::thread([this] { io_.run(); });
}

void NetworkSource::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    stopped_ = true;
    // A listener never announced itself: it owes no BYE.
    if (status_ == SourceStatus::streaming && !options_.listen) {
      std::vector<uint8_t> bye;
      common::write_bye(common::Goodbye{{own_ssrc_}}, bye);
      // A best-effort, non-blocking goodbye: the server also times out.
      asio::error_code ec;
      if (options_.transport == Transport::tcp) {
        std::vector<uint8_t> framed;
        if (common::frame_rfc4571(bye, framed)) {
          tcp_.non_blocking(true, ec);
          tcp_.write_some(asio::buffer(framed), ec);
        }
      } else {
        udp_.send(asio::buffer(bye), 0, ec);
      }
    }
    asio::error_code ec;
    tcp_.close(ec);
    udp_.close(ec);
    rtcp_.close(ec);
    io_.stop();
  });
  thread_.join();
}

void NetworkSource::request_keyframe() {
  asio::post(io_, [this] {
    // A listener has nowhere to send it (no handshake told it the sender's address).
    if (status_ != SourceStatus::streaming || !media_ssrc_ || options_.listen) return;
    std::vector<uint8_t> pli;
    common::write_pli(common::PictureLossIndication{own_ssrc_, media_ssrc_}, pli);
    send_rtcp(std::move(pli));
    std::lock_guard lock(mutex_);
    ++counters_.plis_sent;
  });
}

void NetworkSource::set_consumer_busy(bool busy) {
  asio::post(io_, [this, busy] {
    consumer_busy_ = busy;
    if (!busy) resume_reading();
  });
}

void NetworkSource::schedule_consumer_pause() {
  if (!options_.consumer_pause) return;
  const auto at = launched_ + options_.consumer_pause->at;
  const auto until = at + options_.consumer_pause->duration;
  pause_timer_.expires_at(at);
  pause_timer_.async_wait([this, until](const asio::error_code& e) {
    if (e) return;
    consumer_busy_ = true;
    pause_timer_.expires_at(until);
    pause_timer_.async_wait([this](const asio::error_code& e2) {
      if (e2) return;
      consumer_busy_ = false;
      resume_reading();
    });
  });
}

void NetworkSource::resume_reading() {
  if (!reading_allowed() || read_pending_ || stopped_ || status_ != SourceStatus::streaming)
    return;
  if (options_.transport == Transport::tcp) {
    do_read_tcp();
  } else {
    // Silence while we were not reading is ours, not the server's.
    last_packet_ = std::max(last_packet_, Clock::now() - std::chrono::seconds(1));
    last_media_ = std::max(last_media_, Clock::now() - std::chrono::seconds(1));
    do_read_udp();
  }
}

void NetworkSource::fail(const std::string& message) {
  if (stopped_) return;
  {
    std::lock_guard lock(mutex_);
    if (error_.empty()) error_ = message;
  }
  status_ = SourceStatus::failed;
  asio::error_code ec;
  tcp_.close(ec);
  udp_.close(ec);
  rtcp_.close(ec);
  deadline_.cancel();
  report_timer_.cancel();
  hello_timer_.cancel();
  sample_timer_.cancel();
  end_downstream();
}

void NetworkSource::finish_stream() {
  if (status_ == SourceStatus::failed || status_ == SourceStatus::ended) return;
  status_ = SourceStatus::ended;
  deadline_.cancel();
  report_timer_.cancel();
  end_downstream();
}

void NetworkSource::connect_tcp() {
  asio::error_code ec;
  asio::ip::tcp::resolver resolver(io_);
  auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
  if (ec || results.empty()) {
    fail("cannot resolve host '" + options_.host + "': " + ec.message());
    return;
  }
  deadline_.expires_after(kConnectTimeout);
  deadline_.async_wait([this](const asio::error_code& e) {
    if (!e && status_ == SourceStatus::connecting)
      fail("no answer from " + where() + " over TCP within 3 s: is flowcast-server running there?");
  });
  tcp_.open(results.begin()->endpoint().protocol(), ec);
  // Before connect, so the window the kernel offers matches it.
  if (!ec && options_.so_rcvbuf)
    tcp_.set_option(asio::socket_base::receive_buffer_size(*options_.so_rcvbuf), ec);
  tcp_.async_connect(*results.begin(), [this](const asio::error_code& e) {
    if (e == asio::error::operation_aborted || status_ != SourceStatus::connecting) return;
    deadline_.cancel();
    if (e) {
      if (e == asio::error::connection_refused)
        fail("connection refused: no flowcast server listens on " + where() +
             " for TCP (start flowcast-server, or check --port and --transport)");
      else
        fail("cannot connect to " + where() + " over TCP: " + e.message());
      return;
    }
    asio::error_code ec;
    asio::socket_base::receive_buffer_size size;
    tcp_.get_option(size, ec);
    {
      std::lock_guard lock(mutex_);
      counters_.rcvbuf_bytes = size.value();
    }
    status_ = SourceStatus::streaming;
    schedule_report();
    schedule_sampling();
    resume_reading();
  });
}

void NetworkSource::do_read_tcp() {
  read_pending_ = true;
  tcp_.async_read_some(asio::buffer(read_buffer_), [this](const asio::error_code& e, size_t n) {
    read_pending_ = false;
    if (e == asio::error::operation_aborted || stopped_) return;
    if (e) {
      if (e == asio::error::eof && bye_seen_)
        finish_stream();
      else if (e == asio::error::eof)
        fail("the server closed the connection without ending the stream");
      else
        fail("the TCP connection was lost: " + e.message());
      return;
    }
    deframer_.feed(std::span<const uint8_t>(read_buffer_.data(), n),
                   [this](std::span<const uint8_t> p) { on_packet(p); });
    send_nacks();
    sample_kernel();
    resume_reading();
  });
}

void NetworkSource::start_udp() {
  asio::error_code ec;
  asio::ip::udp::resolver resolver(io_);
  auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
  if (ec || results.empty()) {
    fail("cannot resolve host '" + options_.host + "': " + ec.message());
    return;
  }
  const auto ep = results.begin()->endpoint();
  udp_.open(ep.protocol(), ec);
  if (!ec && options_.so_rcvbuf)
    udp_.set_option(asio::socket_base::receive_buffer_size(*options_.so_rcvbuf), ec);
  int one = 1;
  if (!ec) setsockopt(udp_.native_handle(), SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
  // Connected: an ICMP port-unreachable comes back as connection_refused.
  if (!ec) udp_.connect(ep, ec);
  if (!ec) udp_.non_blocking(true, ec);
  if (ec) {
    fail("cannot open a UDP socket to " + where() + ": " + ec.message());
    return;
  }
  asio::socket_base::receive_buffer_size size;
  udp_.get_option(size, ec);
  {
    std::lock_guard lock(mutex_);
    counters_.rcvbuf_bytes = size.value();
  }
  deadline_.expires_after(kConnectTimeout);
  deadline_.async_wait([this](const asio::error_code& e) {
    if (!e && status_ == SourceStatus::connecting)
      fail("no answer from " + where() +
           " over UDP within 3 s: is flowcast-server running there with --transport udp or "
           "both?");
  });
  send_hello();
  do_read_udp();
}

void NetworkSource::send_hello() {
  if (status_ != SourceStatus::connecting) return;
  common::HandshakeMessage hello;
  hello.cookie = cookie_;
  asio::error_code ec;
  udp_.send(asio::buffer(common::write_handshake(hello)), 0, ec);
  hello_timer_.expires_after(kHelloInterval);
  hello_timer_.async_wait([this](const asio::error_code& e) {
    if (!e) send_hello();
  });
}

void NetworkSource::open_listen_socket(asio::ip::udp::socket& socket, uint16_t port,
                                       asio::error_code& ec) {
  // Any address: the SDP's c= names this host as the sender sees it.
  const auto protocol = options_.listen->ipv6 ? asio::ip::udp::v6() : asio::ip::udp::v4();
  socket.open(protocol, ec);
  if (!ec && options_.so_rcvbuf)
    socket.set_option(asio::socket_base::receive_buffer_size(*options_.so_rcvbuf), ec);
  if (!ec) socket.bind(asio::ip::udp::endpoint(protocol, port), ec);
}

void NetworkSource::start_listen() {
  const ListenOptions& listen = *options_.listen;
  asio::error_code ec;
  open_listen_socket(udp_, listen.port, ec);
  int one = 1;
  if (!ec) setsockopt(udp_.native_handle(), SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
  if (!ec) udp_.non_blocking(true, ec);
  if (ec) {
    fail("cannot listen on UDP port " + std::to_string(listen.port) + ": " + ec.message() +
         " (is another receiver using it? pick another --listen port)");
    return;
  }
  if (listen.rtcp_port) {
    open_listen_socket(rtcp_, *listen.rtcp_port, ec);
    if (ec) {
      fail("cannot listen for RTCP on UDP port " + std::to_string(*listen.rtcp_port) + ": " +
           ec.message() + " (RTCP uses the port above --listen: pick another --listen port)");
      return;
    }
  }
  asio::socket_base::receive_buffer_size size;
  udp_.get_option(size, ec);
  {
    std::lock_guard lock(mutex_);
    counters_.rcvbuf_bytes = size.value();
  }
  status_ = SourceStatus::streaming;
  last_packet_ = Clock::now();
  schedule_report();
  schedule_sampling();
  do_read_udp();
  if (rtcp_.is_open()) do_read_rtcp();
}

void NetworkSource::do_read_rtcp() {
  rtcp_.async_receive(asio::buffer(rtcp_buffer_), [this](const asio::error_code& e, size_t n) {
    if (e || stopped_ || status_ != SourceStatus::streaming) return;
    const std::span<const uint8_t> packet(rtcp_buffer_.data(), n);
    if (common::is_rtcp(packet)) {
      on_packet(packet);
    } else {
      std::lock_guard lock(mutex_);
      ++counters_.malformed;
    }
    do_read_rtcp();
  });
}

void NetworkSource::do_read_udp() {
  read_pending_ = true;
  udp_.async_wait(asio::ip::udp::socket::wait_read, [this](const asio::error_code& e) {
    read_pending_ = false;
    if (e == asio::error::operation_aborted || stopped_) return;
    if (e) {
      fail("UDP receive failed: " + e.message());
      return;
    }
    read_udp_datagrams();
    send_nacks();
    if (status_ == SourceStatus::connecting ||
        (status_ == SourceStatus::streaming && reading_allowed()))
      do_read_udp();
  });
}

// recvmmsg rather than asio's receive: one system call takes every datagram
// queued (up to a batch), and the SO_RXQ_OVFL control message carries the
// kernel's count of datagrams it dropped on this socket.
void NetworkSource::read_udp_datagrams() {
  const int fd = udp_.native_handle();
  int budget = kDatagramsPerWakeup;
  while (budget > 0) {
    if (status_ == SourceStatus::streaming && !reading_allowed()) return;
    const unsigned want = std::min<unsigned>(kUdpBatch, static_cast<unsigned>(budget));
    for (unsigned i = 0; i < want; ++i) {
      udp_iovecs_[i] = iovec{udp_slots_.get() + i * kUdpSlotBytes, kUdpSlotBytes};
      msghdr& h = udp_messages_[i].msg_hdr;
      h = msghdr{};
      h.msg_iov = &udp_iovecs_[i];
      h.msg_iovlen = 1;
      h.msg_control = udp_control_[i].data();
      h.msg_controllen = udp_control_[i].size();
    }
    const int got = recvmmsg(fd, udp_messages_.data(), want, MSG_DONTWAIT, nullptr);
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      if (errno == ECONNREFUSED) {
        if (status_ == SourceStatus::connecting) {
          fail("no flowcast server listens on " + where() +
               " for UDP (start flowcast-server, or check --port and --transport)");
          return;
        }
        --budget;
        continue;  // a stray ICMP error after set-up: silence ends us
      }
      fail(std::string("UDP receive failed: ") + std::strerror(errno));
      return;
    }
    budget -= got;
    for (int i = 0; i < got; ++i) {
      if (!on_datagram(udp_messages_[static_cast<size_t>(i)], udp_iovecs_[static_cast<size_t>(i)]))
        return;
    }
    if (static_cast<unsigned>(got) < want) return;  // the queue is empty
  }
}

bool NetworkSource::on_datagram(mmsghdr& message, const iovec& slot) {
  msghdr& msg = message.msg_hdr;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
      uint32_t drops = 0;
      std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
      std::lock_guard lock(mutex_);
      counters_.dropped_kernel = drops;
    }
  }
  std::span<const uint8_t> data(static_cast<const uint8_t*>(slot.iov_base), message.msg_len);
  if (!options_.listen && common::is_handshake(data)) {
    auto m = common::parse_handshake(data);
    if (!m || status_ != SourceStatus::connecting) return true;
    if (m->type == common::HandshakeType::cookie) {
      cookie_ = m->cookie;
      hello_timer_.cancel();
      send_hello();
    } else if (m->type == common::HandshakeType::accept) {
      hello_timer_.cancel();
      deadline_.cancel();
      status_ = SourceStatus::streaming;
      last_packet_ = Clock::now();
      schedule_report();
      schedule_sampling();
    } else if (m->type == common::HandshakeType::full) {
      fail("the server at " + where() + " is full (its --max-clients): try again later");
      return false;
    }
  } else if (status_ == SourceStatus::streaming) {
    last_packet_ = Clock::now();
    on_packet(data);
  }
  return true;
}

void NetworkSource::schedule_sampling() {
  sample_timer_.expires_after(kSampleInterval);
  sample_timer_.async_wait([this](const asio::error_code& e) {
    if (e || status_ != SourceStatus::streaming) return;
    sample_kernel();
    schedule_sampling();
  });
}

void NetworkSource::sample_kernel() {
  uint64_t queued = 0;
  const int fd = options_.transport == Transport::tcp ? tcp_.native_handle() : udp_.native_handle();
  // SO_MEMINFO: the receive buffer's current size (TCP autotuning grows it)
  // and, for UDP, the whole queue (FIONREAD would be one datagram).
  uint32_t mem[SK_MEMINFO_VARS] = {};
  socklen_t len = sizeof mem;
  const bool meminfo = getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0;
  if (options_.transport == Transport::tcp) {
    int q = 0;
    if (ioctl(fd, FIONREAD, &q) == 0 && q > 0) queued = static_cast<uint64_t>(q);
  } else if (meminfo) {
    queued = mem[SK_MEMINFO_RMEM_ALLOC];
  }
  std::lock_guard lock(mutex_);
  if (meminfo) counters_.rcvbuf_bytes = std::max<int>(counters_.rcvbuf_bytes, static_cast<int>(mem[SK_MEMINFO_RCVBUF]));
  counters_.kernel_queued = queued;
  counters_.peak_kernel_queued = std::max(counters_.peak_kernel_queued, queued);
  counters_.reading_paused = !reading_allowed();
}

void NetworkSource::on_packet(std::span<const uint8_t> packet) {
  if (common::is_rtcp(packet)) {
    auto rtcp = common::parse_rtcp(packet);
    if (!rtcp) {
      std::lock_guard lock(mutex_);
      ++counters_.malformed;
      return;
    }
    {
      std::lock_guard lock(mutex_);
      ++counters_.rtcp_received;
    }
    if (options_.listen) {
      // Only the sender we play can end the stream.
      for (const auto& bye : rtcp->byes)
        if (locked_ssrc_ && !bye_seen_ &&
            std::find(bye.ssrcs.begin(), bye.ssrcs.end(), *locked_ssrc_) != bye.ssrcs.end()) {
          bye_seen_ = true;
          deadline_.expires_after(kListenByeGrace);
          deadline_.async_wait([this](const asio::error_code& e) {
            if (!e) finish_stream();
          });
        }
      return;
    }
    if (!rtcp->byes.empty()) {
      bye_seen_ = true;
      if (options_.transport == Transport::udp) finish_stream();
    }
    return;
  }
  auto rtp = common::parse_rtp(packet);
  if (!rtp) {
    std::lock_guard lock(mutex_);
    ++counters_.malformed;
    return;
  }
  const uint8_t payload_type =
      options_.listen ? options_.listen->payload_type : common::kPayloadTypeH264;
  if (rtp->header.payload_type != payload_type) {
    std::lock_guard lock(mutex_);
    ++counters_.foreign_payload_type;
    return;
  }
  if (options_.listen) {
    if (!locked_ssrc_) locked_ssrc_ = rtp->header.ssrc;
    if (rtp->header.ssrc != *locked_ssrc_) {
      std::lock_guard lock(mutex_);
      ++counters_.foreign_ssrc;
      return;
    }
    last_media_ = Clock::now();
  }
  media_ssrc_ = rtp->header.ssrc;
  ReceivedPacket p;
  p.sequence = rtp->header.sequence;
  p.timestamp = rtp->header.timestamp;
  p.marker = rtp->header.marker;
  p.payload.assign(rtp->payload.begin(), rtp->payload.end());
  p.send_time_us = rtp->header.send_time_us;
  p.arrival = Clock::now();
  p.wire_bytes = packet.size();
  // false: the buffer is full (block). Finish this read, then stop reading
  // until it drains: the kernel holds the rest.
  buffer_blocked_ = !push(std::move(p));
}

void NetworkSource::send_nacks() {
  if (!options_.nack || !media_ssrc_ || status_ != SourceStatus::streaming) return;
  auto gaps = buffer_.take_new_gaps();
  if (gaps.empty()) return;
  std::vector<uint8_t> packet;
  common::write_nack(common::GenericNack{own_ssrc_, media_ssrc_, std::move(gaps)}, packet);
  send_rtcp(std::move(packet));
  std::lock_guard lock(mutex_);
  ++counters_.nacks_sent;
}

void NetworkSource::schedule_report() {
  report_timer_.expires_after(kReportInterval);
  report_timer_.async_wait([this](const asio::error_code& e) {
    if (e || status_ != SourceStatus::streaming) return;
    if (options_.listen) {
      // A listener sends no reports: it has no sender address from a
      // handshake. Silence after media began is the end of the stream.
      if (locked_ssrc_ && reading_allowed() && Clock::now() - last_media_ > kUdpSilence)
        finish_stream();
      else
        schedule_report();
      return;
    }
    if (options_.transport == Transport::udp && reading_allowed() &&
        Clock::now() - last_packet_ > kUdpSilence) {
      if (bye_seen_)
        finish_stream();
      else
        fail("the server is gone: no packet for 5 s over UDP");
      return;
    }
    common::ReceiverReport rr;
    rr.sender_ssrc = own_ssrc_;
    if (media_ssrc_) {
      common::ReportBlock b;
      b.ssrc = media_ssrc_;
      std::lock_guard lock(buffer_.mutex());
      const int64_t received = static_cast<int64_t>(buffer_.counters().received);
      const int64_t lost = buffer_.cumulative_lost();
      const int64_t expected = lost + received;
      const int64_t d_expected = expected - last_expected_;
      const int64_t d_lost = d_expected - (received - last_received_);
      last_expected_ = expected;
      last_received_ = received;
      b.fraction_lost =
          d_expected > 0 && d_lost > 0 ? static_cast<uint8_t>((d_lost << 8) / d_expected) : 0;
      b.cumulative_lost = static_cast<int32_t>(std::clamp<int64_t>(lost, -0x800000, 0x7fffff));
      b.highest_sequence = static_cast<uint32_t>(buffer_.extended_highest_sequence());
      b.jitter = buffer_.jitter();
      rr.blocks.push_back(b);
    }
    std::vector<uint8_t> packet;
    common::write_receiver_report(rr, packet);
    send_rtcp(std::move(packet));
    schedule_report();
  });
}

void NetworkSource::send_rtcp(std::vector<uint8_t> packet) {
  asio::error_code ec;
  if (options_.transport == Transport::tcp) {
    auto framed = std::make_shared<std::vector<uint8_t>>();
    if (!common::frame_rfc4571(packet, *framed)) return;
    asio::async_write(tcp_, asio::buffer(*framed), [framed](const asio::error_code&, size_t) {});
  } else {
    udp_.send(asio::buffer(packet), 0, ec);
  }
}

}  // namespace flowcast::client
