#include "client/network_source.hpp"

#include <sys/ioctl.h>
#include <sys/socket.h>

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
constexpr auto kUdpSilence = std::chrono::seconds(5);
}  // namespace

NetworkSource::NetworkSource(const ClientOptions& options, ReceiveBuffer& buffer)
    : options_(options), buffer_(buffer), tcp_(io_), udp_(io_), deadline_(io_),
      report_timer_(io_), hello_timer_(io_) {
  std::random_device rd;
  own_ssrc_ = static_cast<uint32_t>(rd());
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

void NetworkSource::start() {
  if (options_.transport == Transport::tcp)
    asio::post(io_, [this] { connect_tcp(); });
  else
    asio::post(io_, [this] { start_udp(); });
  thread_ = std::thread([this] { io_.run(); });
}

void NetworkSource::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    stopped_ = true;
    if (status_ == SourceStatus::streaming) {
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
    io_.stop();
  });
  thread_.join();
}

void NetworkSource::notify_drained() {
  asio::post(io_, [this] {
    if (!reading_paused_ || should_pause()) return;
    reading_paused_ = false;
    if (options_.transport == Transport::tcp)
      do_read_tcp();
    else
      do_read_udp();
  });
}

bool NetworkSource::should_pause() const {
  if (options_.overflow != OverflowPolicy::block) return false;
  std::lock_guard lock(buffer_.mutex());
  return buffer_.full();
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
  deadline_.cancel();
  report_timer_.cancel();
  hello_timer_.cancel();
  std::lock_guard lock(buffer_.mutex());
  buffer_.set_end_of_stream();
}

void NetworkSource::finish_stream() {
  if (status_ == SourceStatus::failed) return;
  status_ = SourceStatus::ended;
  deadline_.cancel();
  report_timer_.cancel();
  std::lock_guard lock(buffer_.mutex());
  buffer_.set_end_of_stream();
}

void NetworkSource::connect_tcp() {
  asio::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  asio::ip::tcp::endpoint ep;
  if (ec) {
    asio::ip::tcp::resolver resolver(io_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || results.empty()) {
      fail("cannot resolve host '" + options_.host + "': " + ec.message());
      return;
    }
    ep = *results.begin();
  } else {
    ep = asio::ip::tcp::endpoint(address, options_.port);
  }
  deadline_.expires_after(kConnectTimeout);
  deadline_.async_wait([this](const asio::error_code& e) {
    if (!e && status_ == SourceStatus::connecting)
      fail("no answer from " + options_.host + ":" + std::to_string(options_.port) +
           " over TCP within 3 s: is flowcast-server running there?");
  });
  tcp_.async_connect(ep, [this](const asio::error_code& e) {
    if (e == asio::error::operation_aborted || status_ != SourceStatus::connecting) return;
    deadline_.cancel();
    if (e) {
      if (e == asio::error::connection_refused)
        fail("connection refused: no flowcast server listens on " + options_.host + ":" +
             std::to_string(options_.port) +
             " for TCP (start flowcast-server, or check --port and --transport)");
      else
        fail("cannot connect to " + options_.host + ":" + std::to_string(options_.port) +
             " over TCP: " + e.message());
      return;
    }
    asio::error_code ec;
    if (options_.so_rcvbuf)
      tcp_.set_option(asio::socket_base::receive_buffer_size(*options_.so_rcvbuf), ec);
    asio::socket_base::receive_buffer_size size;
    tcp_.get_option(size, ec);
    {
      std::lock_guard lock(mutex_);
      counters_.rcvbuf_bytes = size.value();
    }
    status_ = SourceStatus::streaming;
    schedule_report();
    do_read_tcp();
  });
}

void NetworkSource::do_read_tcp() {
  if (should_pause()) {
    // Flow control: leave the bytes in the kernel. Its buffer fills, the
    // window closes, and the server is held back.
    reading_paused_ = true;
    return;
  }
  tcp_.async_read_some(asio::buffer(read_buffer_), [this](const asio::error_code& e, size_t n) {
    if (e == asio::error::operation_aborted || stopped_) return;
    if (e) {
      if (e == asio::error::eof && bye_seen_) {
        finish_stream();
      } else if (e == asio::error::eof) {
        fail("the server closed the connection without ending the stream");
      } else {
        fail("the TCP connection was lost: " + e.message());
      }
      return;
    }
    sample_kernel();
    deframer_.feed(std::span<const uint8_t>(read_buffer_.data(), n),
                   [this](std::span<const uint8_t> p) { on_packet(p); });
    do_read_tcp();
  });
}

