// Nearest-rank percentiles: latency p50/p95, the A/V and beep-flash offsets,
// the playout calibration and the held packets' median, the load tool's p1.
// (The QoE score's median of segment scores is the upper median, its own.)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace flowcast::common {

// The nearest rank of `fraction` (0..1) among n values, as an index into them
// sorted: ceil(fraction × n), 1-based, clamped to 1..n, minus one. The value
// there is the smallest with at least that fraction of the values at or below
// it (the nearest-rank method; p50 of 4 values is the 2nd, of 5 the 3rd).
// n must be at least 1.
inline size_t nearest_rank_index(double fraction, size_t n) {
  const auto rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(n)));
  return std::clamp<size_t>(rank, 1, n) - 1;
}

// The nearest-rank percentile of values sorted ascending; `fraction` is 0..1
// (0.95 for p95). The caller ensures `sorted` is not empty.
template <class T>
T nearest_rank(const std::vector<T>& sorted, double fraction) {
  return sorted[nearest_rank_index(fraction, sorted.size())];
}

// The same for values in any order, found in O(n) with std::nth_element: the
// values are partly reordered in place. The caller ensures `values` is not
// empty.
template <class T>
T nearest_rank_unsorted(std::vector<T>& values, double fraction) {
  const auto at =
      values.begin() + static_cast<std::ptrdiff_t>(nearest_rank_index(fraction, values.size()));
  std::nth_element(values.begin(), at, values.end());
  return *at;
}

}  // namespace flowcast::common
