// FreezeDetector (W3C webrtc-stats freezes) on hand-made frame times,
// summarize_latency, and write_file_atomic.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "client/metrics/client_metrics.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;

namespace {

const SteadyTime t0 = SteadyTime{} + 1000s;

// Renders `frames` frames `step` apart from `start`; returns the last time.
SteadyTime render_steady(FreezeDetector& d, SteadyTime start, int frames,
                         std::chrono::milliseconds step) {
  SteadyTime t = start;
  for (int i = 0; i < frames; ++i) {
    if (i > 0) t += step;
    d.on_rendered(t);
  }
  return t;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "flowcast-metrics-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) FAIL("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("FreezeDetector: steady frames never freeze", "[unit][metrics][freeze]") {
  FreezeDetector d;
  render_steady(d, t0, 300, 33ms);
  CHECK(d.count() == 0);
  CHECK(d.total_ms() == 0.0);
}

TEST_CASE("FreezeDetector: the wait after the stream ended is no freeze",
          "[unit][metrics][freeze]") {
  FreezeDetector d;
  const SteadyTime t = render_steady(d, t0, 40, 33ms);
  // The sender went silent after the last picture; its end became known
  // 5 s later, and the pictures the decoder held were shown then.
  const SteadyTime end = t + 5000ms;
  d.on_rendered(end + 5ms, end);
  d.on_rendered(end + 6ms, end);
  CHECK(d.count() == 0);
  CHECK(d.total_ms() == 0.0);
  // A gap before the end was known is a freeze as ever.
  FreezeDetector e;
  const SteadyTime u = render_steady(e, t0, 40, 33ms);
  e.on_rendered(u + 1000ms, u + 3000ms);
  CHECK(e.count() == 1);
}

TEST_CASE("FreezeDetector: a gap of max(3 x mean, mean + 150 ms) is a freeze",
          "[unit][metrics][freeze]") {
  FreezeDetector d;
  SteadyTime t = render_steady(d, t0, 40, 33ms);

  SECTION("200 ms after 33 ms frames: a freeze") {
    d.on_rendered(t + 200ms);
    CHECK(d.count() == 1);
    CHECK(d.total_ms() == Approx(200.0));
    // Steady again afterwards: still one.
    render_steady(d, t + 200ms, 60, 33ms);
    CHECK(d.count() == 1);
    CHECK(d.total_ms() == Approx(200.0));
  }

  SECTION("100 ms after 33 ms frames: not a freeze") {
    d.on_rendered(t + 100ms);
    CHECK(d.count() == 0);
    CHECK(d.total_ms() == 0.0);
  }

  SECTION("the threshold itself: mean + 150 ms = 183 ms") {
    d.on_rendered(t + 182ms);
    CHECK(d.count() == 0);
    // Exactly the threshold counts (at least, not more than).
    FreezeDetector e;
    SteadyTime u = render_steady(e, t0, 31, 33ms);
    e.on_rendered(u + 183ms);
    CHECK(e.count() == 1);
    CHECK(e.total_ms() == Approx(183.0));
  }

  SECTION("two freezes add up") {
    d.on_rendered(t + 250ms);
    SteadyTime u = render_steady(d, t + 250ms, 40, 33ms);
    d.on_rendered(u + 400ms);
    CHECK(d.count() == 2);
    CHECK(d.total_ms() == Approx(650.0));
  }
}

TEST_CASE("FreezeDetector: at low frame rates 3 x mean is the bound", "[unit][metrics][freeze]") {
  // 100 ms frames: max(300, 250) = 300 ms.
  FreezeDetector d;
  SteadyTime t = render_steady(d, t0, 31, 100ms);
  d.on_rendered(t + 280ms);
  CHECK(d.count() == 0);
  FreezeDetector e;
  SteadyTime u = render_steady(e, t0, 31, 100ms);
  e.on_rendered(u + 300ms);
  CHECK(e.count() == 1);
  CHECK(e.total_ms() == Approx(300.0));
}

TEST_CASE("FreezeDetector: the mean is over the last 30 frame durations",
          "[unit][metrics][freeze]") {
  // 30 slow frames (100 ms), then 30 fast ones (33 ms): the window holds only
  // the fast ones, so 200 ms is a freeze (it would not be against 100 ms).
  FreezeDetector d;
  SteadyTime t = render_steady(d, t0, 31, 100ms);
  t = render_steady(d, t, 31, 33ms);
  d.on_rendered(t + 200ms);
  CHECK(d.count() == 1);
}

TEST_CASE("summarize_latency: nearest-rank percentiles", "[unit][metrics]") {
  SECTION("empty") {
    // Nothing carried a send time: not measured, rather than 0 ms.
    auto s = summarize_latency({});
    CHECK_FALSE(s.p50);
    CHECK_FALSE(s.p95);
    CHECK_FALSE(s.max);
  }
  SECTION("one value") {
    auto s = summarize_latency({42.5});
    CHECK(s.p50 == 42.5);
    CHECK(s.p95 == 42.5);
    CHECK(s.max == 42.5);
  }
  SECTION("1..100, shuffled") {
    std::vector<double> v(100);
    std::iota(v.begin(), v.end(), 1.0);
    std::shuffle(v.begin(), v.end(), std::mt19937(7));
    auto s = summarize_latency(v);
    CHECK(s.p50 == 50.0);
    CHECK(s.p95 == 95.0);
    CHECK(s.max == 100.0);
  }
  SECTION("1..10: the 95th percentile is the largest") {
    std::vector<double> v = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    auto s = summarize_latency(v);
    CHECK(s.p50 == 5.0);
    CHECK(s.p95 == 10.0);
    CHECK(s.max == 10.0);
  }
  SECTION("1..20") {
    std::vector<double> v(20);
    std::iota(v.begin(), v.end(), 1.0);
    auto s = summarize_latency(v);
    CHECK(s.p50 == 10.0);
    CHECK(s.p95 == 19.0);
    CHECK(s.max == 20.0);
  }
}

TEST_CASE("write_file_atomic writes the whole file and leaves no .part", "[unit][metrics]") {
  TempDir dir;
  const auto path = dir.path() / "metrics.json";
  std::string error;
  REQUIRE(write_file_atomic(path.string(), "{\"a\": 1}\n", error));
  CHECK(error.empty());
  CHECK(read_text(path) == "{\"a\": 1}\n");
  CHECK_FALSE(std::filesystem::exists(path.string() + ".part"));

  // A second write replaces the first.
  REQUIRE(write_file_atomic(path.string(), "second", error));
  CHECK(read_text(path) == "second");
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    CHECK(e.path().filename() == "metrics.json");
    ++entries;
  }
  CHECK(entries == 1);
}

TEST_CASE("write_file_atomic fails with a message in a missing directory", "[unit][metrics]") {
  TempDir dir;
  const auto path = dir.path() / "no-such-dir" / "metrics.json";
  std::string error;
  CHECK_FALSE(write_file_atomic(path.string(), "x", error));
  CHECK_FALSE(error.empty());
  CHECK_THAT(error, Catch::Contains(path.string()));
  CHECK_THAT(error, Catch::Contains("No such file or directory"));
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "no-such-dir"));
}

TEST_CASE("FreezeDetector: a freeze is in progress once the gap passes the threshold",
          "[unit][metrics]") {
  FreezeDetector d;
  for (int i = 0; i < 30; ++i) d.on_rendered(t0 + i * 33ms);
  const SteadyTime last = t0 + 29 * 33ms;
  // Mean 33 ms: the threshold is max(99, 183) = 183 ms.
  CHECK_FALSE(d.in_progress(last + 100ms));
  CHECK_FALSE(d.in_progress(last + 182ms));
  CHECK(d.in_progress(last + 184ms));
  CHECK(d.since_last_ms(last + 184ms) == Approx(184));
  CHECK(d.count() == 0);
  // Counted, with its interval, once the next picture shows.
  d.on_rendered(last + 1000ms);
  CHECK(d.count() == 1);
  REQUIRE(d.freezes().size() == 1);
  CHECK(d.freezes()[0].first == last);
  CHECK(d.freezes()[0].second == last + 1000ms);
  CHECK_FALSE(d.in_progress(last + 1010ms));
}
