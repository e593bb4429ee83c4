#include "bench/load/load_run.hpp"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <stdexcept>

#include "bench/load/load_sockets.hpp"
#include "bench/load/stop_signals.hpp"
#include "common/rtp/rtcp.hpp"

namespace flowcast::bench {

LoadRun::LoadRun(LoadOptions options) : options_(std::move(options)) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + strerror(errno));
  buffers_.resize(kBatch);
  controls_.resize(kBatch);
  messages_.resize(kBatch);
  iovecs_.resize(kBatch);
  for (size_t i = 0; i < kBatch; ++i) {
    iovecs_[i] = {buffers_[i].data(), buffers_[i].size()};
    messages_[i] = {};
    messages_[i].msg_hdr.msg_iov = &iovecs_[i];
    messages_[i].msg_hdr.msg_iovlen = 1;
    messages_[i].msg_hdr.msg_control = controls_[i].data();
  }
  tcp_buffer_.resize(64 * 1024);
  scratch_.reserve(256);
}

LoadRun::~LoadRun() {
  for (auto& v : viewers_) close_fd(v);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

double LoadRun::ms_since_start(Clock::time_point t) const {
  return std::chrono::duration<double, std::milli>(t - start_).count();
}

LoadReport LoadRun::run() {
  const bool passive = options_.passive_port.has_value();
  raise_fd_limit(static_cast<size_t>(options_.viewers));
  if (!passive) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = options_.transport == LoadTransport::udp ? SOCK_DGRAM : SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(options_.port);
    if (const int rc = getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found); rc != 0)
      throw std::runtime_error("cannot resolve '" + options_.host + "': " + gai_strerror(rc));
    std::memcpy(&server_, found->ai_addr, found->ai_addrlen);
    server_len_ = found->ai_addrlen;
    freeaddrinfo(found);
  }

  std::random_device seed;
  std::mt19937 random(seed());
  viewers_.resize(static_cast<size_t>(options_.viewers));
  start_ = Clock::now();
  const auto join_spacing = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / options_.join_rate));
  for (size_t i = 0; i < viewers_.size(); ++i) {
    auto& v = viewers_[i];
    v.index = static_cast<int>(i);
    v.own_ssrc = static_cast<uint32_t>(random());
    v.stalled = static_cast<int>(i) >= options_.viewers - options_.stalled;
    v.join_at = start_ + join_spacing * static_cast<int64_t>(i);
  }
  Clock::time_point end_at;
  if (passive) {
    open_passive();
    end_at = start_ + options_.duration;
  } else {
    end_at = viewers_.empty() ? start_ : viewers_.back().join_at + options_.duration;
  }

  StopSignals signals;
  std::array<epoll_event, 256> events{};
  Clock::time_point next_tick = start_;
  while (!StopSignals::requested()) {
    Clock::time_point now = Clock::now();
    if (now >= end_at) break;
    if (now >= next_tick) {
      tick(now);
      next_tick = now + std::chrono::milliseconds(5);
      // Nothing left to wait for: no viewer could join, or every one has
      // been ended (the server went away).
      if (joins_settled() && std::none_of(viewers_.begin(), viewers_.end(),
                                          [](const Viewer& v) { return v.state == State::joined; }))
        break;
    }
    const auto wait = std::min(next_tick, end_at) - now;
    const int timeout_ms = static_cast<int>(std::clamp<int64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(wait).count() + 1, 0, 5));
    const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout_ms);
    if (n <= 0) continue;  // a timeout, or EINTR from a stop signal
    now = Clock::now();
    for (int i = 0; i < n; ++i) on_ready(viewers_[events[i].data.u32], events[i].events, now);
  }

  interrupted_ = StopSignals::requested();
  // Everyone leaves; a UDP viewer that stalls sends no RTCP, so no BYE.
  const Clock::time_point stop = Clock::now();
  for (auto& v : viewers_) {
    if (v.state != State::joined) continue;
    const bool silent = passive || (v.stalled && options_.transport == LoadTransport::udp);
    if (!silent) send_report(v, stop, /*bye=*/true);
    end(v, stop, "left", false);
  }
  return report(stop);
}

