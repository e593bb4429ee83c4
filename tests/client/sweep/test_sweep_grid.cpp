// The sweep's grid: lists and sweep files expanded into runs, shards that
// partition it, and the command lines of a run.
#include <algorithm>
#include <catch2/catch.hpp>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>

#include "client/sweep/sweep_file.hpp"
#include "client/sweep/sweep_grid.hpp"

using namespace flowcast::client::sweep;

namespace {

GridSpec two_by_two(int seeds) {
  GridSpec spec;
  spec.axes["link-rate"] = {"400k", "2M"};
  spec.axes["transport"] = {"tcp", "udp"};
  spec.axes["bitrate"] = {"600k"};
  spec.seeds = seeds;
  return spec;
}

}  // namespace

TEST_CASE("a grid is every combination of its lists, each with its seeds", "[unit][sweep]") {
  const auto runs = expand(two_by_two(3));
  REQUIRE(runs.size() == 2 * 2 * 3);
  // Axes vary in their fixed order, the last fastest; seeds of a condition together.
  CHECK(runs[0].condition ==
        Condition{{"bitrate", "600k"}, {"link-rate", "400k"}, {"transport", "tcp"}});
  CHECK(runs[0].seed == 1);
  CHECK(runs[2].seed == 3);
  CHECK(runs[3].condition.at("transport") == "udp");
  CHECK(runs[6].condition.at("link-rate") == "2M");
  std::set<std::string> ids;
  for (const auto& run : runs) ids.insert(run.id);
  CHECK(ids.size() == runs.size());
}

TEST_CASE("a run's id depends on its condition and seed only", "[unit][sweep]") {
  const Condition c = {{"link-rate", "2M"}, {"transport", "udp"}};
  CHECK(run_id(c, 2) == run_id(c, 2));
  CHECK(run_id(c, 2) != run_id(c, 3));
  CHECK(run_id(c, 2).size() == 11);
  CHECK(run_id(c, 2).substr(8) == "-s2");
  // Adding another list to the grid keeps the ids of runs with the same condition.
  GridSpec more = two_by_two(1);
  more.axes["transport"].push_back("rtsp-tcp");
  const auto before = expand(two_by_two(1));
  const auto after = expand(more);
  for (const auto& run : before)
    CHECK(std::any_of(after.begin(), after.end(), [&](const Run& r) { return r.id == run.id; }));
}

TEST_CASE("shards partition the grid exactly", "[unit][sweep]") {
  const auto runs = expand(two_by_two(5));  // 20 runs
  for (int n : {1, 2, 3, 7, 20, 25}) {
    std::multiset<std::string> seen;
    for (int k = 1; k <= n; ++k) {
      const auto part = take_shard(runs, k, n);
      CHECK(part.size() >= runs.size() / n);
      CHECK(part.size() <= runs.size() / n + 1);
      for (const auto& run : part) seen.insert(run.id);
    }
    CHECK(seen.size() == runs.size());
    for (const auto& run : runs) CHECK(seen.count(run.id) == 1);
  }
  CHECK_THROWS_AS(take_shard(runs, 0, 2), std::invalid_argument);
  CHECK_THROWS_AS(take_shard(runs, 3, 2), std::invalid_argument);
}

TEST_CASE("a sweep file gives the same grid as the command line", "[unit][sweep]") {
  const GridSpec spec = read_sweep_file(R"({
    "axes": { "bitrate": ["600k"], "link-rate": ["400k", "2M"], "transport": ["tcp", "udp"] },
    "seeds": 3, "duration": "4s" })");
  CHECK(spec.duration == "4s");
  CHECK(spec.pattern == GridSpec{}.pattern);
  const auto from_file = expand(spec);
  const auto from_lists = expand(two_by_two(3));
  REQUIRE(from_file.size() == from_lists.size());
  for (size_t i = 0; i < from_file.size(); ++i) CHECK(from_file[i].id == from_lists[i].id);
}

