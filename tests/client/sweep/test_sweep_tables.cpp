// The sweep's statistics and tables against values computed by hand.
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "client/sweep/sweep_tables.hpp"

using namespace flowcast::client::sweep;

namespace {

std::vector<std::string> lines_of(const std::string& csv) {
  std::vector<std::string> lines;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

RunRecord ok_run(const std::string& transport, int64_t seed, double ratio, double lost) {
  RunRecord r;
  r.condition = {{"transport", transport}, {"link-rate", "400k"}};
  r.seed = seed;
  r.id = run_id(r.condition, seed);
  r.status = RunStatus::ok;
  r.attempts = 1;
  r.headline = Headline{};
  r.headline->rebuffering_ratio = ratio;
  r.headline->lost = lost;
  return r;
}

}  // namespace

TEST_CASE("mean, median and Student's t interval of known samples", "[unit][sweep]") {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, s² = 32/7, t(0.975, 7) = 2.365.
  const Summary s = summarize({9, 2, 4, 4, 5, 4, 5, 7});
  CHECK(s.n == 8);
  CHECK(s.mean == Approx(5));
  CHECK(s.median == Approx(4.5));
  const double half = 2.365 * std::sqrt(32.0 / 7) / std::sqrt(8.0);  // 1.7875
  CHECK(*s.ci_low == Approx(5 - half));
  CHECK(*s.ci_high == Approx(5 + half));
  CHECK(half == Approx(1.7875).epsilon(1e-3));
  // Three samples 1, 2, 6: mean 3, s = √7, t(0.975, 2) = 4.303.
  const Summary three = summarize({1, 2, 6});
  CHECK(three.median == 2);
  CHECK(*three.ci_high == Approx(3 + 4.303 * std::sqrt(7.0) / std::sqrt(3.0)));
  // One sample has no interval; none has nothing.
  CHECK(!summarize({3}).ci_low);
  CHECK(summarize({3}).mean == 3);
  CHECK(summarize({}).n == 0);
  CHECK(t_quantile_975(1) == 12.706);
  CHECK(t_quantile_975(30) == 2.042);
  CHECK(t_quantile_975(45) == 2.021);
  CHECK(t_quantile_975(100000) == 1.960);
}

TEST_CASE("runs.csv has one row per run with its condition, seed and figures", "[unit][sweep]") {
  RunRecord failed = ok_run("udp", 1, 0, 0);
  failed.status = RunStatus::failed;
  failed.headline.reset();
  failed.error = "flowcast-client exited (1): connection refused, \"port\"";
  const auto lines = lines_of(runs_csv({ok_run("tcp", 1, 0.25, 0), failed}));
  REQUIRE(lines.size() == 3);
  CHECK_THAT(lines[0],
             Catch::StartsWith("id,link-rate,transport,seed,status,attempts,error,startup_ms,"
                               "stalls,stall_ms,rebuffering_ratio,"));
  CHECK_THAT(lines[1], Catch::Contains(",400k,tcp,1,ok,1,,,0,0,0.25,"));
  // RFC 4180: a field with a comma or a quote is quoted, quotes doubled.
  CHECK_THAT(lines[2],
             Catch::Contains(",failed,1,\"flowcast-client exited (1): connection refused, "
                             "\"\"port\"\"\",,,"));
}

TEST_CASE("conditions.csv summarizes each condition's ok runs", "[unit][sweep]") {
  RunRecord invalid = ok_run("tcp", 4, 0.9, 0);
  invalid.status = RunStatus::invalid;
  const auto lines = lines_of(
      conditions_csv({ok_run("tcp", 1, 0.1, 0), ok_run("udp", 1, 0, 10), ok_run("tcp", 2, 0.2, 0),
                      ok_run("tcp", 3, 0.6, 0), invalid, ok_run("udp", 2, 0, 30)}));
  REQUIRE(lines.size() == 3);
  CHECK_THAT(lines[0],
             Catch::StartsWith("link-rate,transport,runs,ok,failed,invalid,startup_ms_mean,"));
  CHECK_THAT(lines[0], Catch::Contains("rebuffering_ratio_mean,rebuffering_ratio_median,"
                                       "rebuffering_ratio_ci_low,rebuffering_ratio_ci_high"));
  // tcp: 0.1, 0.2, 0.6 (the invalid 0.9 left out): mean 0.3, median 0.2,
  // s = √0.07, half-width 4.303 · s / √3 = 0.657294.
  CHECK_THAT(lines[1], Catch::StartsWith("400k,tcp,4,3,0,1,"));
  CHECK_THAT(lines[1], Catch::Contains(",0.3,0.2,-0.357294,0.957294,"));
  // udp lost: 10, 30: mean 20, median 20, half-width 12.706 · √200 / √2 = 127.06.
  CHECK_THAT(lines[2], Catch::StartsWith("400k,udp,2,2,0,0,"));
  CHECK_THAT(lines[2], Catch::Contains(",20,20,-107.06,147.06,"));
}

TEST_CASE("the QoE score is a column of runs.csv and aggregated in conditions.csv",
          "[unit][sweep]") {
  std::vector<RunRecord> runs;
  for (const double score : {4.0, 3.0, 2.0}) {
    runs.push_back(ok_run("udp", static_cast<int64_t>(runs.size() + 1), 0, 0));
    runs.back().headline->qoe_score = score;
    runs.back().headline->qoe_stall_mos = 5;
    runs.back().headline->qoe_picture_mos = score;
  }
  const auto table = lines_of(runs_csv(runs));
  CHECK_THAT(table[0], Catch::Contains(",qoe_score,qoe_stall_mos,qoe_picture_mos,seconds,"));
  CHECK_THAT(table[1], Catch::Contains(",4,5,4,"));
  const auto conditions = lines_of(conditions_csv(runs));
  REQUIRE(conditions.size() == 2);
  CHECK_THAT(
      conditions[0],
      Catch::Contains(",qoe_score_mean,qoe_score_median,qoe_score_ci_low,qoe_score_ci_high,"));
  // 4, 3, 2: mean 3, median 3, s = 1, half-width 4.303 / √3 = 2.484338; the
  // stall term, 5 in every run, has an interval of no width.
  CHECK_THAT(conditions[1], Catch::Contains(",3,3,0.515662,5.48434,5,5,5,5,3,3,0.515662,5.48434"));
}