void LoadRun::open_passive() {
  const uint16_t first = *options_.passive_port;
  for (auto& v : viewers_) {
    const int port = first + v.index;
    if (port > 65535) throw std::runtime_error("passive ports run past 65535");
    v.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (v.fd < 0) throw std::runtime_error(std::string("socket: ") + strerror(errno));
    const int granted = set_rcvbuf(v.fd, options_.rcvbuf_bytes);
    if (rcvbuf_granted_ == 0) rcvbuf_granted_ = granted;
    const int on = 1;
    setsockopt(v.fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(v.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot bind UDP port 127.0.0.1:" + std::to_string(port) + ": " +
                               strerror(errno) + " (pick another --passive PORT)");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(v.index);
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, v.fd, &ev);
    v.local_address = "127.0.0.1:" + std::to_string(port);
    v.join_started = start_;
    on_joined(v, start_);
  }
}

void LoadRun::start_join(Viewer& v, Clock::time_point now) {
  const bool udp = options_.transport == LoadTransport::udp;
  v.join_started = now;
  v.fd =
      socket(server_.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (v.fd < 0) {
    v.state = State::failed;
    return;
  }
  // A stalled TCP viewer takes the smallest receive buffer, so that its
  // stall reaches the server within seconds rather than after megabytes.
  const bool small = v.stalled && !udp;
  const int granted = set_rcvbuf(v.fd, small ? kStalledRcvbuf : options_.rcvbuf_bytes);
  if (rcvbuf_granted_ == 0 && !small) rcvbuf_granted_ = granted;
  const int on = 1;
  if (udp)
    setsockopt(v.fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
  else
    setsockopt(v.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  // Connected, so the kernel hands this socket only the server's datagrams
  // and reports an ICMP "port unreachable" once the server is gone.
  const int rc = connect(v.fd, reinterpret_cast<const sockaddr*>(&server_), server_len_);
  if (rc != 0 && errno != EINPROGRESS) {
    close_fd(v);
    v.state = State::failed;
    return;
  }
  v.local_address = local_address_of(v.fd);
  epoll_event ev{};
  ev.data.u32 = static_cast<uint32_t>(v.index);
  if (udp) {
    ev.events = EPOLLIN;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, v.fd, &ev);
    v.state = State::handshaking;
    send_hello(v);
    v.next_hello = now + kHelloInterval;
  } else {
    ev.events = EPOLLOUT;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, v.fd, &ev);
    v.state = State::connecting;
  }
}

void LoadRun::tick(Clock::time_point now) {
  const bool udp = options_.transport == LoadTransport::udp;
  for (auto& v : viewers_) {
    switch (v.state) {
      case State::waiting:
        if (now >= v.join_at && !options_.passive_port) start_join(v, now);
        break;
      case State::handshaking:
        if (now - v.join_started >= kJoinTimeout) {
          close_fd(v);
          v.state = State::timed_out;
        } else if (now >= v.next_hello) {
          send_hello(v);
          v.next_hello += kHelloInterval;
        }
        break;
      case State::connecting:
        if (now - v.join_started >= kJoinTimeout) {
          close_fd(v);
          v.state = State::failed;
        }
        break;
      case State::joined:
        if (options_.passive_port || (v.stalled && udp)) break;
        if (now >= v.next_report) {
          send_report(v, now, false);
          // After a long pause (a loaded machine), the next report is due
          // one interval from now, not in a burst.
          v.next_report = std::max(v.next_report + kReportInterval, now);
        }
        if (!v.outbox.empty()) flush_outbox(v);
        break;
      default:
        break;
    }
  }
}

bool LoadRun::joins_settled() const {
  return std::none_of(viewers_.begin(), viewers_.end(), [](const Viewer& v) {
    return v.state == State::waiting || v.state == State::handshaking ||
           v.state == State::connecting;
  });
}

void LoadRun::on_ready(Viewer& v, uint32_t events, Clock::time_point now) {
  if (v.fd < 0) return;  // closed earlier in this batch of events
  if (v.state == State::connecting) {
    int error = 0;
    socklen_t len = sizeof error;
    getsockopt(v.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      close_fd(v);
      v.state = State::failed;
      return;
    }
    on_joined(v, now);
    // A stalled TCP viewer never reads: the server's data backs up into
    // its send queue, which is what the stall is there to show.
    epoll_event ev{};
    ev.events = v.stalled ? 0u : static_cast<uint32_t>(EPOLLIN);
    ev.data.u32 = static_cast<uint32_t>(v.index);
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, v.fd, &ev);
    return;
  }
  if (options_.transport == LoadTransport::tcp && !options_.passive_port)
    receive_tcp(v, now);
  else
    receive_udp(v, now);
}