TEST_CASE("a grid's values are checked by the unit parsers", "[unit][sweep]") {
  CHECK(check_axis_value("link-rate", "1.5M").empty());
  CHECK(check_axis_value("link-loss", "1%").empty());
  CHECK(check_axis_value("buffer", "250ms").empty());
  CHECK_THAT(check_axis_value("buffer", "250"), Catch::Contains("did you mean 250ms"));
  CHECK_THAT(check_axis_value("link-loss", "150"), Catch::Contains("at most 100%"));
  CHECK_THAT(check_axis_value("transport", "quic"), Catch::Contains("rtsp-udp"));
  CHECK_THAT(check_axis_value("colour", "red"), Catch::Contains("no grid option"));
  CHECK_THROWS_WITH(read_sweep_file(R"({"axes": {"link-rate": ["fast"]}})"),
                    Catch::Contains("--link-rate"));
  CHECK_THROWS_WITH(read_sweep_file(R"({"axes": {"linkrate": ["1M"]}})"),
                    Catch::Contains("\"linkrate\" is no grid option"));
  CHECK_THROWS_WITH(read_sweep_file(R"({"axes": {"transport": []}})"),
                    Catch::Contains("no values"));
  CHECK_THROWS_WITH(read_sweep_file("{"), Catch::Contains("not a sweep file"));
  GridSpec no_seeds = two_by_two(0);
  CHECK_THAT(check_grid(no_seeds), Catch::Contains("seeds"));
  // A value twice would run the same runs twice under one id.
  GridSpec twice = two_by_two(1);
  twice.axes["transport"] = {"tcp", "udp", "tcp"};
  CHECK(check_grid(twice) == "--transport lists 'tcp' twice");
  // Link seeds are unsigned and must not wrap.
  GridSpec negative = two_by_two(2);
  negative.seed_base = -1;
  CHECK_THAT(check_grid(negative), Catch::Contains("0 or more"));
  GridSpec last = two_by_two(2);
  last.seed_base = std::numeric_limits<int64_t>::max();
  CHECK_THAT(check_grid(last), Catch::Contains("leaves no room for 2 seeds"));
  last.seeds = 1;
  CHECK(check_grid(last).empty());
}

TEST_CASE("a run's command lines carry its condition and link seed", "[unit][sweep]") {
  GridSpec spec = two_by_two(1);
  spec.axes["buffer"] = {"1s"};
  spec.axes["nack"] = {"on"};
  spec.duration = "4s";
  Run run = expand(spec)[0];
  const Commands c = commands_for(spec, run, "/bin/server", "/bin/client", "/out/r", 23456, 23458);
  const std::string server = shell_text(c.server), client = shell_text(c.client);
  CHECK_THAT(server, Catch::StartsWith("/bin/server --port 23456 --rtsp-port 0"));
  CHECK_THAT(server, Catch::Contains("--link-seed 1"));
  CHECK_THAT(server, Catch::Contains("--link-rate 400k"));
  CHECK_THAT(server, Catch::Contains("--bitrate 600k"));
  CHECK_THAT(server, Catch::Contains("--transport tcp"));
  CHECK_THAT(server, Catch::Contains("--metrics /out/r/server.json"));
  CHECK_THAT(client, Catch::Contains("127.0.0.1:23456 --transport tcp"));
  CHECK_THAT(client, Catch::Contains("--duration 4s"));
  CHECK_THAT(client, Catch::Contains("--buffer 1s"));
  CHECK_THAT(client, Catch::Contains("--nack"));
  CHECK_THAT(client, !Catch::Contains("--link"));

  run.condition["transport"] = "rtsp-udp";
  run.condition["nack"] = "off";
  const Commands r = commands_for(spec, run, "/bin/server", "/bin/client", "/out/r", 23456, 23458);
  CHECK_THAT(shell_text(r.server), Catch::Contains("--rtsp-port 23458"));
  CHECK_THAT(shell_text(r.client),
             Catch::Contains("rtsp://127.0.0.1:23458/stream --transport udp"));
  CHECK_THAT(shell_text(r.client), !Catch::Contains("--nack"));
  CHECK(shell_text({"a b", "it's"}) == "'a b' 'it'\\''s'");
  CHECK_THAT(shell_text(c.client), !Catch::Contains("--reference"));

  // A file is streamed and is the client's reference, for its PSNR.
  run.condition.erase("bitrate");
  run.condition["input"] = "clips/a b.mp4";
  const Commands f = commands_for(spec, run, "/bin/server", "/bin/client", "/out/r", 23456, 23458);
  CHECK_THAT(shell_text(f.server), Catch::EndsWith(" 'clips/a b.mp4'"));
  CHECK_THAT(shell_text(f.server), !Catch::Contains("--pattern"));
  CHECK_THAT(shell_text(f.client), Catch::Contains("--reference 'clips/a b.mp4'"));
}
