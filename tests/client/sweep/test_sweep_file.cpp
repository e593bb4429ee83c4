// Sweep files in TOML and JSON: the same keys give the same grid, and a bad
// file is refused with what is wrong and, in TOML, on which line.
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <string>

#include "client/sweep/sweep_file.hpp"

using namespace flowcast::client::sweep;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The same runs (ids, conditions, seeds, in order) and the same settings.
void check_same_grid(const GridSpec& a, const GridSpec& b) {
  CHECK(a.axes == b.axes);
  CHECK(a.seeds == b.seeds);
  CHECK(a.seed_base == b.seed_base);
  CHECK(a.duration == b.duration);
  CHECK(a.pattern == b.pattern);
  const auto runs_a = expand(a), runs_b = expand(b);
  REQUIRE(runs_a.size() == runs_b.size());
  for (size_t i = 0; i < runs_a.size(); ++i) {
    CHECK(runs_a[i].id == runs_b[i].id);
    CHECK(runs_a[i].condition == runs_b[i].condition);
    CHECK(runs_a[i].seed == runs_b[i].seed);
  }
}

// The message of what read_sweep_file throws for text ("" when it reads).
std::string refusal(const std::string& text, SweepFormat format) {
  try {
    read_sweep_file(text, format);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("the TOML example in docs/ and its JSON twin expand to the same grid", "[unit][sweep]") {
  const std::string dir = std::string(FLOWCAST_SOURCE_DIR) + "/docs/";
  const std::string toml = read_text(dir + "sweep-example.toml");
  const std::string json = read_text(dir + "sweep-example.json");
  REQUIRE(sweep_format_of("sweep-example.toml", toml) == SweepFormat::toml);
  REQUIRE(sweep_format_of("sweep-example.json", json) == SweepFormat::json);
  const GridSpec from_toml = read_sweep_file(toml, SweepFormat::toml);
  const GridSpec from_json = read_sweep_file(json, SweepFormat::json);
  check_same_grid(from_toml, from_json);
  // What the example's comment promises: 24 conditions, 3 seeds each.
  CHECK(expand(from_toml).size() == 72);
  CHECK(from_toml.axes.at("link-rate") == std::vector<std::string>{"400k", "1M", "2M"});
  CHECK(from_toml.duration == "10s");
}

TEST_CASE("TOML and JSON take the same keys, numbers and single values", "[unit][sweep]") {
  const GridSpec toml = read_sweep_file(R"(
seeds = 2
seed_base = 7
[axes]
link-rate = ["400k", "2M"]
link-burst = [1, 2.5]   # numbers are passed on as written
transport = "udp"       # one value is a list of one
nack = ["off", "on"]
)",
                                        SweepFormat::toml);
  const GridSpec json = read_sweep_file(R"({"seeds": 2, "seed_base": 7, "axes": {
    "link-rate": ["400k", "2M"], "link-burst": [1, 2.5], "transport": "udp",
    "nack": ["off", "on"]}})",
                                        SweepFormat::json);
  check_same_grid(toml, json);
  CHECK(toml.axes.at("link-burst") == std::vector<std::string>{"1", "2.5"});
  CHECK(toml.axes.at("transport") == std::vector<std::string>{"udp"});
  CHECK(toml.duration == GridSpec{}.duration);  // left out: the default
  CHECK(expand(toml).front().seed == 7);
  CHECK(expand(toml).size() == 2 * 2 * 1 * 2 * 2);
}

