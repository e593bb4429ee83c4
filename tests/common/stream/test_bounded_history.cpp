// BoundedWindow and RecentSet: never more than their capacity, the oldest
// forgotten first.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "common/stream/bounded_history.hpp"

using namespace flowcast::common;

TEST_CASE("BoundedWindow keeps the last values pushed, oldest first", "[unit][stream]") {
  BoundedWindow<int> w(3);
  CHECK(w.empty());
  for (int i = 1; i <= 5; ++i) w.push(i);
  CHECK(w.size() == 3);
  CHECK(std::vector<int>(w.begin(), w.end()) == std::vector<int>{3, 4, 5});
  w.clear();
  CHECK(w.empty());
}

TEST_CASE("RecentSet remembers the last distinct values inserted", "[unit][stream]") {
  RecentSet<int64_t> s(3);
  CHECK(s.insert(10));
  CHECK_FALSE(s.insert(10));  // already there: no second entry
  CHECK(s.insert(11));
  CHECK(s.insert(12));
  CHECK(s.size() == 3);
  CHECK(s.insert(13));  // forgets 10, the oldest
  CHECK_FALSE(s.contains(10));
  CHECK(s.contains(11));
  CHECK(s.contains(13));
  CHECK(s.size() == 3);
  for (int64_t v = 100; v < 10'000; ++v) s.insert(v);
  CHECK(s.size() == 3);
  CHECK(s.contains(9'999));
}
