#pragma once
// One way of receiving an RTP stream: the socket(s) below the jitter buffer.
// A transport is the seed's Duplex: it reads RTP and RTCP and writes RTCP on
// the same connection. It knows its sockets, its set-up (connect, handshake,
// bind) and its framing, and nothing of RTP beyond that: the RFC 3550
// receiver side that is the same for every transport (SSRC lock, receiver
// reports, NACK, PLI, BYE, silence) is NetworkSource's.
//
// Adding a transport is one file implementing this interface and one line in
// make_transport() (transport_registry.cpp).
//
// Threads: everything runs on the network thread (the io_context the
// transport was made with); no method blocks.
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "client/transport/transport_kind.hpp"

namespace flowcast::client {

struct ClientOptions;

// What a transport reports to the receiver above it. Network thread.
class TransportEvents {
 public:
  virtual ~TransportEvents() = default;
  // Set-up is done (TCP connected, UDP handshake accepted, ports bound):
  // media may flow. rcvbuf_bytes: the kernel's receive buffer (SO_RCVBUF).
  virtual void on_connected(int rcvbuf_bytes) = 0;
  // One RTP or RTCP packet (RFC 5761 demultiplexing is the receiver's). The
  // span is valid during the call only.
  virtual void on_packet(std::span<const uint8_t> packet) = 0;
  // A datagram that is neither RTP nor RTCP (counted as malformed).
  virtual void on_stray() = 0;
  // The kernel's running count of datagrams it dropped (SO_RXQ_OVFL).
  virtual void on_kernel_drops(uint32_t total) = 0;
  // The peer closed the connection (TCP end of file). Whether that is the
  // end of the stream or a failure depends on a BYE before it.
  virtual void on_peer_closed() = 0;
  // Set-up or reading failed; message says what happened and what to do.
  virtual void on_failed(const std::string& message) = 0;
  // After a read: a batch of packets was handed over (the receiver sends
  // its NACKs then).
  virtual void on_read_done() = 0;
};

// How the end of a stream shows on a transport.
struct TransportTraits {
  // What carries the packets: the metrics' "transport" (RTSP's automatic
  // settles on one; --listen is UDP).
  Transport carrier = Transport::tcp;
  // Receiver reports, PLIs, NACKs and a BYE can be sent (a listener has no
  // address to send them to).
  bool sends_feedback = true;
  // After the sender's BYE the stream ends this much later (packets still
  // queued on another socket get read); nullopt: it ends when the peer
  // closes the connection.
  std::optional<std::chrono::milliseconds> bye_grace;
  // No packet for this long: the sender is gone. silence_is_end: that ends
  // the stream (exit 0) rather than failing it; before any media it waits.
  std::optional<std::chrono::seconds> silence;
  bool silence_is_end = false;
  // Sample the kernel's queue after every read too, not only every 50 ms:
  // over TCP what is left unread is the flow control the user watches.
  bool sample_after_read = false;
};

struct KernelQueue {
  int rcvbuf_bytes = 0;  // SO_MEMINFO's current receive buffer size, 0 if unknown
  uint64_t queued = 0;   // SIOCINQ (TCP) or receive memory in use (UDP), bytes
};

class RtpTransport {
 public:
  virtual ~RtpTransport() = default;
  // Starts set-up and then reading; reports through events (borrowed).
  virtual void start(TransportEvents& events) = 0;
  // Best effort, never blocks: a packet that cannot go now is dropped.
  virtual void send_rtcp(std::span<const uint8_t> packet) = 0;
  // false: read nothing more after the read in progress (the block policy,
  // a busy consumer); true: read again.
  virtual void set_reading(bool reading) = 0;
  virtual KernelQueue sample_kernel() = 0;
  // Closes the sockets; events are no longer called. Idempotent.
  virtual void close() = 0;
  virtual const TransportTraits& traits() const = 0;
  // Where it receives from, for messages: "127.0.0.1:5004", "UDP port 5006".
  virtual std::string where() const = 0;
};

// The transport the options ask for (--transport tcp|udp, --listen).
std::unique_ptr<RtpTransport> make_transport(const ClientOptions& options, asio::io_context& io);

}  // namespace flowcast::client
