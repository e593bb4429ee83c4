#include "client/transport/receive_queue_probe.hpp"

#include <linux/sock_diag.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

namespace flowcast::client {

KernelQueue probe_receive_queue(int fd, bool stream_socket) {
  KernelQueue q;
  uint32_t mem[SK_MEMINFO_VARS] = {};
  socklen_t len = sizeof mem;
  const bool meminfo = getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0;
  if (meminfo) q.rcvbuf_bytes = static_cast<int>(mem[SK_MEMINFO_RCVBUF]);
  if (stream_socket) {
    int n = 0;
    if (ioctl(fd, FIONREAD, &n) == 0 && n > 0) q.queued = static_cast<uint64_t>(n);
  } else if (meminfo) {
    q.queued = mem[SK_MEMINFO_RMEM_ALLOC];
  }
  return q;
}

}  // namespace flowcast::client
