#pragma once
// How a session's packets reach its client: the one stream a Session writes
// to, as the client's RtpTransport is the one it reads from. A transport is
// the seed's Duplex (common/stream/stream.hpp) on the server side: a
// Writable of the session's outbound RTP and RTCP packets, and a Readable of
// the client's RTCP, piped into the Session. It knows its sockets, its
// framing (RFC 4571, RFC 2326 §10.12 interleaving, plain datagrams) and its
// send queue, and nothing of RTP beyond that: pacing, retransmission, the
// emulated link, sender reports, the BYE and the silence rule are the
// Session's.
//
// Backpressure is the stream's: write() returns false once the transport's
// own send queue holds more than its high-water mark (high_water_mark(),
// bytes), and the transport emits drain (on_drain) once it has fallen to
// half of it. A datagram transport has no queue of its own (a full kernel
// buffer drops the packet): its write() never refuses.
//
// The transports (server/transport/): TcpSessionTransport (flowcast over TCP),
// UdpSessionTransport (flowcast over UDP, one UdpService for all),
// PushTransport (--push), RtspInterleavedTransport and RtspUdpTransport (RTSP).
// Adding one is one class implementing this interface and the place that
// builds it (the server's admission, or the RTSP SETUP).
//
// Ownership: a transport is made as a shared_ptr and handed to its Session,
// which pipes itself to it, starts it, writes to it, and release()s it when
// it ends. Every asynchronous handler of a transport holds its session, or
// once released the transport itself (hold()), so neither goes while a
// handler waits.
//
// Threads: the server's network thread only (drain is emitted there too);
// nothing blocks.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/stream/stream.hpp"
#include "server/session/outbound_packet.hpp"
#include "server/session/session_stats.hpp"

