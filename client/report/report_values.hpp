#pragma once
// The report page's values (report.hpp): reading numbers from a metrics
// document whatever it holds, and writing them as the page shows them, in
// table cells, captions and tooltips; the colour each run is drawn in.
// Internal to the report library (report_page namespace).
//
// Pure functions of their arguments; any thread. Never throw but
// std::bad_alloc: a missing or hostile value is nullptr, nullopt or a dash.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace flowcast::client::report_page {

using nlohmann::json;
using Pointer = json::json_pointer;

// Shown for a value that is null or missing.
inline constexpr const char* kDash = "\u2014";

// The colour of run `run` (0-based), in run order, repeating after eight.
std::string colour_of(size_t run);

// The value at pointer, or nullptr when a step is missing or of another
// type than the pointer goes through.
const json* find(const json& j, const Pointer& pointer);
// A finite number, or nullopt (missing, not a number, not finite).
std::optional<double> number(const json* v);
std::optional<double> number_at(const json& j, const Pointer& pointer);

// "config.buffer_ms": a pointer as the page and its messages name it.
std::string key_of(const Pointer& pointer);
// Whole numbers without decimals, others with `decimals`; from 1e15 on, in
// %g notation.
std::string format_number(double v, int decimals);
// Milliseconds as seconds with one decimal: "12.5 s".
std::string seconds(double ms);
// A table cell's text, escaped: numbers with `decimals`, strings as they
// are, booleans as yes / no, anything else (null, missing, objects) as a dash.
std::string cell_text(const json* v, int decimals);

}  // namespace flowcast::client::report_page
