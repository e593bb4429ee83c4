// The sweep's results: records as JSON lines, resume and merge, and what
// counts as a run the machine was too busy for.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "client/sweep/sweep_results.hpp"
#include "client/sweep/sweep_runner.hpp"
#include "support/process.hpp"

using namespace flowcast::client::sweep;

namespace {

RunRecord record(const Run& run, RunStatus status) {
  RunRecord r;
  r.id = run.id;
  r.condition = run.condition;
  r.seed = run.seed;
  r.status = status;
  r.attempts = 1;
  if (status == RunStatus::ok) r.headline = Headline{};
  return r;
}

std::vector<Run> small_grid() {
  GridSpec spec;
  spec.axes["transport"] = {"tcp", "udp"};
  spec.seeds = 2;
  return expand(spec);  // 4 runs
}

}  // namespace

TEST_CASE("a resumed sweep runs only what has no ok record", "[unit][sweep]") {
  flowcast::test::TempDir dir;
  const std::string path = dir.file("runs.jsonl");
  const auto grid = small_grid();
  std::string error;
  REQUIRE(append_record(path, record(grid[0], RunStatus::ok), error));
  REQUIRE(append_record(path, record(grid[1], RunStatus::failed), error));
  REQUIRE(append_record(path, record(grid[2], RunStatus::ok), error));
  REQUIRE(append_record(path, record(grid[1], RunStatus::ok), error));  // tried again: ok now
  REQUIRE(append_record(path, record(grid[3], RunStatus::invalid), error));
  const auto done = read_records(path);
  REQUIRE(done.size() == 4);
  CHECK(done[1].status == RunStatus::ok);  // the last record of an id counts
  const auto missing = missing_runs(grid, done);
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].id == grid[3].id);
  CHECK(missing_runs(grid, {}).size() == grid.size());
}

TEST_CASE("a line torn by a crash is a missing run, not a broken file", "[unit][sweep]") {
  flowcast::test::TempDir dir;
  const std::string path = dir.file("runs.jsonl");
  const auto grid = small_grid();
  std::string error;
  REQUIRE(append_record(path, record(grid[0], RunStatus::ok), error));
  { std::ofstream(path, std::ios::app) << R"({"id":"abc","condi)"; }
  CHECK(read_records(path).size() == 1);
  // The next record starts a line of its own, and both are read.
  REQUIRE(append_record(path, record(grid[1], RunStatus::ok), error));
  CHECK(read_records(path).size() == 2);
  // JSON that is no record is an error that names the line.
  { std::ofstream(path, std::ios::app) << "{\"id\": 5}\n"; }
  REQUIRE(append_record(path, record(grid[2], RunStatus::ok), error));
  CHECK_THROWS_WITH(read_records(path), Catch::Contains("line 4"));
  CHECK(read_records(dir.file("none.jsonl")).empty());
}

TEST_CASE("a record keeps everything the tables and a replay need", "[unit][sweep]") {
  RunRecord r = record(small_grid()[0], RunStatus::ok);
  r.server_command = "flowcast-server --link-seed 1";
  r.headline->rebuffering_ratio = 0.25;
  const RunRecord back = nlohmann::json::parse(nlohmann::json(r).dump()).get<RunRecord>();
  CHECK(back.condition == r.condition);
  CHECK(back.server_command == r.server_command);
  CHECK(back.headline->rebuffering_ratio == 0.25);
  CHECK(!back.headline->psnr_mean);
  CHECK(nlohmann::json(r)["status"] == "ok");
}

TEST_CASE("merged shards keep one record per run, ok ones first", "[unit][sweep]") {
  const auto grid = small_grid();
  const std::vector<RunRecord> a = {record(grid[0], RunStatus::ok), record(grid[2], RunStatus::ok)};
  const std::vector<RunRecord> b = {record(grid[1], RunStatus::ok),
                                    record(grid[0], RunStatus::failed),
                                    record(grid[3], RunStatus::ok)};
  const auto merged = merge_records({a, b});
  REQUIRE(merged.size() == 4);
  CHECK(merged[0].status == RunStatus::ok);
  CHECK(missing_runs(grid, merged).empty());
}

