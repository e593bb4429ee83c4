// Fuzz target: flowcast-sweep's sweep file reader (client/sweep/sweep_file.hpp),
// both entry points: TOML (toml++, then the shared key checks) and JSON
// (nlohmann/json, then the same checks).
// Input: byte 0, bit 0: the format (0 JSON, 1 TOML); then the file's text.
// Asserts: a refusal is a std::runtime_error with a message (a TOML one
// names its line); what reads passes check_grid, with known axes, each a
// non-empty list without a value twice, seeds in 1..10000; written as JSON
// (as the sweep writes OUT/sweep.json) it reads back to the same grid; a grid
// of at most 4096 runs expands to the product of its lists times the seeds,
// every run a distinct (condition, seed) with one value per axis.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>

#include "client/sweep/sweep_file.hpp"
#include "fuzz_input.hpp"

using namespace flowcast::client::sweep;

namespace {

bool starts_with(const std::string& text, const std::string& head) {
  return text.compare(0, head.size(), head) == 0;
}

void check_grid_read(const GridSpec& spec) {
  FUZZ_CHECK(check_grid(spec).empty());
  FUZZ_CHECK(spec.seeds >= 1 && spec.seeds <= 10000);
  uint64_t runs = static_cast<uint64_t>(spec.seeds);
  for (const auto& [axis, values] : spec.axes) {
    FUZZ_CHECK(find_axis(axis) != nullptr);
    FUZZ_CHECK(!values.empty());
    FUZZ_CHECK(std::set<std::string>(values.begin(), values.end()).size() == values.size());
    runs = runs > 4096 ? runs : runs * values.size();
  }
  // The sweep writes the grid it ran as JSON; it reads back the same.
  const GridSpec again = read_sweep_file(nlohmann::json(spec).dump(), SweepFormat::json);
  FUZZ_CHECK(again.axes == spec.axes && again.seeds == spec.seeds &&
             again.seed_base == spec.seed_base && again.duration == spec.duration &&
             again.pattern == spec.pattern);
  if (runs > 4096) return;
  const auto expanded = expand(spec);
  FUZZ_CHECK(expanded.size() == runs);
  std::set<std::string> distinct;
  for (const auto& run : expanded) {
    FUZZ_CHECK(run.condition.size() == spec.axes.size());
    FUZZ_CHECK(run.seed >= spec.seed_base && run.seed - spec.seed_base < spec.seeds);
    distinct.insert(condition_text(run.condition) + " seed " + std::to_string(run.seed));
  }
  FUZZ_CHECK(distinct.size() == expanded.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const SweepFormat format = (data[0] & 1) ? SweepFormat::toml : SweepFormat::json;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  GridSpec spec;
  try {
    spec = read_sweep_file(text, format);
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    FUZZ_CHECK(!message.empty());
    if (format == SweepFormat::toml)
      FUZZ_CHECK(starts_with(message, "line ") || starts_with(message, "not a sweep file: line "));
    return 0;
  }
  check_grid_read(spec);
  return 0;
}
