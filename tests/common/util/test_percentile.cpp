// The nearest-rank percentile of percentile.hpp: the rank rule at the edges,
// and the unsorted form agreeing with the sorted one.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "common/util/percentile.hpp"

using namespace flowcast::common;

TEST_CASE("nearest rank: ceil(fraction x n), 1-based, clamped", "[unit][percentile]") {
  CHECK(nearest_rank_index(0.5, 1) == 0);
  CHECK(nearest_rank_index(0.5, 4) == 1);  // the 2nd of 4
  CHECK(nearest_rank_index(0.5, 5) == 2);  // the 3rd of 5
  CHECK(nearest_rank_index(0.95, 20) == 18);
  CHECK(nearest_rank_index(0.95, 21) == 19);  // ceil(19.95) = 20th
  CHECK(nearest_rank_index(0.0, 7) == 0);     // clamped up to the first
  CHECK(nearest_rank_index(1.0, 7) == 6);
  CHECK(nearest_rank_index(1.5, 7) == 6);  // clamped down to the last
}

TEST_CASE("nearest rank of sorted values", "[unit][percentile]") {
  const std::vector<double> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  CHECK(nearest_rank(v, 0.5) == 5);
  CHECK(nearest_rank(v, 0.95) == 10);
  CHECK(nearest_rank(v, 0.01) == 1);
}

TEST_CASE("nearest rank of values in any order matches the sorted answer", "[unit][percentile]") {
  std::vector<int64_t> values{40, -3, 17, 17, 99, 0, 5, 23, 8};
  std::vector<int64_t> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  for (double f : {0.0, 0.1, 0.5, 0.9, 1.0}) {
    std::vector<int64_t> copy = values;
    INFO("fraction " << f);
    CHECK(nearest_rank_unsorted(copy, f) == nearest_rank(sorted, f));
  }
}
