#include "client/playout/gap_tracker.hpp"

namespace flowcast::client {

GapTracker::Arrival GapTracker::on_packet(int64_t seq, int64_t highest, SteadyTime arrival) {
  Arrival answer;
  if (auto it = asked_.find(seq); it != asked_.end()) {
    answer.recovered = true;
    if (it->second && arrival >= *it->second)
      answer.round_trip =
          std::chrono::duration_cast<std::chrono::microseconds>(arrival - *it->second);
    asked_.erase(it);
  }
  if (highest >= 0 && seq > highest + 1 && seq - highest <= kMaxRun) {
    for (int64_t m = highest + 1; m < seq; ++m) {
      new_.push_back(m);
      asked_.emplace(m, std::nullopt);
    }
  }
  while (asked_.size() > kMaxTracked) asked_.erase(asked_.begin());
  if (new_.size() > kMaxTracked)
    new_.erase(new_.begin(), new_.begin() + static_cast<long>(new_.size() - kMaxTracked));
  return answer;
}

std::vector<uint16_t> GapTracker::take_new(SteadyTime now) {
  std::vector<uint16_t> out;
  out.reserve(new_.size());
  for (int64_t m : new_) {
    // One that arrived meanwhile (reordered) is not asked for.
    auto it = asked_.find(m);
    if (it == asked_.end()) continue;
    it->second = now;
    out.push_back(static_cast<uint16_t>(m));
  }
  new_.clear();
  return out;
}

}  // namespace flowcast::client
