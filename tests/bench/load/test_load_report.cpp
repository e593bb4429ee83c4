// flowcast-load's aggregate (bench/load/load_report.hpp): who is counted,
// the nearest-rank percentile, and the JSON keys.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bench/load/load_report.hpp"

using namespace flowcast::bench;

namespace {

ViewerRow joined(double fraction, double rate) {
  ViewerRow v;
  v.state = "joined";
  v.measured.fraction_received = fraction;
  v.measured.packets_per_s = rate;
  v.measured.packets_received = 100;
  return v;
}

}  // namespace

TEST_CASE("the aggregate counts joined viewers that are not stalled", "[unit][load]") {
  LoadReport r;
  for (int i = 0; i < 98; ++i) r.viewers.push_back(joined(1.0, 460));
  r.viewers.push_back(joined(0.5, 230));
  ViewerRow stalled = joined(0.0, 0);
  stalled.stalled = true;
  stalled.ended_by_server = true;
  r.viewers.push_back(stalled);
  ViewerRow full;
  full.state = "full";
  r.viewers.push_back(full);
  ViewerRow silent = joined(1.0, 460);
  silent.went_silent = true;
  r.viewers.push_back(silent);
  r.summarize();
  const Aggregate& a = r.aggregate;
  CHECK(a.viewers == 102);
  CHECK(a.joined == 101);
  CHECK(a.refused_full == 1);
  CHECK(a.stalled == 1);
  CHECK(a.stalled_ended_by_server == 1);
  CHECK(a.ended_by_server == 1);
  CHECK(a.went_silent == 1);
  CHECK(a.counted == 100);
  CHECK(a.viewers_below_99_9 == 1);
  CHECK(a.fraction_received.min == 0.5);
  CHECK(a.fraction_received.p1 == 0.5);  // nearest rank: ceil(0.01 * 100) = the 1st
  CHECK(a.fraction_received.median == 1.0);
  CHECK(a.packets_per_s == Approx(99 * 460 + 230));
  CHECK(a.packets_per_s_per_viewer.min == 230);
}

TEST_CASE("the results file uses RFC 3550 names, and null for what is unknown", "[unit][load]") {
  LoadReport r;
  r.viewers.push_back(joined(1.0, 460));
  r.summarize();
  const nlohmann::json j = r;
  CHECK(j["schema"] == "flowcast.load/1");
  CHECK(j["aggregate"].contains("packets_lost"));
  CHECK(j["viewers"][0].contains("packets_received"));
  CHECK(j["viewers"][0]["ssrc"].is_null());
  CHECK(j["viewers"][0]["measured"]["fraction_received"] == 1.0);
}

TEST_CASE("a viewer whose warm-up never ended (an interrupted run) is not counted",
          "[unit][load]") {
  LoadReport r;
  r.viewers.push_back(joined(1.0, 460));
  ViewerRow unmeasured;
  unmeasured.state = "joined";  // measured window: nothing, no time
  r.viewers.push_back(unmeasured);
  ViewerRow starved = joined(0.0, 0);  // measured for a while, and got nothing
  starved.measured.packets_received = 0;
  starved.measured.duration_ms = 1000;
  r.viewers.push_back(starved);
  r.summarize();
  CHECK(r.aggregate.joined == 3);
  CHECK(r.aggregate.counted == 2);
  CHECK(r.aggregate.viewers_below_99_9 == 1);
  CHECK(r.aggregate.fraction_received.min == 0.0);
}
