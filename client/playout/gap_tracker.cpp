#include "client/playout/gap_tracker.hpp"

namespace flowcast::client {

bool GapTracker::on_packet(int64_t seq, int64_t highest) {
  const bool recovered = asked_.erase(seq) > 0;
  if (highest >= 0 && seq > highest + 1 && seq - highest <= kMaxRun) {
    for (int64_t m = highest + 1; m < seq; ++m) {
      new_.push_back(static_cast<uint16_t>(m));
      asked_.insert(m);
    }
  }
  while (asked_.size() > kMaxTracked) asked_.erase(asked_.begin());
  if (new_.size() > kMaxTracked)
    new_.erase(new_.begin(), new_.begin() + static_cast<long>(new_.size() - kMaxTracked));
  return recovered;
}

std::vector<uint16_t> GapTracker::take_new() {
  std::vector<uint16_t> out;
  out.swap(new_);
  return out;
}

}  // namespace flowcast::client
