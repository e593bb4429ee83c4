// flowcast-sweep over shards: a tiny grid run as two shards into two folders
// and merged holds the same runs (ids, conditions, seeds) as the same grid
// run whole, and as the grid's own listing (--dry-run). The measured values
// differ, as real runs do; the set of runs may not.
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "client/sweep/sweep_results.hpp"
#include "support/binaries.hpp"
#include "support/process.hpp"

using namespace flowcast;
using namespace std::chrono_literals;

namespace {

// 4 conditions (TCP and UDP, two buffers) of a 600k stream on a 2M link,
// one seed each, 3 s runs; extra options after the grid's.
std::vector<std::string> grid_argv(std::vector<std::string> extra) {
  std::vector<std::string> argv = {
      test::kSweep, "--bitrate",  "600k",     "--link-rate", "2M",        "--transport",
      "tcp,udp",    "--buffer",   "250ms,1s", "--seeds",     "1",         "--seed-base",
      "3",          "--duration", "3s",       "--pattern",   "320x240@30"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// "id seed N condition" of each run recorded in a sweep folder.
std::set<std::string> recorded(const std::string& dir) {
  std::set<std::string> runs;
  for (const auto& r : client::sweep::read_records(dir + "/runs.jsonl"))
    runs.insert(r.id + " seed " + std::to_string(r.seed) + " " +
                client::sweep::condition_text(r.condition));
  return runs;
}

// The same of --dry-run's listing (its stdout lines; stderr's say "flowcast-sweep:").
std::set<std::string> listed(const std::string& log) {
  std::set<std::string> runs;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line.rfind("flowcast-sweep:", 0) != 0) runs.insert(line);
  return runs;
}

}  // namespace

TEST_CASE("two shards of a sweep merged hold the runs of the whole sweep",
          "[integration][sweep][long]") {
  test::TempDir dir;
  // The grid's listing: what every way of running it must record.
  test::Process list(grid_argv({"--dry-run", "--out", dir.file("listed")}), dir.file("list.log"));
  REQUIRE(list.wait_for(20s) == 0);
  const std::set<std::string> grid = listed(list.log());
  INFO(list.log());
  REQUIRE(grid.size() == 4);
  CHECK_THAT(list.log(), Catch::Contains("4 runs, 0 already done, 4 to run (dry run)"));
  CHECK_FALSE(test::file_exists(dir.file("listed")));  // a dry run writes nothing

  // The two shards, at once, one run at a time each, into folders of their own.
  {
    test::Process one(grid_argv({"--shard", "1/2", "--jobs", "1", "--out", dir.file("shard-1")}),
                      dir.file("shard-1.log"));
    test::Process two(grid_argv({"--shard", "2/2", "--jobs", "1", "--out", dir.file("shard-2")}),
                      dir.file("shard-2.log"));
    const auto code_one = one.wait_for(150s), code_two = two.wait_for(150s);
    INFO(one.log() << two.log());
    // 0, or 1 when a run failed or the busy machine spoilt it: either way recorded.
    REQUIRE(code_one);
    REQUIRE(code_two);
    CHECK(*code_one <= 1);
    CHECK(*code_two <= 1);
    CHECK_THAT(one.log(), Catch::Contains("2 runs, 0 already done"));
    CHECK_THAT(two.log(), Catch::Contains("2 runs, 0 already done"));
  }
  const auto part_one = recorded(dir.file("shard-1")), part_two = recorded(dir.file("shard-2"));
  CHECK(part_one.size() == 2);
  CHECK(part_two.size() == 2);
  for (const auto& run : part_one) CHECK(part_two.count(run) == 0);  // disjoint

  test::Process merge(
      {test::kSweep, "merge", dir.file("merged"), dir.file("shard-1"), dir.file("shard-2")},
      dir.file("merge.log"));
  REQUIRE(merge.wait_for(20s) == 0);

  // The same grid run whole, two runs at a time.
  test::Process whole(grid_argv({"--jobs", "2", "--out", dir.file("whole")}),
                      dir.file("whole.log"));
  const auto code = whole.wait_for(150s);
  INFO(whole.log());
  REQUIRE(code);
  CHECK(*code <= 1);

  const auto merged = recorded(dir.file("merged"));
  CHECK(merged == recorded(dir.file("whole")));
  CHECK(merged == grid);
  // Each merged run keeps its own files, copied from its shard.
  for (const auto& r : client::sweep::read_records(dir.file("merged/runs.jsonl"))) {
    INFO(r.id << " " << r.error);
    CHECK(test::file_exists(dir.file("merged/runs/" + r.id + "/commands.txt")));
    if (r.status == client::sweep::RunStatus::ok)
      CHECK(test::file_exists(dir.file("merged/runs/" + r.id + "/client.json")));
  }
  // Listed again against the merged folder, every run is done.
  test::Process again(grid_argv({"--dry-run", "--out", dir.file("merged")}), dir.file("again.log"));
  REQUIRE(again.wait_for(20s) == 0);
  CHECK_THAT(again.log(), Catch::Contains("4 runs, "));
  size_t ok = 0;
  for (const auto& r : client::sweep::read_records(dir.file("merged/runs.jsonl")))
    ok += r.status == client::sweep::RunStatus::ok;
  CHECK_THAT(again.log(), Catch::Contains("4 runs, " + std::to_string(ok) + " already done"));
}
