#pragma once
// The sequence numbers a NACK asks for (--nack; RFC 4585 §6.2.1, Generic
// NACK): a packet that jumps past the highest number inserted leaves the
// numbers between missing, when there are at most kMaxRun of them (a longer
// burst is not worth asking for). Each missing number is handed out once
// (take_new()); one that then arrives counts as recovered.
//
// Units: extended sequence numbers (RFC 3550 A.1) in, 16-bit ones out.
// Memory stays bounded: missing numbers not yet handed out, and handed out
// but not yet answered, are each kept up to kMaxTracked (the newest).
//
// Threads: none of its own; not thread-safe, the ReceiveBuffer calls it with
// its lock held.
#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

namespace flowcast::client {

class GapTracker {
 public:
  static constexpr size_t kMaxTracked = 1024;
  static constexpr int64_t kMaxRun = 256;

  // The packet of extended number seq arrived, before which the highest
  // number inserted was `highest` (-1: none). true: it was asked for, and
  // is recovered.
  bool on_packet(int64_t seq, int64_t highest);
  // The numbers found missing since the last call, oldest first.
  std::vector<uint16_t> take_new();

 private:
  std::vector<uint16_t> new_;  // found missing, not yet handed out
  std::set<int64_t> asked_;    // handed out (or about to be), not yet arrived
};

}  // namespace flowcast::client
