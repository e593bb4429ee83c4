#pragma once
// Link delivery: how a session's RTP packets reach its transport, across the
// emulated link (common/netem, docs/LINK.md) when there is one.
//
// route() takes each packet with the time it is offered. Without emulation,
// a packet due now with nothing queued ahead of it joins the burst that
// flush() hands to the transport in one call (one sendmmsg over UDP). Any
// other packet waits in the delivery queue, ordered by delivery time behind
// one timer, until it is due: a paced burst until its send time, and with
// emulation every packet, once the LinkEmulator has decided its fate (it may
// drop it, delay it, or deliver it twice). Packets due together leave
// together.
//
// RTCP crosses the same link (control()): the emulator may delay or drop it
// as it does media, and it never overtakes a packet offered before it, so a
// sender report reaches the client behind the media it describes. The BYE
// goes out behind every packet still crossing the link: the session sends it
// through after_crossing().
//
// Threads: the server's network thread only. Owned by its session; while its
// timer waits, the handler holds the session through Sink::keep_alive().
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "common/netem/link_emulator.hpp"
#include "server/session/outbound_packet.hpp"

namespace flowcast::server {

class LinkDelivery {
 public:
  using Clock = std::chrono::steady_clock;
  using Packet = OutboundPacket;

  // Where packets go when they are due: the session, towards its transport.
  class Sink {
   public:
    // Hands media packets to the transport, in order; they are consumed.
    virtual void send_burst(std::span<Packet> packets) = 0;
    // Hands one RTCP packet to the transport (not counted as media).
    virtual void send_control(Packet&& packet) = 0;
    // Keeps the sink (and the delivery it owns) alive while a timer waits.
    virtual std::shared_ptr<void> keep_alive() = 0;

   protected:
    ~Sink() = default;
  };

  // Emulates `link` when link.active(); link.reliable says TCP.
  LinkDelivery(asio::io_context& io, const common::LinkConfig& link, Sink& sink);

  // A packet enters the link at `offer_at` (now, or later for a paced burst),
  // or when the packet offered before it does, if that is later: a packet
  // never overtakes one offered before it, except by the emulated link's own
  // reordering. Due now with nothing ahead: into the burst. Otherwise into
  // the queue, unless the emulated link drops it.
  void route(Packet&& packet, Clock::time_point offer_at);
  // An RTCP packet enters the link at `offer_at`, like route(), and leaves
  // through Sink::send_control() in its place among the media.
  void control(Packet&& packet, Clock::time_point offer_at);
  // Sends the burst route() collected, if any.
  void flush();
  // TCP over an emulated bottleneck: when its queue has room for a packet of
  // `bytes`, if it has none at `now` (the session waits until then).
  // nullopt: room now, or no bottleneck.
  std::optional<Clock::time_point> blocked_until(size_t bytes, Clock::time_point now) const;
  // When the last packet offered enters the link (the epoch before any): a
  // packet offered for earlier enters then instead.
  Clock::time_point last_offer() const { return last_offer_; }
  // Runs `then` once no packet is queued: at once when none is, otherwise
  // after the last one has left. Only the last call's `then` runs.
  void after_crossing(std::function<void()> then);
  // Stops delivering: the timer is cancelled, what is queued stays. For a
  // session that has ended. Idempotent.
  void close();

  // What the emulated link did (all zero without emulation).
  const common::LinkCounters& counters() const;

 private:
  void schedule();
  void deliver_due();

  Sink& sink_;
  std::optional<common::LinkEmulator> link_;
  // Ordered by delivery time, equal times in the order queued. Offers come
  // in time order, so a packet joins at the back unless the emulated link
  // reorders it: no allocation per packet once the deque has grown.
  struct Entry {
    Clock::time_point at;
    Packet packet;
    bool control = false;  // RTCP: leaves through Sink::send_control()
  };
  std::deque<Entry> queue_;
  // When the last packet offered entered the link: offers are kept in order.
  Clock::time_point last_offer_{};
  void offer(Packet&& packet, Clock::time_point offer_at, bool control);
  void enqueue(Clock::time_point at, Packet&& packet, bool control);
  asio::steady_timer timer_;
  std::optional<Clock::time_point> armed_for_;
  // Packets due now, sent together by flush(); empty between handlers.
  std::vector<Packet> burst_;
  std::function<void()> after_crossing_;
  bool closed_ = false;
};

}  // namespace flowcast::server
