#include "support/udp_peer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <thread>

#include "support/process.hpp"

namespace flowcast::test {
namespace {

bool udp_bindable(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  const sockaddr_in addr = loopback(port);
  const bool ok = bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

UdpSender::UdpSender() : fd_(socket(AF_INET, SOCK_DGRAM, 0)) {}
UdpSender::~UdpSender() {
  close(fd_);
}

bool UdpSender::send(const std::vector<uint8_t>& datagram, uint16_t port) const {
  const sockaddr_in addr = loopback(port);
  return sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&addr),
                sizeof addr) == static_cast<ssize_t>(datagram.size());
}

uint16_t free_rtp_port() {
  for (int attempt = 0; attempt < 200; ++attempt) {
    const uint16_t port = free_port();
    if (port % 2 == 0 && udp_bindable(static_cast<uint16_t>(port + 1))) return port;
  }
  return 0;
}

bool udp_port_bound(uint16_t port) {
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, ":%04X", port);
  for (const char* table : {"/proc/net/udp", "/proc/net/udp6"}) {
    std::istringstream in(read_file(table));
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local;
      fields >> slot >> local;
      if (local.size() > 5 && local.compare(local.size() - 5, 5, suffix) == 0) return true;
    }
  }
  return false;
}

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ready();
}

bool listening_for_rtp(uint16_t port) {
  return wait_until(
      [port] { return udp_port_bound(port) && udp_port_bound(static_cast<uint16_t>(port + 1)); },
      std::chrono::seconds(10));
}

}  // namespace flowcast::test