void NetworkSource::start_udp() {
  asio::error_code ec;
  asio::ip::udp::endpoint ep;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) {
    asio::ip::udp::resolver resolver(io_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || results.empty()) {
      fail("cannot resolve host '" + options_.host + "': " + ec.message());
      return;
    }
    ep = *results.begin();
  } else {
    ep = asio::ip::udp::endpoint(address, options_.port);
  }
  udp_.open(ep.protocol(), ec);
  if (!ec && options_.so_rcvbuf)
    udp_.set_option(asio::socket_base::receive_buffer_size(*options_.so_rcvbuf), ec);
  int one = 1;
  setsockopt(udp_.native_handle(), SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
  // Connected: ICMP port-unreachable comes back as connection_refused.
  if (!ec) udp_.connect(ep, ec);
  if (ec) {
    fail("cannot open a UDP socket to " + options_.host + ": " + ec.message());
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
      fail("no answer from " + options_.host + ":" + std::to_string(options_.port) +
           " over UDP within 3 s: is flowcast-server running there with --transport udp or "
           "both?");
  });
  send_hello();
  do_read_udp();
}

void NetworkSource::send_hello() {
  if (handshake_done_ || status_ != SourceStatus::connecting) return;
  common::HandshakeMessage hello;
  hello.cookie = cookie_;
  asio::error_code ec;
  udp_.send(asio::buffer(common::write_handshake(hello)), 0, ec);
  hello_timer_.expires_after(kHelloInterval);
  hello_timer_.async_wait([this](const asio::error_code& e) {
    if (!e) send_hello();
  });
}

void NetworkSource::do_read_udp() {
  if (should_pause()) {
    reading_paused_ = true;
    return;
  }
  udp_.async_receive(asio::buffer(read_buffer_), [this](const asio::error_code& e, size_t n) {
    if (e == asio::error::operation_aborted || stopped_) return;
    if (e == asio::error::connection_refused) {
      if (status_ == SourceStatus::connecting) {
        fail("no flowcast server listens on " + options_.host + ":" +
             std::to_string(options_.port) +
             " for UDP (start flowcast-server, or check --port and --transport)");
        return;
      }
      // A stray ICMP error after set-up: keep reading; silence ends us.
      do_read_udp();
      return;
    }
    if (e) {
      fail("UDP receive failed: " + e.message());
      return;
    }
    std::span<const uint8_t> data(read_buffer_.data(), n);
    if (common::is_handshake(data)) {
      auto msg = common::parse_handshake(data);
      if (msg && msg->type == common::HandshakeType::cookie && !handshake_done_) {
        cookie_ = msg->cookie;
        hello_timer_.cancel();
        handshake_done_ = false;
        send_hello();
      } else if (msg && msg->type == common::HandshakeType::accept &&
                 status_ == SourceStatus::connecting) {
        handshake_done_ = true;
        hello_timer_.cancel();
        deadline_.cancel();
        status_ = SourceStatus::streaming;
        last_packet_ = Clock::now();
        schedule_report();
      } else if (msg && msg->type == common::HandshakeType::full) {
        fail("the server is full (its --max-clients limit): try again later");
        return;
      }
    } else if (status_ == SourceStatus::streaming) {
      last_packet_ = Clock::now();
      sample_kernel();
      on_packet(data);
    }
    do_read_udp();
  });
}

void NetworkSource::sample_kernel() {
  int queued = 0;
  int fd = options_.transport == Transport::tcp ? tcp_.native_handle() : udp_.native_handle();
  if (ioctl(fd, FIONREAD, &queued) == 0 && queued >= 0) {
    std::lock_guard lock(mutex_);
    counters_.kernel_queued = static_cast<uint64_t>(queued);
    counters_.peak_kernel_queued =
        std::max(counters_.peak_kernel_queued, static_cast<uint64_t>(queued));
  }
}

void NetworkSource::on_packet(std::span<const uint8_t> packet) {
  if (common::is_rtcp(packet)) {
    auto rtcp = common::parse_rtcp(packet);
    std::lock_guard lock(mutex_);
    if (!rtcp) {
      ++counters_.malformed;
      return;
    }
    ++counters_.rtcp_received;
    if (!rtcp->byes.empty()) {
      bye_seen_ = true;
      if (options_.transport == Transport::udp) {
        asio::post(io_, [this] { finish_stream(); });
      }
    }
    return;
  }
  auto rtp = common::parse_rtp(packet);
  if (!rtp) {
    std::lock_guard lock(mutex_);
    ++counters_.malformed;
    return;
  }
  if (rtp->header.payload_type != common::kPayloadTypeH264) {
    std::lock_guard lock(mutex_);
    ++counters_.foreign_payload_type;
    return;
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
  std::lock_guard lock(buffer_.mutex());
  buffer_.push(std::move(p));
}

void NetworkSource::schedule_report() {
  report_timer_.expires_after(kReportInterval);
  report_timer_.async_wait([this](const asio::error_code& e) {
    if (e || status_ != SourceStatus::streaming) return;
    if (options_.transport == Transport::udp && Clock::now() - last_packet_ > kUdpSilence) {
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
      int64_t lost = buffer_.cumulative_lost();
      int64_t expected = lost + static_cast<int64_t>(buffer_.counters().received);
      int64_t d_expected = expected - last_expected_;
      int64_t d_lost = d_expected - (static_cast<int64_t>(buffer_.counters().received) -
                                     last_received_);
      last_expected_ = expected;
      last_received_ = static_cast<int64_t>(buffer_.counters().received);
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
