#pragma once
// The socket chores of flowcast-load (LoadRun): addresses as text, the
// receive buffer size the kernel grants, and the descriptor limit for many
// viewers. Thin wrappers over the POSIX calls; any thread.
#include <sys/socket.h>

#include <cstddef>
#include <string>

namespace flowcast::bench {

// "127.0.0.1:9000" or "[::1]:9000".
std::string address_of(const sockaddr_storage& addr);
// The socket's own address as address_of() writes it; "?" when unknown.
std::string local_address_of(int fd);
// Sets SO_RCVBUF to `bytes` and returns what the kernel granted (it doubles
// the request for its bookkeeping and caps it at net.core.rmem_max).
int set_rcvbuf(int fd, int bytes);
// Raises the soft limit on open descriptors to `needed` plus 64, within the
// hard limit (500 viewers and more need more than the usual soft limit).
// Quietly does nothing when the limit cannot be read or raised.
void raise_fd_limit(size_t needed);

}  // namespace flowcast::bench