void LoadRun::receive_udp(Viewer& v, Clock::time_point now) {
  // A few batches at most, then the other sockets get their turn (epoll is
  // level-triggered: what is left is reported again).
  for (int round = 0; round < 4; ++round) {
    for (auto& m : messages_) {
      m.msg_hdr.msg_controllen = controls_[0].size();
      m.msg_hdr.msg_flags = 0;
      m.msg_len = 0;
    }
    const int n = recvmmsg(v.fd, messages_.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      // Nothing listens at the server's address any more (an ICMP error
      // came back for a HELLO or a report).
      if (errno == ECONNREFUSED && v.state == State::joined) end(v, now, "unreachable", false);
      return;
    }
    for (int i = 0; i < n; ++i) {
      msghdr& hdr = messages_[static_cast<size_t>(i)].msg_hdr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&hdr); c != nullptr; c = CMSG_NXTHDR(&hdr, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          uint32_t dropped = 0;
          std::memcpy(&dropped, CMSG_DATA(c), sizeof dropped);
          v.dropped_kernel = std::max<uint64_t>(v.dropped_kernel, dropped);
        }
      }
      const size_t size = std::min<size_t>(messages_[static_cast<size_t>(i)].msg_len, kDatagramMax);
      on_datagram(v, std::span<const uint8_t>(buffers_[static_cast<size_t>(i)].data(), size), now);
      if (v.fd < 0) return;
    }
    if (static_cast<size_t>(n) < kBatch) return;
  }
}

