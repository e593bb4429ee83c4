#include "client/playout/picture_ledger.hpp"

#include <algorithm>
#include <cmath>

namespace flowcast::client {

namespace {
constexpr size_t kSteps = 32;         // steps the frame interval is taken from
constexpr int64_t kMinStep90k = 300;  // 300 pictures a second
}  // namespace

void PictureLedger::seen(int64_t ts) {
  // A straggler of a picture already settled changes nothing.
  if (settled_.last_ts && ts <= *settled_.last_ts) return;
  open_.try_emplace(ts, uint8_t{0});
  if (!newest_ || ts > *newest_) newest_ = ts;
  settle_old();
}

void PictureLedger::dropped(int64_t ts) {
  if (auto it = open_.find(ts); it != open_.end()) it->second |= kDropped;
}

void PictureLedger::released(int64_t ts) {
  if (auto it = open_.find(ts); it != open_.end()) it->second |= kReleased;
}

void PictureLedger::settle(Settled& s, int64_t ts, uint8_t state, bool held) {
  ++s.tally.seen;
  if (state & kReleased)
    ++s.tally.released;
  else if (held)
    ++s.tally.pending;
  else if (state & kDropped)
    ++s.tally.dropped;
  else
    ++s.tally.late;
  if (s.last_ts) {
    const int64_t step = ts - *s.last_ts;
    // Steps under kMinStep90k are no frame interval (hidden pictures a
    // sender sends a tick apart); they are pictures all the same.
    if (step >= kMinStep90k) {
      s.steps.push_back(step);
      if (s.steps.size() > kSteps) s.steps.pop_front();
      const int64_t interval = *std::min_element(s.steps.begin(), s.steps.end());
      // Pictures the sender sent in between, of which nothing came.
      if (step <= kMaxGap90k && step * 2 > interval * 3)
        s.tally.missing += static_cast<uint64_t>(
            std::llround(static_cast<double>(step) / static_cast<double>(interval)) - 1);
    }
  }
  s.last_ts = ts;
}

void PictureLedger::settle_old() {
  while (!open_.empty()) {
    auto it = open_.begin();
    const bool too_many = open_.size() > kMaxOpen;
    if (!too_many && (it->first + kSettleAfter90k > *newest_ || held_(it->first))) break;
    settle(settled_, it->first, it->second, !too_many && held_(it->first));
    open_.erase(it);
  }
}

PictureTally PictureLedger::tally() const {
  Settled s = settled_;
  for (const auto& [ts, state] : open_) settle(s, ts, state, held_(ts));
  return s.tally;
}

}  // namespace flowcast::client
