#pragma once
// One way of receiving an RTP stream: the socket(s) below the jitter buffer.
// A transport is the seed's Duplex (common/stream/stream.hpp): a Readable of
// the packets it receives, piped into the receiver above it (NetworkSource),
// and a Writable of the RTCP that receiver sends back on the same
// connection. Backpressure is the stream's: when the receiver's write()
// returns false the transport reads nothing more after the read in progress
// (over TCP the kernel buffer fills and the window closes), until the
// receiver drains. It knows its sockets, its set-up (connect, handshake,
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
#include <vector>

#include "client/transport/transport_kind.hpp"
#include "common/stream/stream.hpp"

namespace flowcast::client {

struct ClientOptions;

// One RTP or RTCP packet as it came off the socket, without its framing
// (RFC 5761 demultiplexing is the receiver's). It borrows the transport's
// read buffer: valid during the write() that hands it over only.
using ReceivedDatagram = std::span<const uint8_t>;
// One RTCP packet (compound or not) for the transport to send.
using RtcpPacket = std::vector<uint8_t>;

// What a transport reports to the receiver above it besides the packets
// (those go through the pipe). Network thread.
class TransportEvents {
 public:
  virtual ~TransportEvents() = default;
  // Set-up is done (TCP connected, UDP handshake accepted, ports bound):
  // media may flow. rcvbuf_bytes: the kernel's receive buffer (SO_RCVBUF).
  virtual void on_connected(int rcvbuf_bytes) = 0;
  // A datagram that is neither RTP nor RTCP (counted as malformed).
  virtual void on_stray() = 0;
  // The kernel's running count of datagrams it dropped (SO_RXQ_OVFL).
  virtual void on_kernel_drops(uint32_t total) = 0;
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

// Writable<RtcpPacket>: write() sends one RTCP packet, best effort, never
// blocking: false when it could not go now and was dropped (its send queue is
// past its bound, or the transport is not set up or closed). end() closes.
// Readable<ReceivedDatagram>: pipe_receiver() sets where the packets go; the
// receiver ends (end()) when the peer closed the connection (TCP end of
// file; whether that ends the stream or fails it depends on a BYE before).
class RtpTransport : public common::Duplex<RtcpPacket, ReceivedDatagram> {
 public:
  // Pipes the packets into receiver and reads again when it drains.
  // Borrows receiver, which must outlive the transport. Call before start().
  void pipe_receiver(common::Writable<ReceivedDatagram>& receiver);
  // Starts set-up and then reading; reports through events (borrowed).
  virtual void start(TransportEvents& events) = 0;
  void end() override { close(); }
  virtual KernelQueue sample_kernel() = 0;
  // Closes the sockets; events are no longer called. Idempotent.
  virtual void close() = 0;
  virtual const TransportTraits& traits() const = 0;
  // Where it receives from, for messages: "127.0.0.1:5004", "UDP port 5006".
  virtual std::string where() const = 0;

 protected:
  // Hands one packet to the receiver. Returns whether to read on: false
  // once the receiver is past its mark, and then until it drains.
  bool deliver(ReceivedDatagram packet);
  // The receiver is not past its mark: read more.
  bool reading() const { return reading_; }
  // The receiver drained: read again (reading() is true again).
  virtual void resume_reading() = 0;

 private:
  bool reading_ = true;
};

// The transport the options ask for (--transport tcp|udp, --listen).
std::unique_ptr<RtpTransport> make_transport(const ClientOptions& options, asio::io_context& io);

}  // namespace flowcast::client
