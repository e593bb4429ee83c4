// flowcast-sweep end to end: a tiny grid of real runs on the built-in
// pattern, its table, and a sweep interrupted and resumed.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "client/sweep/sweep_results.hpp"
#include "support/binaries.hpp"
#include "support/process.hpp"

using namespace flowcast;
using namespace std::chrono_literals;

namespace {

// The grid of the test: a 600k stream over a link below (400k) and above
// (2M) its rate, over TCP and UDP, one seed of 4 s each.
std::vector<std::string> sweep_argv(const std::string& out) {
  return {test::kSweep, "--bitrate", "600k", "--link-rate", "400k,2M", "--transport",
          "tcp,udp",    "--seeds",   "1",    "--duration",  "4s",      "--pattern",
          "320x240@30", "--jobs",    "1",    "--verbose",   "--out",   out};
}

size_t csv_rows(const std::string& path) {
  std::istringstream in(test::read_file(path));
  size_t rows = 0;
  for (std::string line; std::getline(in, line);) rows += !line.empty();
  return rows - 1;  // the header
}

}  // namespace

TEST_CASE("a sweep runs its grid, tells TCP from UDP, and resumes after Ctrl-C",
          "[integration][sweep][long]") {
  test::TempDir dir;
  const std::string out = dir.file("sweep");
  // Interrupted once the first run is recorded: SIGINT stops the one in flight.
  {
    test::Process sweep(sweep_argv(out), dir.file("first.log"));
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline &&
           client::sweep::read_records(out + "/runs.jsonl").empty())
      sweep.wait_for(100ms);
    REQUIRE(client::sweep::read_records(out + "/runs.jsonl").size() == 1);
    sweep.signal(SIGINT);
    const auto code = sweep.wait_for(20s);
    INFO(sweep.log());
    REQUIRE(code);
    CHECK(*code == 130);
    CHECK_THAT(sweep.log(), Catch::Contains("run the same command to resume"));
  }
  const auto first = client::sweep::read_records(out + "/runs.jsonl");
  REQUIRE(first.size() >= 1);
  REQUIRE(first.size() < 4);
  std::vector<std::string> finished;  // ok runs are not run again; others are
  for (const auto& r : first)
    if (r.status == client::sweep::RunStatus::ok) finished.push_back(r.id);
  // The same command again runs only the missing runs.
  test::Process again(sweep_argv(out), dir.file("second.log"));
  const auto code = again.wait_for(150s);
  INFO(again.log());
  REQUIRE(code);
  CHECK_THAT(again.log(),
             Catch::Contains("4 runs, " + std::to_string(finished.size()) + " already done"));
  const auto records = client::sweep::read_records(out + "/runs.jsonl");
  REQUIRE(records.size() == 4);
  for (const auto& id : finished) CHECK_THAT(again.log(), !Catch::Contains(id + " "));
  CHECK(csv_rows(out + "/runs.csv") == 4);
  CHECK(csv_rows(out + "/conditions.csv") == 4);

  // The page of the sweep: one plot, the runs it rests on.
  test::Process report({test::kSweep, "report", out, "-o", dir.file("sweep.html")},
                       dir.file("report.log"));
  REQUIRE(report.wait_for(20s) == 0);
  const std::string html = test::read_file(dir.file("sweep.html"));
  CHECK_THAT(html, Catch::Contains("id=\"chart-rebuffering\""));
  CHECK_THAT(html, Catch::Contains(" ok runs in "));

  std::map<std::string, const client::sweep::RunRecord*> by;
  for (const auto& r : records) {
    INFO(r.id << " " << r.error);
    // A run the busy machine spoilt on every try says so; it is not judged.
    if (r.status == client::sweep::RunStatus::invalid) continue;
    REQUIRE(r.status == client::sweep::RunStatus::ok);
    REQUIRE(r.headline);
    CHECK(test::file_exists(out + "/runs/" + r.id + "/client.json"));
    CHECK(test::file_exists(out + "/runs/" + r.id + "/server.json"));
    // The client measured its own lag, and kept up (else the run were invalid).
    const auto load = test::read_json(out + "/runs/" + r.id + "/client.json")["client_load"];
    CHECK(load["wakes"].get<int>() > 0);
    CHECK(load["late_pictures"] == 0);
    CHECK(test::read_json(out + "/runs/" + r.id + "/p1203.json")["I13"]["segments"].size() >= 2);
    CHECK_THAT(r.server_command, Catch::Contains("--link-seed 1"));
    by[r.condition.at("transport") + "@" + r.condition.at("link-rate")] = &r;
  }
  // TCP loses nothing and stalls below the stream's rate; UDP loses packets there and plays on.
  for (const std::string rate : {"400k", "2M"})
    if (by.count("tcp@" + rate)) CHECK(by["tcp@" + rate]->headline->lost == 0);
  if (by.count("tcp@400k")) CHECK(by["tcp@400k"]->headline->stalls >= 1);
  if (by.count("udp@400k")) {
    CHECK(by["udp@400k"]->headline->lost > 0);
    CHECK(by["udp@400k"]->headline->stalls == 0);
  }
}

