#pragma once
// The grid of a sweep: which conditions to run, each with which link seeds,
// and the exact flowcast-server and flowcast-client command lines of a run.
//
// An axis is one option of the server or the client that takes a list of
// values (kAxes). A condition is one value per axis given (the others are
// left to the programs' defaults); a run is a condition and a link seed. The
// grid is the cartesian product of the axes in kAxes order, each condition
// run with the seeds seed_base .. seed_base + seeds - 1 (the same seeds for
// every condition, so conditions compare on the same link decisions).
//
// Values are kept as the user typed them ("1M", "250ms"): they are passed on
// to the programs as they are, and checked with the same parsers
// (common/util/units) when they are read. Pure data and functions; any
// thread.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace flowcast::client::sweep {

// Which program an axis configures.
enum class Target { server, client };

// One list-valued option: its name (the option without "--"), the program
// it goes to, and the kind of its values for --help (RATE, DURATION, ...).
struct AxisInfo {
  const char* name;
  Target target;
  const char* kind;
  const char* help;
};

// Every axis, in the grid's order (the outermost first).
const std::vector<AxisInfo>& axes();
// nullptr when name is no axis.
const AxisInfo* find_axis(const std::string& name);
// "" when value is one the axis takes; otherwise what is wrong with it
// ("wants a rate in bits per second like 800k, ...").
std::string check_axis_value(const std::string& axis, const std::string& value);

// A condition: axis name -> value. Ordered, so its text is canonical.
using Condition = std::map<std::string, std::string>;

// What a sweep runs: the axes' value lists, the seeds, each run's length and
// the settings every run shares.
struct GridSpec {
  std::map<std::string, std::vector<std::string>> axes;  // name -> values
  int seeds = 3;                                         // repetitions per condition
  int64_t seed_base = 1;                                 // the first link seed
  std::string duration = "20s";                          // client --duration, DURATION
  std::string pattern = "640x360@30";                    // server --pattern, WxH@FPS
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GridSpec, axes, seeds, seed_base, duration, pattern)

// One run of the grid.
struct Run {
  std::string id;  // stable over grid changes: condition hash + seed, "3f2a9c01-s2"
  Condition condition;
  int64_t seed = 0;
};

// Every problem of spec, "" when none: unknown axes, values the axes do not
// take, a value listed twice, empty lists, seeds < 1, a seed_base below 0
// or too large for its seeds to fit an int64, a bad duration or pattern. (Sweep files:
// sweep_file.hpp.)
std::string check_grid(const GridSpec& spec);

// "link-rate=1M transport=tcp": the condition as text, in axis order.
std::string condition_text(const Condition& condition);
// The run id: 8 hex digits of the condition's FNV-1a 64 hash, "-s", seed.
std::string run_id(const Condition& condition, int64_t seed);

// Every run of the grid, conditions in kAxes order (the last axis varies
// fastest), each condition's seeds together.
std::vector<Run> expand(const GridSpec& spec);
// The shard-th (1-based) of shards disjoint parts: runs i with
// i % shards == shard - 1, so the parts partition the grid and each gets
// every shards-th run. Throws std::invalid_argument unless 1 <= shard <= shards.
std::vector<Run> take_shard(const std::vector<Run>& runs, int shard, int shards);

// The two programs' command lines of one run: the server on `port` (and
// RTSP on rtsp_port when the transport is rtsp-*, else RTSP off), both
// writing metrics into dir. Binaries are given as paths.
struct Commands {
  std::vector<std::string> server;
  std::vector<std::string> client;
};
Commands commands_for(const GridSpec& spec, const Run& run, const std::string& server_bin,
                      const std::string& client_bin, const std::string& dir, uint16_t port,
                      uint16_t rtsp_port);
// A command line as one shell-quoted string, to replay it by hand.
std::string shell_text(const std::vector<std::string>& argv);

}  // namespace flowcast::client::sweep
