#pragma once
// How a session's packets reach its client: the one interface a Session
// writes through, as the client's RtpTransport is the one it reads from. A
// transport is the seed's Duplex on the server side: RTP and RTCP out, the
// client's RTCP in. It knows its sockets, its framing (RFC 4571, RFC 2326
// §10.12 interleaving, plain datagrams) and its send queue, and nothing of
// RTP beyond that: pacing, retransmission, the emulated link, sender reports,
// the BYE and the silence rule are the Session's.
//
// The transports (server/transport/): TcpSessionTransport (flowcast over TCP),
// UdpSessionTransport (flowcast over UDP, one UdpService for all),
// PushTransport (--push), RtspInterleavedTransport and RtspUdpTransport (RTSP).
// Adding one is one class implementing this interface and the place that
// builds it (the server's admission, or the RTSP SETUP).
//
// Ownership: a transport is made as a shared_ptr and handed to its Session,
// which starts it, writes through it, and release()s it when it ends. Every
// asynchronous handler of a transport holds its session, or once released
// the transport itself (hold()), so neither goes while a handler waits.
//
// Threads: the server's network thread only; nothing blocks.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "server/session/outbound_packet.hpp"
#include "server/session/session_stats.hpp"

namespace flowcast::server {

class SessionTransport : public std::enable_shared_from_this<SessionTransport> {
 public:
  // What a transport reports to its session, on the network thread, from
  // within its own handlers (never from within a call the session made,
  // except close() and abort(), which report on_closed()).
  class Events {
   public:
    // One RTCP packet (compound or not) from the client; the span is valid
    // during the call only.
    virtual void on_rtcp(std::span<const uint8_t> packet) = 0;
    // The send queue drained to half its bound or below: a session held back
    // (held_back()) goes on.
    virtual void on_drained() = 0;
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
  };

  // What send_burst() took.
  struct Sent {
    uint64_t packets = 0;
    uint64_t bytes = 0;
  };

  virtual ~SessionTransport() = default;

  // Starts the transport (reading the client's RTCP, probing the socket):
  // from now on it reports to `events`, which it borrows until release().
  // Called once, by Session::begin().
  virtual void start(Events& events) { events_ = &events; }
  // Hands one RTP or RTCP packet of media stream `stream` (its index in the
  // session, SDP order: 0 the video) on, after every packet handed before.
  // flowcast's TCP and UDP carry every stream on one connection or socket
  // pair (the receiver tells them apart by SSRC); RTSP gives each stream its
  // own interleaved channels or UDP ports, and drops a packet of a stream
  // not set up. Returns false when it is dropped (the send queue or the
  // kernel's is full, the stream is not set up, or the transport is closed).
  virtual bool send(std::vector<uint8_t>&& packet, size_t stream) = 0;
  // The same, of stream 0.
  bool send(std::vector<uint8_t>&& packet) { return send(std::move(packet), 0); }
  // Hands a burst of media packets on, in order (UDP: one sendmmsg, runs of
  // equal size segmented); each says its stream (OutboundPacket::stream()).
  // The packets are consumed; those not taken were dropped. By default each
  // goes through send() in a buffer of its own.
  virtual Sent send_burst(std::span<OutboundPacket> packets);
  // The burst of equal-sized packets to the client leaves in one segmented
  // send (UDP GSO): the session then pads a burst to one size.
  virtual bool segments_bursts() const { return false; }
  // The send queue, with `extra_bytes` more, is past its bound: a file
  // session pauses, a live one keeps its frames back (on_drained() follows).
  virtual bool held_back(size_t /*extra_bytes*/) const { return false; }
  // Bytes in the transport's own send queue, not yet taken by the kernel.
  virtual size_t queued_bytes() const { return 0; }
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
  // The session has ended: no event is reported from now on, and what the
  // transport shares with others (a UDP address, RTSP ports) is given back.
  // Idempotent.
  virtual void release() { events_ = nullptr; }

 protected:
  // What an asynchronous handler captures: its session while it has one
  // (which holds the transport), or else the transport itself.
  std::shared_ptr<void> hold() {
    if (events_) return events_->keep_alive();
    return shared_from_this();
  }

  Events* events_ = nullptr;  // between start() and release()
};

}  // namespace flowcast::server