TEST_CASE("flowcast-sweep merge joins shards into the whole", "[integration][sweep]") {
  test::TempDir dir;
  client::sweep::GridSpec spec;
  spec.axes["link-rate"] = {"400k", "2M"};
  spec.axes["transport"] = {"tcp", "udp"};
  spec.seeds = 2;
  const auto grid = client::sweep::expand(spec);
  std::string error;
  for (int k = 1; k <= 3; ++k)
    for (const auto& run : client::sweep::take_shard(grid, k, 3)) {
      client::sweep::RunRecord r;
      r.id = run.id;
      r.condition = run.condition;
      r.seed = run.seed;
      r.status = client::sweep::RunStatus::ok;
      r.headline = client::sweep::Headline{};
      std::filesystem::create_directories(dir.file("shard-" + std::to_string(k)));
      REQUIRE(client::sweep::append_record(dir.file("shard-" + std::to_string(k) + "/runs.jsonl"),
                                           r, error));
    }
  test::Process merge({test::kSweep, "merge", dir.file("all"), dir.file("shard-1"),
                       dir.file("shard-2"), dir.file("shard-3") + "/runs.jsonl"},
                      dir.file("merge.log"));
  REQUIRE(merge.wait_for(20s) == 0);
  const auto merged = client::sweep::read_records(dir.file("all/runs.jsonl"));
  CHECK(merged.size() == grid.size());
  CHECK(client::sweep::missing_runs(grid, merged).empty());
  CHECK(csv_rows(dir.file("all/runs.csv")) == grid.size());
  CHECK(csv_rows(dir.file("all/conditions.csv")) == 4);
  // The other spelling: inputs first, --out after.
  test::Process again({test::kSweep, "merge", dir.file("shard-1"), "--out", dir.file("one")},
                      dir.file("merge2.log"));
  REQUIRE(again.wait_for(20s) == 0);
  CHECK(client::sweep::read_records(dir.file("one/runs.jsonl")).size() ==
        client::sweep::take_shard(grid, 1, 3).size());
}

TEST_CASE("a failed run is recorded with its error and the sweep goes on", "[integration][sweep]") {
  test::TempDir dir;
  test::Process sweep(
      {test::kSweep, "--link-rate", "2M", "--seeds", "2", "--duration", "2s", "--pattern",
       "320x240@30", "--jobs", "1", "--client-bin", "/bin/false", "--out", dir.file("out")},
      dir.file("sweep.log"));
  const auto code = sweep.wait_for(60s);
  INFO(sweep.log());
  REQUIRE(code);
  CHECK(*code == 1);
  const auto records = client::sweep::read_records(dir.file("out/runs.jsonl"));
  REQUIRE(records.size() == 2);
  for (const auto& r : records) {
    CHECK(r.status == client::sweep::RunStatus::failed);
    CHECK(r.error == "flowcast-client exited (1)");
  }
  CHECK_THAT(test::read_file(dir.file("out/runs.csv")), Catch::Contains(",failed,1,"));
}
