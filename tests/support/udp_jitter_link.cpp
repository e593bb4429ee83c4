#include "support/udp_jitter_link.hpp"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <span>
#include <system_error>

#include "common/rtp/handshake.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "support/udp_peer.hpp"

namespace flowcast::test {
namespace {

// Datagrams read per socket per wake, so neither direction starves the other
// or the deliveries.
constexpr int kReadsPerWake = 64;
// The server sends a keyframe's packets in one burst: room for several.
constexpr int kServerSocketBuffer = 1 << 20;
constexpr auto kHeldFor = std::chrono::milliseconds(1);

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

int udp_socket() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("UdpJitterLink: socket");
  return fd;
}

}  // namespace

UdpJitterLink::UdpJitterLink(JitterLinkConfig config)
    : config_(config),
      link_([&] {
        common::LinkConfig link;
        link.jitter = config.jitter;
        link.seed = config.seed;
        return link;
      }()),
      buffer_(65536) {
  client_fd_ = udp_socket();
  server_fd_ = udp_socket();
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  try {
    if (wake_fd_ < 0) fail("UdpJitterLink: eventfd");
    const sockaddr_in any = loopback(0);
    if (bind(client_fd_, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0)
      fail("UdpJitterLink: bind");
    sockaddr_in bound{};
    socklen_t len = sizeof bound;
    if (getsockname(client_fd_, reinterpret_cast<sockaddr*>(&bound), &len) != 0)
      fail("UdpJitterLink: getsockname");
    port_ = ntohs(bound.sin_port);
    // Best effort: the kernel caps it at rmem_max.
    setsockopt(server_fd_, SOL_SOCKET, SO_RCVBUF, &kServerSocketBuffer, sizeof kServerSocketBuffer);
    const sockaddr_in server = loopback(config_.server_port);
    if (connect(server_fd_, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0)
      fail("UdpJitterLink: connect");
  } catch (...) {
    for (int fd : {client_fd_, server_fd_, wake_fd_})
      if (fd >= 0) close(fd);
    throw;
  }
  thread_ = std::thread([this] { run(); });
}

UdpJitterLink::~UdpJitterLink() {
  const uint64_t one = 1;
  [[maybe_unused]] const auto written = write(wake_fd_, &one, sizeof one);
  thread_.join();
  close(client_fd_);
  close(server_fd_);
  close(wake_fd_);
}

bool UdpJitterLink::jittery() const {
  std::lock_guard lock(mutex_);
  return !phase_start_ || Clock::now() < *phase_start_ + config_.jittery_for;
}

JitterLinkCounts UdpJitterLink::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void UdpJitterLink::run() {
  std::optional<Clock::time_point> next;
  for (;;) {
    pollfd fds[3] = {{client_fd_, POLLIN, 0}, {server_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    timespec wait{};
    timespec* timeout = nullptr;
    if (next) {
      const auto left = std::max(Clock::duration::zero(), *next - Clock::now());
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      wait = {static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
      timeout = &wait;
    }
    if (ppoll(fds, 3, timeout, nullptr) < 0 && errno != EINTR) return;
    if (fds[2].revents != 0) return;
    if (fds[0].revents != 0) from_client(Clock::now());
    if (fds[1].revents != 0) from_server(Clock::now());
    next = deliver(Clock::now());
  }
}

void UdpJitterLink::from_client(Clock::time_point now) {
  for (int i = 0; i < kReadsPerWake; ++i) {
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = recvfrom(client_fd_, buffer_.data(), buffer_.size(), 0,
                               reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return;  // EAGAIN: all read
    client_ = from;
    // The server may be gone (ECONNREFUSED): the client's silence rule and
    // the test's deadlines handle that, not the link.
    const bool sent = send(server_fd_, buffer_.data(), static_cast<size_t>(n), 0) == n;
    std::lock_guard lock(mutex_);
    if (!phase_start_) phase_start_ = now;
    if (sent) {
      ++counts_.to_server;
    } else {
      ++counts_.dropped;
    }
  }
}

void UdpJitterLink::from_server(Clock::time_point now) {
  for (int i = 0; i < kReadsPerWake; ++i) {
    const ssize_t n = recv(server_fd_, buffer_.data(), buffer_.size(), 0);
    if (n < 0) {
      // A port-unreachable from an earlier send: the socket stays usable.
      if (errno == ECONNREFUSED) continue;
      return;
    }
    const std::span<const uint8_t> datagram(buffer_.data(), static_cast<size_t>(n));
    std::lock_guard lock(mutex_);
    if (!client_ || queue_.size() >= config_.queue_cap) {
      ++counts_.dropped;
      continue;
    }
    Clock::time_point at = now;
    if (!phase_start_ || now < *phase_start_ + config_.jittery_for) {
      // As the server's link: RTP draws its jitter, the rest takes its place
      // in line.
      const bool media = !common::is_handshake(datagram) && !common::is_rtcp(datagram);
      at = media ? link_.offer(datagram.size(), now).deliver_at
                 : link_.offer_control(datagram.size(), now).deliver_at;
      if (media) ++counts_.jittered;
    }
    at = std::max(at, last_delivery_);
    last_delivery_ = at;
    if (at - now >= kHeldFor) ++counts_.held;
    counts_.longest_hold = std::max(
        counts_.longest_hold, std::chrono::duration_cast<std::chrono::microseconds>(at - now));
    queue_.push_back(Held{at, std::vector<uint8_t>(datagram.begin(), datagram.end())});
  }
}

std::optional<UdpJitterLink::Clock::time_point> UdpJitterLink::deliver(Clock::time_point now) {
  while (!queue_.empty() && queue_.front().at <= now) {
    const auto& d = queue_.front().datagram;
    const bool sent =
        sendto(client_fd_, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&*client_),
               sizeof *client_) == static_cast<ssize_t>(d.size());
    queue_.pop_front();
    std::lock_guard lock(mutex_);
    if (sent) {
      ++counts_.to_client;
    } else {
      ++counts_.dropped;
    }
  }
  if (queue_.empty()) return std::nullopt;
  return queue_.front().at;
}

}  // namespace flowcast::test
