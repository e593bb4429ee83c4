#pragma once
// Where each picture the sender sent went, as far as the receive buffer
// sees it: the buffer tells the ledger of every packet's access unit (by its
// unwrapped 90 kHz timestamp) as it arrives, is discarded by the overflow
// policy, or leaves for the decoder. A picture of which no packet ever
// arrived is known from the gaps in the timestamps: the sender's frame
// interval is the smallest recent step between timestamps, and a larger
// step means pictures were lost whole (RFC 3550 timestamps, §5.1).
//
// The pictures the ledger settles (decided long ago: left for the decoder,
// discarded, or arrived only after playout had passed them) are summed and
// forgotten, so memory stays bounded (kMaxOpen timestamps). See
// docs/METRICS.md, "Frame conservation".
//
// Threads: none of its own; the ReceiveBuffer calls it with its lock held.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>

namespace flowcast::client {

// Pictures by what the buffer did with them. Every timestamp seen is in
// exactly one of released, dropped, late and pending; missing ones were
// never seen.
struct PictureTally {
  uint64_t seen = 0;      // timestamps of which at least one packet arrived
  uint64_t released = 0;  // left for the decoder (whole or as a loss)
  uint64_t dropped = 0;   // every packet that came was discarded by the overflow policy
  uint64_t late = 0;      // packets came only after playout had passed the picture
  uint64_t pending = 0;   // still held in the buffer at the tally
  uint64_t missing = 0;   // no packet at all: lost whole (from timestamp gaps)
};

class PictureLedger {
 public:
  // Undecided timestamps this far behind the newest are settled.
  static constexpr int64_t kSettleAfter90k = 10 * 90'000;
  // A step between timestamps this long is a pause or a discontinuity of
  // the sender, not lost pictures.
  static constexpr int64_t kMaxGap90k = 10 * 90'000;
  // Timestamps kept undecided at most (hostile senders); older ones settle.
  static constexpr size_t kMaxOpen = 4096;

  // held(ts): the buffer still holds packets of that access unit; a
  // timestamp it holds is not settled.
  explicit PictureLedger(std::function<bool(int64_t)> held) : held_(std::move(held)) {}

  void seen(int64_t ts);
  void dropped(int64_t ts);
  void released(int64_t ts);
  // Everything so far; what is still held counts as pending.
  PictureTally tally() const;

 private:
  enum : uint8_t { kReleased = 1, kDropped = 2 };
  struct Settled {
    PictureTally tally;
    std::optional<int64_t> last_ts;
    std::deque<int64_t> steps;  // recent steps between settled timestamps
  };
  // Adds one timestamp's outcome to `s`, in timestamp order.
  static void settle(Settled& s, int64_t ts, uint8_t state, bool held);
  void settle_old();

  std::function<bool(int64_t)> held_;
  std::map<int64_t, uint8_t> open_;  // timestamp -> kReleased | kDropped
  std::optional<int64_t> newest_;
  Settled settled_;
};

}  // namespace flowcast::client
