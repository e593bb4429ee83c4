#pragma once
// A bad network on one machine, without root and without tc: the decisions a
// link makes about each packet, seeded and deterministic. The caller (a
// server session) offers packets and carries out the outcome.
//
// - rate: a bottleneck that sends rate bits per second (a token bucket one
//   packet deep), with a queue of `queue` media time in front of it. Over
//   UDP a packet that finds the queue full is dropped at the tail, as a
//   router does; over TCP the sender is told to wait (would_block()).
// - delay and jitter per packet (uniform in ±jitter). Packets keep their
//   order unless reorder is set, when that share of packets may be overtaken.
// - loss: random, or bursty (Gilbert–Elliott with mean burst length `burst`).
//   Over UDP the packet is gone. Over TCP it is delivered one retransmission
//   timeout (200 ms) late, and every packet behind it waits too
//   (head-of-line blocking).
// - duplicate: that share of packets arrives twice.
//
// Not thread-safe: one session's network thread drives it. Time comes from
// the caller.
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace flowcast::common {

struct LinkConfig {
  int64_t rate_bps = 0;  // 0: no bottleneck
  std::chrono::microseconds queue{200'000};
  std::chrono::microseconds delay{0};
  std::chrono::microseconds jitter{0};
  double loss_percent = 0;
  double burst = 0;  // mean loss burst length in packets; <= 1: independent losses
  double reorder_percent = 0;
  double duplicate_percent = 0;
  uint64_t seed = 1;
  bool reliable = false;  // TCP: loss delays, a full queue blocks

  bool active() const {
    return rate_bps > 0 || delay.count() > 0 || jitter.count() > 0 || loss_percent > 0 ||
           reorder_percent > 0 || duplicate_percent > 0;
  }
};

inline constexpr std::chrono::milliseconds kTcpRetransmissionTimeout{200};

struct LinkCounters {
  uint64_t offered = 0;
  uint64_t dropped_queue = 0;
  uint64_t dropped_loss = 0;  // UDP only
  uint64_t delayed = 0;  // later than their own transmit time: queued, delayed, or lost over TCP
  uint64_t retransmitted = 0;  // TCP: a loss, delivered after the RTO
  uint64_t duplicated = 0;
  uint64_t reordered = 0;
};

class LinkEmulator {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  explicit LinkEmulator(LinkConfig config);

  struct Outcome {
    bool dropped = false;                   // gone (UDP: queue full, or lost)
    TimePoint deliver_at{};                 // when it reaches the receiver
    std::optional<TimePoint> duplicate_at;  // a second copy arrives then
  };

  // A packet of `bytes` enters the link at `now` (offers come in time order).
  Outcome offer(size_t bytes, TimePoint now);
  // A control packet (the sender's RTCP) enters the link at `now`: it waits
  // in the bottleneck queue, takes the wire, is delayed, kept in order and
  // held behind a TCP loss like media, and a full UDP queue drops it; but it
  // draws nothing from the seed (no random loss, jitter, reordering or
  // duplication) and is not counted, so the media's fate under a seed is the
  // same whatever RTCP is sent beside it.
  Outcome offer_control(size_t bytes, TimePoint now);

  // TCP: a packet of `bytes` offered now would overflow the bottleneck
  // queue, so the sender waits. Always false over UDP or without a rate.
  bool would_block(size_t bytes, TimePoint now) const;
  // When would_block() turns false for a packet of `bytes`.
  TimePoint room_at(size_t bytes, TimePoint now) const;
  // Media time queued in front of the bottleneck at `now`.
  std::chrono::microseconds backlog(TimePoint now) const;

  const LinkCounters& counters() const { return counters_; }
  const LinkConfig& config() const { return config_; }

 private:
  bool lose();
  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  std::chrono::microseconds transmit_time(size_t bytes) const;

  LinkConfig config_;
  std::mt19937_64 rng_;
  TimePoint busy_until_{};     // the bottleneck has sent everything queued by then
  TimePoint last_delivery_{};  // order is kept behind this
  TimePoint blocked_until_{};  // TCP head-of-line: nothing arrives before this
  bool bad_state_ = false;     // Gilbert–Elliott
  LinkCounters counters_;
};

}  // namespace flowcast::common
