#pragma once
// The sequence numbers a NACK asks for (--nack; RFC 4585 §6.2.1, Generic
// NACK): a packet that jumps past the highest number inserted leaves the
// numbers between missing, when there are at most kMaxRun of them (a longer
// burst is not worth asking for). Each missing number is handed out once
// (take_new()); one that then arrives counts as recovered, and the time from
// its NACK to its arrival is a round trip (the request's way, the sender's
// turn, the retransmission's way: what a retransmission costs the playout
// delay). A number that arrives on its own, merely reordered, after its
// NACK went out gives too short a sample: the caller smooths them.
//
// Units: extended sequence numbers (RFC 3550 A.1) in, 16-bit ones out.
// Memory stays bounded: missing numbers not yet handed out, and handed out
// but not yet answered, are each kept up to kMaxTracked (the newest).
//
// Threads: none of its own; not thread-safe, the ReceiveBuffer calls it with
// its lock held.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace flowcast::client {

class GapTracker {
 public:
  static constexpr size_t kMaxTracked = 1024;
  static constexpr int64_t kMaxRun = 256;

  using SteadyTime = std::chrono::steady_clock::time_point;
  struct Arrival {
    bool recovered = false;  // it was found missing, and now arrived
    // From the NACK that asked for it to its arrival; nullopt when no NACK
    // had asked yet.
    std::optional<std::chrono::microseconds> round_trip;
  };

  // The packet of extended number seq arrived at `arrival`, before which
  // the highest number inserted was `highest` (-1: none).
  Arrival on_packet(int64_t seq, int64_t highest, SteadyTime arrival);
  // The numbers found missing since the last call and still missing, oldest
  // first, asked for (a NACK sent) at `now`.
  std::vector<uint16_t> take_new(SteadyTime now);

 private:
  std::vector<int64_t> new_;  // found missing, not yet handed out
  // Found missing, not yet arrived: when a NACK asked for it (nullopt: not
  // yet handed out).
  std::map<int64_t, std::optional<SteadyTime>> asked_;
};

}  // namespace flowcast::client
