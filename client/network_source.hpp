#pragma once
// The Readable end of the pipeline (a Duplex on the wire): a TCP connection
// (RFC 4571 framing) or a UDP session (handshake first) to flowcast-server.
// RTP goes to the Writable it is piped to (the ReceiveBuffer); RTCP receiver
// reports go back every 500 ms, a PLI when asked, a BYE on stop.
//
// When the buffer's write() says false (the block policy), and during
// --consumer-pause, the source stops reading the socket: over TCP the kernel
// buffer fills, the window closes and the server is held back; over UDP the
// kernel drops, and SO_RXQ_OVFL counts it.
//
// --listen (ListenOptions): no handshake and no reports; plain RTP from any
// sender on a bound UDP port, RTCP on the next port up (or the same one with
// rtcp-mux). It locks onto the first SSRC of the SDP's payload type; other
// SSRCs are counted and dropped. The stream ends on a BYE from that SSRC, or
// 5 s after its media stops (before media begins, it waits).
//
// Threads: owns the network thread, which runs an asio io_context and never
// blocks. Other threads call the public methods; they post to that thread.
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <asio.hpp>

#include "client/client_options.hpp"
#include "client/receive_buffer.hpp"
#include "common/rfc4571.hpp"
#include "common/stream.hpp"

namespace flowcast::client {

enum class SourceStatus { connecting, streaming, ended, failed };

struct SourceCounters {
  uint64_t rtcp_received = 0;
  uint64_t foreign_payload_type = 0;
  uint64_t foreign_ssrc = 0;       // --listen: RTP of a sender other than the one locked onto
  uint64_t malformed = 0;
  uint64_t plis_sent = 0;
  uint64_t nacks_sent = 0;
  uint64_t dropped_kernel = 0;     // SO_RXQ_OVFL (UDP)
  int rcvbuf_bytes = 0;            // SO_RCVBUF as the kernel reports it
  uint64_t kernel_queued = 0;      // last sample: SIOCINQ (TCP), SO_MEMINFO (UDP)
  uint64_t peak_kernel_queued = 0;
  bool reading_paused = false;     // not reading the socket right now
};

class NetworkSource : public common::Readable<ReceivedPacket> {
 public:
  // Pipes itself into buffer, installs the buffer's drain callback, and
  // reads the buffer's counters for its receiver reports. Borrows both.
  NetworkSource(const ClientOptions& options, ReceiveBuffer& buffer, SteadyTime launched);
  ~NetworkSource() override;

  // Starts the network thread: connect (TCP) or handshake (UDP), then read.
  void start();
  // Sends an RTCP BYE, closes, joins the network thread. Idempotent.
  void stop();
  // Asks the server for a keyframe (RTCP PLI). Any thread.
  void request_keyframe();
  // Holds the reader busy (true) or lets it go (false). Any thread.
  void set_consumer_busy(bool busy);

  SourceStatus status() const { return status_.load(); }
  // What went wrong, for the user (when status() is failed).
  std::string error() const;
  SourceCounters counters() const;

 private:
  void connect_tcp();
  void do_read_tcp();
  void start_udp();
  // --listen: binds the RTP (and RTCP) socket, then reads.
  void start_listen();
  void open_listen_socket(asio::ip::udp::socket& socket, uint16_t port, asio::error_code& ec);
  void do_read_rtcp();
  void send_hello();
  void do_read_udp();
  void read_udp_datagrams();
  // One datagram that recvmmsg read into slot; false once the source failed.
  bool on_datagram(mmsghdr& message, const iovec& slot);
  void on_packet(std::span<const uint8_t> packet);
  void resume_reading();
  bool reading_allowed() const { return !buffer_blocked_ && !consumer_busy_; }
  void schedule_report();
  // --nack: asks the server for the packets the buffer found missing.
  void send_nacks();
  void schedule_sampling();
  void schedule_consumer_pause();
  void send_rtcp(std::vector<uint8_t> packet);
  void fail(const std::string& message);
  void finish_stream();
  void sample_kernel();
  std::string where() const;

  const ClientOptions& options_;
  ReceiveBuffer& buffer_;
  SteadyTime launched_;
  asio::io_context io_;
  std::thread thread_;
  asio::ip::tcp::socket tcp_;
  asio::ip::udp::socket udp_;
  asio::ip::udp::socket rtcp_;  // --listen without rtcp-mux
  asio::steady_timer deadline_;
  asio::steady_timer report_timer_;
  asio::steady_timer hello_timer_;
  asio::steady_timer sample_timer_;
  asio::steady_timer pause_timer_;
  common::Rfc4571Deframer deframer_;
  std::array<uint8_t, 65536> read_buffer_{};
  // UDP: recvmmsg takes up to kUdpBatch datagrams a call, each into its own
  // slot of the largest datagram's size. Left uninitialised, so only the
  // pages datagrams touch become resident.
  static constexpr unsigned kUdpBatch = 16;
  static constexpr size_t kUdpSlotBytes = 65536;
  std::unique_ptr<uint8_t[]> udp_slots_{new uint8_t[kUdpBatch * kUdpSlotBytes]};
  std::array<mmsghdr, kUdpBatch> udp_messages_{};
  std::array<iovec, kUdpBatch> udp_iovecs_{};
  std::array<std::array<char, CMSG_SPACE(sizeof(uint32_t))>, kUdpBatch> udp_control_{};
  std::array<uint8_t, 16> cookie_{};
  std::array<uint8_t, 8192> rtcp_buffer_{};
  // --- Network thread only.
  bool read_pending_ = false;
  bool buffer_blocked_ = false;
  bool consumer_busy_ = false;
  bool bye_seen_ = false;
  bool stopped_ = false;
  uint32_t own_ssrc_;
  uint32_t media_ssrc_ = 0;
  int64_t last_expected_ = 0;
  int64_t last_received_ = 0;
  std::chrono::steady_clock::time_point last_packet_;
  std::optional<uint32_t> locked_ssrc_;               // --listen: the sender we play
  std::chrono::steady_clock::time_point last_media_;  // --listen: its last packet
  std::atomic<SourceStatus> status_{SourceStatus::connecting};

  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  std::string error_;
  SourceCounters counters_;
};

}  // namespace flowcast::client
