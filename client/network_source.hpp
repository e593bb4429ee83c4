#pragma once
// The Readable end of the pipeline: a TCP connection (RFC 4571 framing) or a
// UDP session (handshake first) to flowcast-server. RTP goes into the
// ReceiveBuffer; RTCP receiver reports go back every 500 ms; BYE on stop.
//
// Threads: owns the network thread, which runs an asio io_context and never
// blocks. Other threads call the public methods; they post to that thread.
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <asio.hpp>

#include "client/client_options.hpp"
#include "client/receive_buffer.hpp"
#include "common/rfc4571.hpp"

namespace flowcast::client {

enum class SourceStatus { connecting, streaming, ended, failed };

struct SourceCounters {
  uint64_t rtcp_received = 0;
  uint64_t foreign_payload_type = 0;
  uint64_t malformed = 0;
  int rcvbuf_bytes = 0;       // SO_RCVBUF as the kernel reports it
  uint64_t kernel_queued = 0; // last SIOCINQ sample
  uint64_t peak_kernel_queued = 0;
};

class NetworkSource {
 public:
  NetworkSource(const ClientOptions& options, ReceiveBuffer& buffer);
  ~NetworkSource();

  // Starts the network thread: connect (TCP) or handshake (UDP), then read.
  void start();
  // Sends an RTCP BYE, closes, joins the network thread. Idempotent.
  void stop();
  // The decode thread took data: reading may go on if it was held (block).
  void notify_drained();

  SourceStatus status() const { return status_.load(); }
  // What went wrong, for the user (when status() is failed).
  std::string error() const;
  SourceCounters counters() const;

 private:
  void connect_tcp();
  void do_read_tcp();
  void start_udp();
  void send_hello();
  void do_read_udp();
  void on_packet(std::span<const uint8_t> packet);
  void schedule_report();
  void send_rtcp(std::vector<uint8_t> packet);
  void fail(const std::string& message);
  void finish_stream();
  bool should_pause() const;
  void sample_kernel();

  const ClientOptions& options_;
  ReceiveBuffer& buffer_;
  asio::io_context io_;
  std::thread thread_;
  asio::ip::tcp::socket tcp_;
  asio::ip::udp::socket udp_;
  asio::steady_timer deadline_;
  asio::steady_timer report_timer_;
  asio::steady_timer hello_timer_;
  common::Rfc4571Deframer deframer_;
  std::array<uint8_t, 65536> read_buffer_{};
  std::array<uint8_t, 16> cookie_{};
  bool handshake_done_ = false;
  bool reading_paused_ = false;
  bool bye_seen_ = false;
  bool stopped_ = false;
  uint32_t own_ssrc_;
  uint32_t media_ssrc_ = 0;
  int64_t last_expected_ = 0;
  int64_t last_received_ = 0;
  std::chrono::steady_clock::time_point last_packet_;
  std::atomic<SourceStatus> status_{SourceStatus::connecting};

  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  std::string error_;
  SourceCounters counters_;
};

}  // namespace flowcast::client
