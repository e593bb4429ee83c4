#pragma once
// The child processes of a sweep (flowcast-server and flowcast-client) and
// the loopback ports they listen on.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowcast::client::sweep {

// A child started with posix_spawn, its stdout and stderr appended to
// log_path, in a process group of its own (so a Ctrl-C at the terminal
// reaches the sweep alone, which then stops its children in order). SIGKILLed
// and reaped on destruction if still running. Threads: one owner.
class ChildProcess {
 public:
  // Throws std::runtime_error when it cannot be started (no such binary).
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits up to timeout, polling every 20 ms; the exit code (128 + signal
  // when killed), or nullopt while it runs.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  void signal(int sig);
  // Sends SIGTERM, waits up to grace, then SIGKILL; the exit code.
  int stop(std::chrono::milliseconds grace);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// A port of 127.0.0.1 that is free for both TCP and UDP now and not held by
// this process's other runs: held until release_port. Threads: any.
// Throws std::runtime_error when none is found in 200 tries.
uint16_t reserve_port();
void release_port(uint16_t port);

// The last non-empty line of a text file ("" when none): a child's last
// word, for error messages.
std::string last_line(const std::string& path);

}  // namespace flowcast::client::sweep
