#pragma once
// Feedback handling: the RTCP a client sends its session (RFC 3550 receiver
// reports, RFC 4585 PLI and generic NACK, BYE), parsed and dispatched to the
// session, and the client's silence noticed.
//
// Any well-formed RTCP packet is a keepalive. handle() counts it, then tells
// the listener, in this order: the receiver reports, each of their report
// blocks with the reports' arrival on the server's NTP clock (RFC 3550
// §6.4.1: the round trip is computed from it), the PLIs, the NACKs of
// the compound packet together (so the answers leave as one burst), and last
// a BYE. What does not parse is ignored. watch() checks every second, and
// tells the listener once the client has sent no RTCP for kTimeout (TCP and
// UDP alike: an idle client must not hold a --max-clients slot), after
// having the listener read what RTCP is already waiting.
//
// Threads: the server's network thread only. Owned by its session; while its
// timer waits, the handler holds the session through Listener::keep_alive().
#include <asio.hpp>
#include <chrono>
#include <memory>
#include <span>

#include "common/rtp/rtcp.hpp"

namespace flowcast::server {

class FeedbackHandler {
 public:
  using Clock = std::chrono::steady_clock;
  // A client that sends no RTCP for this long is gone.
  static constexpr auto kTimeout = std::chrono::seconds(5);

  // The session, told what its client said.
  class Listener {
   public:
    // `count` receiver reports arrived (at least one).
    virtual void on_receiver_reports(size_t count) = 0;
    // One report block of a receiver report, about whichever SSRC it names;
    // `arrival_ntp_middle`: when the report arrived, as the middle 32 bits
    // of the server's 64-bit NTP clock (ntp_now(); 1/65536 s), the A of RFC
    // 3550 §6.4.1's round trip A - LSR - DLSR.
    virtual void on_report_block(const common::ReportBlock& /*block*/,
                                 uint32_t /*arrival_ntp_middle*/) {}
    // The picture loss indications of one compound packet, in wire order
    // (at least one), each naming the stream it is about by media SSRC.
    virtual void on_plis(std::span<const common::PictureLossIndication> plis) = 0;
    // The generic NACKs of one compound packet, in wire order (at least one).
    virtual void on_nacks(std::span<const common::GenericNack> nacks) = 0;
    // The client said goodbye.
    virtual void on_bye() = 0;
    // No RTCP for kTimeout.
    virtual void on_silence() = 0;
    // Keeps the listener (and the handler it owns) alive while a timer waits.
    virtual std::shared_ptr<void> keep_alive() = 0;
    // Reads at once what RTCP already waits in the transport, before the
    // silence is judged: a busy server must not end a client for reports
    // it has not read yet.
    virtual void read_pending_feedback() {}

   protected:
    ~Listener() = default;
  };

  FeedbackHandler(asio::io_context& io, Listener& listener);

  // One RTCP packet (compound or not) from the client, arrived now.
  void handle(std::span<const uint8_t> packet);
  // The same, arrived at `arrival_ntp` on the server's NTP clock (64 bits).
  void handle(std::span<const uint8_t> packet, uint64_t arrival_ntp);
  // Counts the silence from `now`, as if the client had just spoken (the
  // session starts).
  void restart(Clock::time_point now) { last_heard_ = now; }
  // Starts watching for silence. Call once.
  void watch();
  // Stops watching: the timer is cancelled. For a session that has ended.
  // Idempotent.
  void close();

 private:
  Listener& listener_;
  asio::steady_timer silence_timer_;
  Clock::time_point last_heard_;
  bool closed_ = false;
};

}  // namespace flowcast::server