TEST_CASE("the headline of a metrics file, and a server that fell behind", "[unit][sweep]") {
  const auto m = nlohmann::json::parse(R"({
    "startup_ms": 530.5, "rebuffering_ratio": 0.155, "stalls": {"count": 2, "total_ms": 3100},
    "freezes": {"count": 1, "total_ms": 400}, "packets": {"lost": 12, "late": 3},
    "frames": {"damaged": 7, "rendered": 590}, "latency_ms": {"p50": 80, "p95": 120},
    "buffer": {"peak_ms": 900}, "quality": {"psnr_mean": null}})");
  const Headline h = headline_of(m);
  CHECK(h.startup_ms == 530.5);
  CHECK(h.stalls == 2);
  CHECK(h.stall_ms == 3100);
  CHECK(h.lost == 12);
  CHECK(h.damaged == 7);
  CHECK(h.latency_p95_ms == 120);
  CHECK(!h.psnr_mean);
  CHECK(!headline_of(nlohmann::json::parse(R"({"rebuffering_ratio": null})")).rebuffering_ratio);
  // A file without a qoe block gets the client's score computed from it:
  // N = 2 stalls of 1.55 s mean, 3.5 · e^−(0.3825 · 2) + 1.5 = 3.003451;
  // picture 5 − 4 · 7 / 590 = 4.952542; score 1 + 2.003451 · 3.952542 / 4.
  CHECK(*h.qoe_stall_mos == Approx(3.003451).epsilon(1e-6));
  CHECK(*h.qoe_picture_mos == Approx(4.952542).epsilon(1e-6));
  CHECK(*h.qoe_score == Approx(2.979681).epsilon(1e-6));
  // A file with one is taken as it is.
  const Headline given = headline_of(nlohmann::json::parse(
      R"({"startup_ms": 400, "qoe": {"score": 3.5, "stall_mos": 5, "picture_mos": 3.5}})"));
  CHECK(given.qoe_score == 3.5);
  CHECK(given.qoe_stall_mos == 5);
  CHECK(!headline_of(nlohmann::json::parse(R"({"qoe": {"score": null}})")).qoe_score);

  CHECK(busy_reason(nlohmann::json::parse(R"({"load": {"overloaded_ms": 0, "frames_skipped": 0,
        "encoder": {"fell_behind": false, "pictures_skipped": 0}}})"))
            .empty());
  CHECK_THAT(
      busy_reason(nlohmann::json::parse(R"({"load": {"overloaded_ms": 350, "lag_ms_peak": 180}})")),
      Catch::Contains("overloaded for 350 ms"));
  CHECK_THAT(busy_reason(nlohmann::json::parse(R"({"load": {"encoder": {"fell_behind": true}}})")),
             Catch::Contains("fell behind"));
  CHECK_THAT(
      busy_reason(nlohmann::json::parse(R"({"load": {"encoder": {"pictures_skipped": 4}}})")),
      Catch::Contains("skipped 4"));
}

TEST_CASE("a run whose client fell behind is one the machine was too busy for", "[unit][sweep]") {
  using nlohmann::json;
  // Kept up: a fraction of a ms late, no picture of its own dropped.
  CHECK(client_busy_reason(json::parse(R"({"client_load": {"wakes": 580,
        "wake_late_ms": {"p50": 0.2, "p95": 1.5, "max": 12}, "late_pictures": 0}})"))
            .empty());
  // A file written before client_load existed, or a run that never waited.
  CHECK(client_busy_reason(json::parse(R"({"frames": {"dropped_late": 3}})")).empty());
  CHECK(client_busy_reason(json::parse(R"({"client_load": {"wakes": 0,
        "wake_late_ms": {"p50": null, "p95": null, "max": null}, "late_pictures": 0}})"))
            .empty());
  // At the limit still counts; past it does not.
  CHECK(client_busy_reason(json::parse(R"({"client_load": {"wake_late_ms": {"max": 150}}})"))
            .empty());
  CHECK_THAT(
      client_busy_reason(json::parse(R"({"client_load": {"wake_late_ms": {"max": 212.4}}})")),
      Catch::Contains("212 ms late") && Catch::Contains("wake_late_ms.max > 150 ms"));
  CHECK_THAT(client_busy_reason(json::parse(R"({"client_load": {"late_pictures": 3,
        "wake_late_ms": {"max": 40}}})")),
             Catch::Contains("dropped 3 pictures it held") && Catch::Contains("late_pictures"));
  CHECK_THAT(client_busy_reason(json::parse(R"({"client_load": {"late_pictures": 1}})")),
             Catch::Contains("dropped 1 picture it held"));
  // The network's late pictures are the link's figures, not the machine's.
  CHECK(client_busy_reason(json::parse(R"({"frames": {"dropped_late": 9},
        "client_load": {"late_pictures": 0, "wake_late_ms": {"max": 3}}})"))
            .empty());
}

TEST_CASE("the default --jobs is two runs per core", "[unit][sweep]") {
  CHECK(default_jobs(2) == 4);  // half the 8 the benchmark's 2 cores held
  CHECK(default_jobs(1) == 2);
  CHECK(default_jobs(0) == 2);  // cores unknown: taken as one
  CHECK(default_jobs(16) == 32);
  CHECK(default_jobs(1000) == 256);  // --jobs takes 1..256
  CHECK(usable_cores() >= 1);
}
