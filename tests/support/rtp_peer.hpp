#pragma once
// Test support: flowcast's wire protocol spoken from a test with plain
// sockets on loopback, so a test can play a client the server did not
// expect (one that floods RTCP, never reads, never speaks) and count what
// the server sends it.
//
//   RtpTally     counts RTP as it arrives: every copy, and each sequence
//                number's first copy (the media a viewer gets anyway), and
//                the IDR pictures among them (RFC 6184).
//   UdpRtpPeer   a UDP viewer: the handshake of common/rtp/handshake.hpp, then
//                RTP in, RTCP out.
//   TcpRtpPeer   a raw TCP connection with RFC 4571 framing both ways.
//
// The rtcp_* functions build what a viewer sends with common/rtp/rtcp.hpp's
// writers. Everything here is single-threaded and never blocks past the
// deadline it is given.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/rtp/handshake.hpp"
#include "common/rtp/rfc4571.hpp"

namespace flowcast::test {

using SteadyTime = std::chrono::steady_clock::time_point;

// What a peer received.
struct RtpCount {
  uint64_t packets = 0;        // RTP packets, repeats included
  uint64_t bytes = 0;          // their bytes (header and payload)
  uint64_t first_packets = 0;  // packets whose sequence number was new
  uint64_t first_bytes = 0;    // their bytes: the media sent anyway
  uint64_t rtcp = 0;           // RTCP packets from the server
  uint64_t malformed = 0;      // neither RTP nor RTCP
  uint64_t idr_pictures = 0;   // IDR access units among first copies
  bool bye = false;            // the server sent an RTCP BYE
  // RTCP APP "FCSD" packets (the session's description, sent in band), and
  // the RTP packets that had come before the first.
  uint64_t descriptions = 0;
  std::optional<uint64_t> packets_before_description;
  uint64_t other_streams = 0;  // RTP packets of another stream (the sound, 97): not counted above
};

// Counts RTP and RTCP from one server session: the video's RTP (payload
// type 96; a file's or the pattern's sound, 97, has its own SSRC and
// sequence numbers and is only counted in other_streams). A sequence number
// counts as new once; that is exact while fewer than 65536 packets arrive.
class RtpTally {
 public:
  void add(std::span<const uint8_t> packet);
  const RtpCount& count() const { return count_; }
  // The server's SSRC, from the first RTP packet.
  std::optional<uint32_t> ssrc() const { return ssrc_; }
  std::optional<uint16_t> first_sequence() const { return first_; }
  // The text of the last APP "FCSD" (zero padding cut); empty before one.
  const std::string& description() const { return description_; }
  // The newest sequence number seen (serial order), and with its wraps.
  std::optional<uint16_t> highest_sequence() const { return highest_; }
  uint32_t extended_highest() const;
  // The n sequence numbers up to and including the highest seen, oldest first.
  std::vector<uint16_t> last_sequences(size_t n) const;

 private:
  RtpCount count_;
  std::string description_;
  std::optional<uint32_t> ssrc_;
  std::optional<uint16_t> first_;
  std::optional<uint16_t> highest_;
  uint32_t cycles_ = 0;
  std::vector<bool> seen_ = std::vector<bool>(65536, false);
  std::set<uint32_t> idr_timestamps_;
};

// True if an H.264 RTP payload (RFC 6184) carries an IDR slice: NAL type 5
// in a single NAL unit packet, in a STAP-A, or in an FU-A start fragment.
bool starts_idr_slice(std::span<const uint8_t> payload);

// Our SSRC as a viewer, in every RTCP packet built here.
inline constexpr uint32_t kPeerSsrc = 0x7e57ca11;

// A receiver report about the server's stream (no block before any RTP).
std::vector<uint8_t> rtcp_receiver_report(const RtpTally& tally);
// One RFC 4585 generic NACK for these sequence numbers (common::write_nack
// orders them by signed distance from the first entry).
std::vector<uint8_t> rtcp_nack(const RtpTally& tally, const std::vector<uint16_t>& sequences);
// All 65536 sequence numbers, ordered so that write_nack puts `oldest` first
// on the wire: a NACK of this list asks, in order, for oldest, oldest + 1, ...
std::vector<uint16_t> every_sequence_from(uint16_t oldest);
std::vector<uint8_t> rtcp_pli(const RtpTally& tally);
// An empty receiver report and a BYE, as RFC 3550 §6.1 builds one.
std::vector<uint8_t> rtcp_bye();

// A UDP socket connected to a flowcast-server on 127.0.0.1.
class UdpRtpPeer {
 public:
  explicit UdpRtpPeer(uint16_t server_port);
  ~UdpRtpPeer();
  UdpRtpPeer(const UdpRtpPeer&) = delete;
  UdpRtpPeer& operator=(const UdpRtpPeer&) = delete;