TEST_CASE("a bad TOML sweep file is refused with its line", "[unit][sweep]") {
  // A syntax error: the parser's line and column.
  CHECK_THAT(refusal("seeds = 3\n[axes]\nlink-rate = [\"1M\",\n", SweepFormat::toml),
             Catch::StartsWith("not a sweep file: line 3, column"));
  CHECK_THAT(refusal("seeds = 3\nseeds = 4\n", SweepFormat::toml),
             Catch::StartsWith("not a sweep file: line 2,"));
  // A value an option refuses: the line of that value.
  const std::string bad_rate =
      "seeds = 3\n\n[axes]\ntransport = [\"tcp\"]\n"
      "link-rate = [\"400k\",\n  \"fast\"]\n";
  CHECK_THAT(refusal(bad_rate, SweepFormat::toml),
             Catch::StartsWith("line 6: --link-rate wants a rate") && Catch::Contains("'fast'"));
  CHECK_THAT(refusal("[axes]\nbuffer = [\"250\"]\n", SweepFormat::toml),
             Catch::StartsWith("line 2: --buffer") && Catch::Contains("did you mean 250ms"));
  // Keys the sweep file does not have, and values of the wrong type.
  CHECK(refusal("duration = \"4s\"\nseed = 3\n", SweepFormat::toml) ==
        "line 2: \"seed\" is no key of a sweep file (axes, seeds, seed_base, duration, pattern)");
  CHECK(refusal("[axes]\nlinkrate = [\"1M\"]\n", SweepFormat::toml) ==
        "line 2: axes: \"linkrate\" is no grid option (see --help)");
  CHECK(refusal("\nseeds = \"3\"\n", SweepFormat::toml) ==
        "line 2: seeds wants a whole number, not text \"3\"");
  CHECK(refusal("seeds = 0\n", SweepFormat::toml) == "line 1: seeds must be in 1..10000, not 0");
  CHECK(refusal("seed_base = 9223372036854775807\nseeds = 2\n", SweepFormat::toml) ==
        "line 1: seed_base 9223372036854775807 leaves no room for 2 seeds");
  CHECK(refusal("duration = 4\n", SweepFormat::toml) ==
        "line 1: duration wants text like \"20s\", not a number");
  CHECK(refusal("pattern = \"big\"\n", SweepFormat::toml) ==
        "line 1: pattern wants WxH@FPS like 640x360@30, not 'big'");
  CHECK(refusal("[axes]\ntransport = []\n", SweepFormat::toml) ==
        "line 2: axes: \"transport\" has no values");
  CHECK(refusal("[axes]\ntransport = [\"tcp\",\n \"tcp\"]\n", SweepFormat::toml) ==
        "line 3: --transport lists 'tcp' twice");
  CHECK(refusal("[axes]\nbuffer = [1979-05-27]\n", SweepFormat::toml) ==
        "line 2: axes.buffer[0]: a date or time is no value of a sweep file");
  CHECK(refusal("axes = 3\n", SweepFormat::toml) ==
        "line 1: axes wants a table of grid options, not a number");
  CHECK(refusal("[axes]\nbuffer = [[\"1s\"]]\n", SweepFormat::toml) ==
        "line 2: axes.buffer[0]: a value is text or a number, not a list");
}

TEST_CASE("a bad JSON sweep file is refused with its key", "[unit][sweep]") {
  CHECK_THAT(refusal("{\n\"seeds\": 3,\n}", SweepFormat::json),
             Catch::StartsWith("not a sweep file:") && Catch::Contains("line 3"));
  CHECK(refusal(R"({"seed": 3})", SweepFormat::json) ==
        "\"seed\" is no key of a sweep file (axes, seeds, seed_base, duration, pattern)");
  CHECK(refusal(R"({"seeds": 2.5})", SweepFormat::json) ==
        "seeds wants a whole number, not a number 2.5");
  CHECK(refusal(R"({"seed_base": 18446744073709551615})", SweepFormat::json) ==
        "seed_base is too large: 18446744073709551615");
  CHECK(refusal(R"(["axes"])", SweepFormat::json) ==
        "a sweep file is a table with the keys axes, seeds, seed_base, duration, pattern, not a "
        "list");
  CHECK(refusal(R"({"axes": {"nack": [true]}})", SweepFormat::json) ==
        "axes.nack[0]: a value is text or a number, not a boolean");
  // What no single key shows: the pattern's bitrate with files to stream.
  const std::string file = std::string(FLOWCAST_SOURCE_DIR) + "/docs/sweep-example.json";
  CHECK(refusal(R"({"axes": {"input": [")" + file + R"("], "bitrate": ["1M"]}})",
                SweepFormat::json) ==
        "--bitrate is the pattern's: drop it, or drop the input files");
}

TEST_CASE("a sweep file's format is told by its name, else by its text", "[unit][sweep]") {
  CHECK(sweep_format_of("grid.toml", "{}") == SweepFormat::toml);
  CHECK(sweep_format_of("grid.json", "seeds = 3") == SweepFormat::json);
  CHECK(sweep_format_of("grid", "  \n{\"seeds\": 3}") == SweepFormat::json);
  CHECK(sweep_format_of("grid", "seeds = 3") == SweepFormat::toml);
  CHECK(sweep_format_of("-", "") == SweepFormat::toml);
}

// toml++ 3.3 reaches undefined behaviour on most non-ASCII characters
// (sweep_file.cpp, require_ascii): a TOML file with one is refused at its
// place, and an escaped one is read.
TEST_CASE("a TOML sweep file is ASCII; other characters are escaped", "[unit][sweep]") {
  CHECK_THAT(
      refusal("seeds = 1\n# caf\xc3\xa9\n", SweepFormat::toml),
      Catch::StartsWith("not a sweep file: line 2, column 6:") && Catch::Contains("\\uXXXX"));
  CHECK_THAT(refusal("seeds = 1\n[axes]\ntransport = [\"tcp\"]\nbitrate = [\"600k\"]\n"
                     "pattern = \"vid\\u00e9o\"\n",
                     SweepFormat::toml),
             !Catch::Contains("ASCII"));
}
