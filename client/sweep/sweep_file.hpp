#pragma once
// Sweep files: the grid of a sweep (GridSpec) written as TOML or JSON, with
// the same keys in both (docs/SWEEPS.md, "The sweep file"):
//   axes       a table: grid option (without "--") -> a list of values
//              (strings or numbers; a single value is a list of one)
//   seeds      runs per condition, an integer in 1..10000
//   seed_base  the first link seed, an integer
//   duration   each run's length, a DURATION string ("10s")
//   pattern    the built-in pattern, "WxH@FPS"
// Every key is optional; any other key is refused. TOML is TOML v1.0.0
// (toml++), JSON is RFC 8259 (nlohmann/json). Pure functions; any thread.
#include <string>

#include "client/sweep/sweep_grid.hpp"

namespace flowcast::client::sweep {

enum class SweepFormat { json, toml };

// The format of a sweep file: by its name (.toml, .json), else by its text
// (JSON when its first non-blank character is '{').
SweepFormat sweep_format_of(const std::string& path, const std::string& text);

// Reads a sweep file's text. Throws std::runtime_error that names what is
// wrong and where: a syntax error with its line and column ("not a sweep
// file: line 3, column 9: ..."); an unknown key or axis, a value of the wrong
// type ("seeds wants a whole number") or one the option refuses
// ("--link-rate wants a rate ..., not 'fast'"), with, in TOML, its line
// first ("line 5: ...").
// What it returns passes check_grid.
GridSpec read_sweep_file(const std::string& text, SweepFormat format = SweepFormat::json);

}  // namespace flowcast::client::sweep
