#pragma once
// flowcast over UDP, on one socket: the HELLO -> cookie -> HELLO+cookie
// handshake, then one UdpSessionTransport per proven client address. RTCP
// from a session's address goes to that session's transport; a session ends
// on BYE or after 5 s without RTCP (its Session's silence rule).
// Network thread only.
#include <sys/socket.h>

#include <array>
#include <asio.hpp>
#include <functional>
#include <map>
#include <memory>

#include "server/session/session_transport.hpp"
#include "server/transport/datagram_sender.hpp"
#include "server/transport/handshake_cookies.hpp"

namespace flowcast::server {

class UdpService;

// One proven client address of the UdpService: datagrams out through the
// service's socket (a burst in one sendmmsg, segmented where the kernel
// can), never refused (a full kernel buffer drops the packet), and the
// address's RTCP pushed into the piped Session. Releasing it frees the
// address for a new session.
class UdpSessionTransport final : public SessionTransport {
 public:
  // Borrows service, which outlives the transport's sends.
  UdpSessionTransport(UdpService& service, asio::ip::udp::endpoint peer)
      : service_(service), endpoint_(std::move(peer)) {}

  // Every stream on the one socket pair: the stream is not needed to tell
  // them apart (their SSRCs do).
  bool write(OutboundPacket packet) override;
  Sent write_burst(std::span<OutboundPacket> packets) override;
  bool segments_bursts() const override;
  void read_pending() override;
  std::string peer() const override;
  const Traits& traits() const override;
  // Nothing waits to leave: closed at once.
  void close() override { abort(""); }
  void abort(const std::string& reason) override;
  void release() override;

  const asio::ip::udp::endpoint& endpoint() const { return endpoint_; }
  // A datagram from the client's address that is RTCP.
  void on_datagram(std::span<const uint8_t> datagram) { deliver_rtcp(datagram); }

 private:
  UdpService& service_;
  asio::ip::udp::endpoint endpoint_;
};

class UdpService {
 public:
  // Hands the transport of a new session for a proven address to the
  // service: the ACCEPT goes out, and the address's RTCP goes to the
  // transport from then on.
  using Accept = std::function<void(std::shared_ptr<UdpSessionTransport>)>;
  // The server's admission of a proven address with no session yet: builds
  // the session and its transport, calls accept() with the transport before
  // the session begins (so the ACCEPT leaves before any media), and returns
  // true; or returns false when the server is full, and the service answers
  // FULL.
  using Admission = std::function<bool(const asio::ip::udp::endpoint& peer, const Accept& accept)>;
  // Throws asio::system_error when the port cannot be bound.
  UdpService(asio::io_context& io, const asio::ip::udp::endpoint& bind, Admission admission);
  ~UdpService();

  // Starts reading. Control comes before media: every wake reads every
  // datagram waiting (up to kReadBatch), and the socket's receive buffer is
  // raised to kReceiveBuffer, so a server busy sending still hears every
  // client's receiver reports.
  void start();
  void stop();
  // Reads what datagrams are waiting now, without blocking (a session about
  // to be ended for silence asks first).
  void read_pending();
  static constexpr size_t kReadBatch = 1024;
  static constexpr int kReceiveBuffer = 4 << 20;
  // The transport's address is free again (for a new session from it).
  void forget(const UdpSessionTransport& transport);
  // Non-blocking send: false when the kernel's send buffer is full.
  bool send_to(std::span<const uint8_t> data, const asio::ip::udp::endpoint& to);
  // Sends a burst of datagrams to `to`, in order, without blocking
  // (DatagramSender: one sendmmsg, runs of equal size segmented). Returns
  // how many the kernel took and adds their bytes to `bytes`.
  size_t send_all(std::span<OutboundPacket> datagrams, const asio::ip::udp::endpoint& to,
                  uint64_t& bytes);
  // Cookies answered per second at most (HELLO floods).
  static constexpr int kCookiesPerSecond = 2000;
  // Whether bursts are segmented (UDP_SEGMENT works on this socket).
  bool segmentation() const { return datagrams_.segmentation(); }
  uint64_t stray_datagrams() const { return stray_; }
  // The port bound (the kernel's pick when asked for port 0).
  uint16_t local_port() const { return socket_.local_endpoint().port(); }

 private:
  void do_receive();
  // Reads up to `limit` waiting datagrams without blocking.
  void read_waiting(size_t limit);
  void on_datagram(std::span<const uint8_t> data, const asio::ip::udp::endpoint& sender);

  asio::ip::udp::socket socket_;
  Admission admission_;
  // send_all's, kept to spare an allocation.
  DatagramSender datagrams_;
  std::array<uint8_t, 65536> buffer_{};   // the asynchronous read's
  std::array<uint8_t, 65536> waiting_{};  // read_waiting's
  asio::ip::udp::endpoint sender_;
  std::map<asio::ip::udp::endpoint, std::shared_ptr<UdpSessionTransport>> sessions_;
  HandshakeCookies cookies_;
  uint64_t stray_ = 0;
  std::chrono::steady_clock::time_point cookie_second_{};
  int cookies_this_second_ = 0;
};

}  // namespace flowcast::server
