// Kept apart from asio: <linux/tcp.h> (which has the newer tcp_info fields)
// and <netinet/tcp.h> (which asio includes) cannot meet in one file.
#include "server/transport/tcp_probe.hpp"

#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstring>

namespace flowcast::server {

TcpProbe read_tcp_probe(int fd) {
  TcpProbe p;
  tcp_info info;
  std::memset(&info, 0, sizeof info);
  socklen_t len = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0) {
    // Older kernels return a shorter struct: only read what came back.
    if (len >= offsetof(tcp_info, tcpi_sndbuf_limited) + sizeof info.tcpi_sndbuf_limited) {
      p.rwnd_limited_us = info.tcpi_rwnd_limited;
      p.sndbuf_limited_us = info.tcpi_sndbuf_limited;
    }
    if (len >= offsetof(tcp_info, tcpi_snd_wnd) + sizeof info.tcpi_snd_wnd)
      p.peer_window = info.tcpi_snd_wnd;
  }
  int outq = 0;
  if (ioctl(fd, SIOCOUTQ, &outq) == 0 && outq > 0) p.unsent_bytes = static_cast<uint64_t>(outq);
  return p;
}

}  // namespace flowcast::server
