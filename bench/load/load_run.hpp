#pragma once
// One run of flowcast-load: N viewers of a flowcast server (or N passive UDP
// ports) served by one thread with epoll. UDP viewers receive with recvmmsg
// in batches of kBatch into buffers allocated once; TCP viewers read 64 KiB
// at a time and cut RFC 4571 frames. Every viewer sends a receiver report
// every 500 ms and a BYE when it leaves.
//
// Threads: run() is called once, on the calling thread, and blocks until the
// run ends (duration, no viewer could join, or SIGINT/SIGTERM, which it
// catches while it runs); it never blocks on a single socket.
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/load/load_options.hpp"
#include "bench/load/load_report.hpp"
#include "bench/load/load_viewer.hpp"

namespace flowcast::bench {

class LoadRun {
 public:
  explicit LoadRun(LoadOptions options);
  ~LoadRun();
  LoadRun(const LoadRun&) = delete;
  LoadRun& operator=(const LoadRun&) = delete;

  // Runs to the end and returns what was counted. Throws std::runtime_error
  // when the server's address does not resolve or a passive port cannot be
  // bound (nothing was run).
  LoadReport run();

  static constexpr size_t kBatch = 32;          // datagrams per recvmmsg
  static constexpr size_t kDatagramMax = 2048;  // larger ones are truncated, counted malformed
  static constexpr auto kReportInterval = std::chrono::milliseconds(500);
  static constexpr auto kHelloInterval = std::chrono::milliseconds(500);
  static constexpr auto kJoinTimeout = std::chrono::seconds(3);
  // SO_RCVBUF of a stalled TCP viewer (the kernel's minimum applies).
  static constexpr int kStalledRcvbuf = 4096;
  // A viewer that heard nothing for this long when it left went silent.
  static constexpr auto kSilence = kViewerSilence;

 private:
  using State = ViewerState;
  using Viewer = LoadViewer;

  void open_passive();
  void start_join(Viewer& v, Clock::time_point now);
  void tick(Clock::time_point now);
  void on_ready(Viewer& v, uint32_t events, Clock::time_point now);
  void receive_udp(Viewer& v, Clock::time_point now);
  void receive_tcp(Viewer& v, Clock::time_point now);
  void on_datagram(Viewer& v, std::span<const uint8_t> data, Clock::time_point now);
  void on_joined(Viewer& v, Clock::time_point now);
  bool interrupted_ = false;  // a stop signal ended the run
  void send_hello(Viewer& v);
  void send_report(Viewer& v, Clock::time_point now, bool bye);
  void send_rtcp(Viewer& v, std::span<const uint8_t> packet);
  void flush_outbox(Viewer& v);
  void end(Viewer& v, Clock::time_point now, const std::string& reason, bool by_server);
  void close_fd(Viewer& v);
  bool joins_settled() const;
  LoadReport report(Clock::time_point stop) const;
  double ms_since_start(Clock::time_point t) const;

  LoadOptions options_;
  int epoll_fd_ = -1;
  sockaddr_storage server_{};
  socklen_t server_len_ = 0;
  int rcvbuf_granted_ = 0;
  Clock::time_point start_{};
  std::vector<Viewer> viewers_;
  // recvmmsg's buffers, allocated once.
  std::vector<std::array<uint8_t, kDatagramMax>> buffers_;
  std::vector<std::array<uint8_t, 64>> controls_;
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iovecs_;
  std::vector<uint8_t> tcp_buffer_;
  std::vector<uint8_t> scratch_;  // RTCP being built
};

}  // namespace flowcast::bench