namespace flowcast::server {

// One RTCP packet (compound or not) from the client, without its framing.
// It borrows the transport's read buffer: valid during the write() that
// hands it over only.
using ReceivedRtcp = std::span<const uint8_t>;

// Writable<OutboundPacket>: write() hands one RTP or RTCP packet on, after
// every packet handed before; the packet's stream() is its media stream (its
// index in the session, SDP order: 0 the video). flowcast's TCP and UDP carry
// every stream on one connection or socket pair (the receiver tells them
// apart by SSRC); RTSP gives each stream its own interleaved channels or UDP
// ports. A packet the transport cannot send (the kernel's buffer is full, its
// stream is not set up) is dropped, as its policy says; write() returns false
// past the high-water mark (the packet was taken) and when the transport is
// closed (dropped; on_closed() has been or is being reported). end() is
// close().
// Readable<ReceivedRtcp>: every RTCP packet from the client is pushed into
// the Writable piped to it (the Session), between start() and release(). The
// end of the client's RTCP is not an end() downstream: on_closed() says why.
class SessionTransport : public common::Duplex<OutboundPacket, ReceivedRtcp>,
                         public std::enable_shared_from_this<SessionTransport> {
 public:
  // What a transport reports to its session besides the packets, on the
  // network thread, from within its own handlers (never from within a call
  // the session made, except close() and abort(), which report on_closed()).
  class Events {
   public:
    // TCP_INFO and SIOCOUTQ of the socket under the transport (TCP only),
    // read every 100 to 200 ms and when it closes.
    struct KernelEvidence {
      double rwnd_limited_ms = 0;    // held back by the client's window, in total
      double sndbuf_limited_ms = 0;  // held back by the kernel's send buffer, in total
      uint64_t unsent_bytes = 0;     // in the kernel's send queue now
    };
    virtual void on_kernel_evidence(const KernelEvidence& evidence) = 0;
    // The transport is gone: closed after close() or abort(), or by an error
    // or the client (reason says which; empty after close()). Reported once.
    virtual void on_closed(const std::string& reason) = 0;
    // Keeps the session (and the transport it holds) alive while a handler
    // of the transport waits.
    virtual std::shared_ptr<void> keep_alive() = 0;

   protected:
    ~Events() = default;
  };

  // What the session does differently per transport.
  struct Traits {
    Transport kind = Transport::tcp;    // the metrics' "transport"
    const char* protocol = "flowcast";  // the metrics' "protocol": "flowcast", "rtsp", "rtp"
    // RTCP sender reports every Session::kSenderReportInterval (not to a
    // --push receiver, whose RTCP is not read).
    bool sender_reports = true;
    // The session ends after FeedbackHandler::kTimeout without RTCP from the
    // client: flowcast's own clients. RTSP has its own keepalive (RFC 2326
    // §12.37), and a push receiver need not send any.
    bool watch_silence = false;
    // A client let go for its silence is sent a BYE saying so first (a
    // datagram peer whose reports were lost on the way; over TCP the
    // connection's close says it).
    bool bye_on_silence = false;
    // Bytes the transport adds to each packet in its send queue (RFC 4571's
    // length: 2; RFC 2326 §10.12's '$', channel, length: 4), for the bound
    // that NACK answers share with media.
    size_t framing_bytes = 0;
    // No SDP reaches the client (flowcast's own TCP and UDP): a session of
    // several streams describes itself in band, in an RTCP APP "FCSD" with
    // its reports (Session::send_sender_report).
    bool describes_in_band = false;
  };

  // What write_burst() did.
  struct Sent {
    uint64_t packets = 0;  // taken (the rest were dropped)
    uint64_t bytes = 0;    // of those, on the wire without framing
    // As write()'s false: past the high-water mark (or closed); wait for
    // drain before writing more.
    bool past_mark = false;
  };

  // Starts the transport (reading the client's RTCP, probing the socket):
  // from now on it reports to `events`, which it borrows until release(),
  // and pushes the client's RTCP into the Writable piped to it (pipe()
  // first). Called once, by Session::begin().
  virtual void start(Events& events) { events_ = &events; }
  // Writable<OutboundPacket>: one packet on (see the class comment).
  bool write(OutboundPacket packet) override = 0;
  // Hands a burst of packets on, in order, as write() would each (UDP: one
  // sendmmsg, runs of equal size segmented; TCP: one append to the send
  // queue). The packets are consumed. By default each goes through write().
  virtual Sent write_burst(std::span<OutboundPacket> packets);
  // No more writes: close().
  void end() override { close(); }
  // The burst of equal-sized packets to the client leaves in one segmented
  // send (UDP GSO): the session then pads a burst to one size.
  virtual bool segments_bursts() const { return false; }
  // Bytes the send queue holds before write() refuses (the bound a NACK's
  // answers share with media); no bound by default (a datagram transport).
  virtual size_t high_water_mark() const { return std::numeric_limits<size_t>::max(); }
  // Bytes in the transport's own send queue, not yet taken by the kernel.
  virtual size_t queued_bytes() const { return 0; }
  // `bytes` more would fit under the high-water mark.
  bool has_room(size_t bytes) const {
    const size_t mark = high_water_mark();
    return queued_bytes() <= mark && bytes <= mark - queued_bytes();
  }
  // Reads the client's RTCP already waiting, now (before its silence is
  // judged); by default there is no way to.
  virtual void read_pending() {}
  // The client, for the log and the metrics: "ADDRESS:PORT".
  virtual std::string peer() const = 0;
  virtual const Traits& traits() const = 0;
  // Closes once what is queued has left (the BYE last), then reports
  // on_closed(). Called once.
  virtual void close() = 0;
  // Closes now, without waiting for what is queued (the client fell silent),
  // and reports on_closed(reason).
  virtual void abort(const std::string& reason) = 0;
  // The session has ended: no event is reported, no RTCP pushed and no
  // drain emitted from now on, and what the transport shares with others (a
  // UDP address, RTSP ports) is given back. Idempotent.
  virtual void release();

 protected:
  // What an asynchronous handler captures: its session while it has one
  // (which holds the transport), or else the transport itself.
  std::shared_ptr<void> hold() {
    if (events_) return events_->keep_alive();
    return shared_from_this();
  }
  // One RTCP packet from the client into the piped Writable, while started.
  void deliver_rtcp(ReceivedRtcp packet);
  // What write() returns for a packet it drops: drop() for one the
  // transport could not send (true: writing on is fine), drop_closed() for one
  // written to a transport closed or released (false). Both are counted, so
  // write_burst() can say what was taken.
  bool drop() {
    ++dropped_;
    return true;
  }
  bool drop_closed() {
    ++dropped_;
    return false;
  }
  // What write() returns for a packet taken into a queue now holding
  // `queued` bytes: false past the high-water mark, and then drained()
  // emits drain once.
  bool below_mark(size_t queued);
  // The send queue fell to half its mark or below: drain, once after a
  // refusal, while started.
  void drained();

  Events* events_ = nullptr;  // between start() and release()

 private:
  bool refused_ = false;  // a write returned false; drain not emitted yet
  uint64_t dropped_ = 0;  // packets write() did not send
};

}  // namespace flowcast::server