void LoadRun::receive_tcp(Viewer& v, Clock::time_point now) {
  ReceiveCounter* counter = &v.counter;
  const Clock::time_point* at = &now;
  for (int round = 0; round < 4; ++round) {
    const ssize_t n = recv(v.fd, tcp_buffer_.data(), tcp_buffer_.size(), MSG_DONTWAIT);
    if (n > 0) {
      v.deframer.feed(std::span<const uint8_t>(tcp_buffer_.data(), static_cast<size_t>(n)),
                      [counter, at](std::span<const uint8_t> p) { counter->on_packet(p, *at); });
      if (v.counter.bye_at()) {
        // Over TCP a full server says so in its BYE's reason, before media.
        if (!v.counter.any_media() && v.counter.bye_reason().rfind("server full", 0) == 0) {
          close_fd(v);
          v.state = State::full;
          return;
        }
        end(v, now, "bye", true);
        return;
      }
      if (static_cast<size_t>(n) < tcp_buffer_.size()) return;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    end(v, now, "closed", true);  // FIN or reset
    return;
  }
}

void LoadRun::on_datagram(Viewer& v, std::span<const uint8_t> data, Clock::time_point now) {
  if (common::is_handshake(data)) {
    const auto message = common::parse_handshake(data);
    if (!message || v.state != State::handshaking) return;
    switch (message->type) {
      case common::HandshakeType::cookie:
        v.cookie = message->cookie;
        send_hello(v);
        break;
      case common::HandshakeType::accept:
        on_joined(v, now);
        break;
      case common::HandshakeType::full:
        close_fd(v);
        v.state = State::full;
        break;
      default:
        break;
    }
    return;
  }
  // Media before the ACCEPT: the ACCEPT was lost, the session is there.
  if (v.state == State::handshaking) on_joined(v, now);
  if (v.state != State::joined) return;
  v.counter.on_packet(data, now);
  if (v.counter.bye_at()) end(v, now, "bye", true);
}

void LoadRun::on_joined(Viewer& v, Clock::time_point now) {
  v.state = State::joined;
  v.joined_at = now;
  v.counter.set_measure_from(now + options_.measure_after);
  v.next_report = now + kReportInterval;
}

void LoadRun::send_hello(Viewer& v) {
  const auto hello = common::write_handshake({common::HandshakeType::hello, v.cookie});
  (void)send(v.fd, hello.data(), hello.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

void LoadRun::send_report(Viewer& v, Clock::time_point now, bool bye) {
  scratch_.clear();
  common::ReceiverReport rr;
  rr.sender_ssrc = v.own_ssrc;
  if (auto block = v.counter.report_block(now)) rr.blocks.push_back(*block);
  common::write_receiver_report(rr, scratch_);
  if (bye) common::write_bye(common::Goodbye{{v.own_ssrc}}, scratch_);
  send_rtcp(v, scratch_);
  ++v.receiver_reports;
}

void LoadRun::send_rtcp(Viewer& v, std::span<const uint8_t> packet) {
  if (options_.transport == LoadTransport::udp) {
    (void)send(v.fd, packet.data(), packet.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    return;
  }
  common::frame_rfc4571(packet, v.outbox);
  flush_outbox(v);
}

void LoadRun::flush_outbox(Viewer& v) {
  while (!v.outbox.empty()) {
    const ssize_t n = send(v.fd, v.outbox.data(), v.outbox.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      v.outbox.erase(v.outbox.begin(), v.outbox.begin() + n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    v.outbox.clear();  // the connection is gone; receive_tcp sees how
    return;
  }
}

void LoadRun::end(Viewer& v, Clock::time_point now, const std::string& reason, bool by_server) {
  if (v.ended_at) return;
  v.ended_at = now;
  v.end_reason = reason;
  v.ended_by_server = by_server;
  v.counter.close_window(now);
  close_fd(v);
  v.state = State::ended;
}

void LoadRun::close_fd(Viewer& v) {
  if (v.fd < 0) return;
  close(v.fd);  // also leaves the epoll set
  v.fd = -1;
}

LoadReport LoadRun::report(Clock::time_point stop) const {
  LoadReport r;
  const bool passive = options_.passive_port.has_value();
  r.mode = passive ? "passive" : "server";
  if (passive) {
    r.server = "127.0.0.1:" + std::to_string(*options_.passive_port) + "-" +
               std::to_string(*options_.passive_port + options_.viewers - 1);
    r.transport = "udp";
  } else {
    r.server = address_of(server_);
    r.transport = options_.transport == LoadTransport::udp ? "udp" : "tcp";
  }
  r.join_rate = options_.join_rate;
  r.duration_ms = static_cast<double>(options_.duration.count()) / 1000.0;
  r.measure_after_ms = static_cast<double>(options_.measure_after.count()) / 1000.0;
  r.rcvbuf_bytes = rcvbuf_granted_;
  r.run_ms = ms_since_start(stop);
  r.interrupted = interrupted_;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  r.tool_cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                 static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  r.tool_cpu_cores = r.run_ms > 0 ? r.tool_cpu_s / (r.run_ms / 1000) : 0;
  for (const auto& v : viewers_) r.viewers.push_back(viewer_row(v, start_, stop, passive));
  r.summarize();
  return r;
}

}  // namespace flowcast::bench