  // HELLO, COOKIE, HELLO with the cookie, ACCEPT (or FULL), sending HELLO
  // again every 250 ms without an answer, as the client does. The server's
  // final answer (accept or full), or nullopt at the deadline. RTP that
  // arrives meanwhile is counted.
  std::optional<common::HandshakeType> handshake(std::chrono::milliseconds timeout);
  // Reads and counts every datagram that arrives until the deadline.
  void receive_until(SteadyTime deadline);
  // Reads until `ready` holds (checked after each batch) or the deadline.
  template <typename Pred>
  bool receive_until(Pred ready, SteadyTime deadline) {
    while (!ready()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      receive_until(
          std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
    }
    return true;
  }
  // Sends one datagram; false if the kernel refused it.
  bool send(std::span<const uint8_t> datagram);

  const RtpTally& tally() const { return tally_; }
  uint16_t local_port() const { return local_port_; }
  // How the server names this peer in its log and metrics ("127.0.0.1:PORT").
  std::string address() const { return "127.0.0.1:" + std::to_string(local_port_); }

 private:
  void on_datagram(std::span<const uint8_t> datagram);

  int fd_ = -1;
  uint16_t local_port_ = 0;
  RtpTally tally_;
  std::optional<common::HandshakeMessage> last_reply_;
};

// A TCP connection to a flowcast-server on 127.0.0.1, framed as in RFC 4571.
// It reads only when asked to: a peer that never calls receive_until() is a
// viewer that stopped reading.
class TcpRtpPeer {
 public:
  // rcvbuf > 0 sets SO_RCVBUF before connecting (the window it may offer).
  explicit TcpRtpPeer(uint16_t server_port, int rcvbuf = 0);
  ~TcpRtpPeer();
  TcpRtpPeer(const TcpRtpPeer&) = delete;
  TcpRtpPeer& operator=(const TcpRtpPeer&) = delete;

  // Sends one packet behind its 16-bit length; false unless all of it was
  // written before the timeout (the stream's framing is then broken).
  bool send_framed(std::span<const uint8_t> packet,
                   std::chrono::milliseconds timeout = std::chrono::seconds(2));
  // Reads, deframes and counts until the deadline or the end of the
  // connection. False once the server closed it (FIN or reset).
  bool receive_until(SteadyTime deadline);
  template <typename Pred>
  bool receive_until(Pred ready, SteadyTime deadline) {
    while (!ready()) {
      if (closed_ || std::chrono::steady_clock::now() >= deadline) return false;
      receive_until(
          std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
    }
    return true;
  }
  // Reads (and counts) until the server closes the connection; false if it
  // is still open at the deadline.
  bool wait_closed(SteadyTime deadline);
  bool closed() const { return closed_; }

  const RtpTally& tally() const { return tally_; }
  uint16_t local_port() const { return local_port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(local_port_); }

 private:
  int fd_ = -1;
  uint16_t local_port_ = 0;
  bool closed_ = false;
  RtpTally tally_;
  common::Rfc4571Deframer deframer_;
};

}  // namespace flowcast::test
