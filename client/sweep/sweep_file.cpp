#include "client/sweep/sweep_file.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

#include "common/util/units.hpp"

namespace flowcast::client::sweep {

namespace {

using nlohmann::json;

// Where a key of the file is ("line 5: ", or "" when not known), by its
// path: "axes", "axes.link-rate", "axes.link-rate[1]".
using Where = std::function<std::string(const std::string& path)>;

constexpr const char* kKeys = "axes, seeds, seed_base, duration, pattern";

[[noreturn]] void refuse(const Where& where, const std::string& path, const std::string& what) {
  throw std::runtime_error(where(path) + what);
}

std::string type_name(const json& value) {
  if (value.is_object()) return "a table";
  if (value.is_array()) return "a list";
  if (value.is_string()) return "text";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  return "null";
}

// An axis value as the programs get it: text as it is, a number as written.
std::string value_text(const json& value, const Where& where, const std::string& path) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return value.dump();
  refuse(where, path, path + ": a value is text or a number, not " + type_name(value));
}

int64_t whole_number(const json& value, const Where& where, const std::string& key) {
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    refuse(where, key, key + " is too large: " + value.dump());
  if (!value.is_number_integer())
    refuse(where, key, key + " wants a whole number, not " + type_name(value) + " " + value.dump());
  return value.get<int64_t>();
}

std::string text(const json& value, const Where& where, const std::string& key,
                 const char* example) {
  if (!value.is_string())
    refuse(where, key, key + " wants text like \"" + example + "\", not " + type_name(value));
  return value.get<std::string>();
}

// The grid of a parsed file, every key checked where it is.
GridSpec grid_from(const json& doc, const Where& where) {
  if (!doc.is_object())
    refuse(
        where, "",
        "a sweep file is a table with the keys " + std::string(kKeys) + ", not " + type_name(doc));
  GridSpec spec;
  for (const auto& [key, value] : doc.items()) {
    if (key == "axes") {
      if (!value.is_object())
        refuse(where, key, "axes wants a table of grid options, not " + type_name(value));
      for (const auto& [axis, list] : value.items()) {
        const std::string path = "axes." + axis;
        if (!find_axis(axis))
          refuse(where, path, "axes: \"" + axis + "\" is no grid option (see --help)");
        auto& values = spec.axes[axis];
        const json items = list.is_array() ? list : json::array({list});
        if (items.empty()) refuse(where, path, "axes: \"" + axis + "\" has no values");
        for (size_t i = 0; i < items.size(); ++i) {
          const std::string at = list.is_array() ? path + "[" + std::to_string(i) + "]" : path;
          const std::string v = value_text(items[i], where, at);
          if (const auto problem = check_axis_value(axis, v); !problem.empty())
            refuse(where, at, "--" + axis + " " + problem);
          if (std::find(values.begin(), values.end(), v) != values.end())
            refuse(where, at, "--" + axis + " lists '" + v + "' twice");
          values.push_back(v);
        }
      }
    } else if (key == "seeds") {
      const int64_t seeds = whole_number(value, where, key);
      if (seeds < 1 || seeds > 10000)
        refuse(where, key, "seeds must be in 1..10000, not " + std::to_string(seeds));
      spec.seeds = static_cast<int>(seeds);
    } else if (key == "seed_base") {
      spec.seed_base = whole_number(value, where, key);
    } else if (key == "duration") {
      spec.duration = text(value, where, key, "20s");
      if (!common::parse_duration(spec.duration))
        refuse(where, key, "duration wants a duration like 20s, not '" + spec.duration + "'");
    } else if (key == "pattern") {
      spec.pattern = text(value, where, key, "640x360@30");
      if (!common::parse_pattern(spec.pattern))
        refuse(where, key, "pattern wants WxH@FPS like 640x360@30, not '" + spec.pattern + "'");
    } else {
      refuse(where, key, "\"" + key + "\" is no key of a sweep file (" + kKeys + ")");
    }
  }
  // What no single key shows: axes that exclude each other, seeds past the last.
  if (const std::string problem = check_grid(spec); !problem.empty())
    refuse(where, problem.rfind("seed_base", 0) == 0 ? "seed_base" : "axes", problem);
  return spec;
}

// A TOML document as JSON, and the line of every value by its path.
json json_of(const toml::node& node, const std::string& path, std::map<std::string, int>& lines) {
  lines[path] = static_cast<int>(node.source().begin.line);
  if (const auto* table = node.as_table()) {
    json out = json::object();
    for (const auto& [key, value] : *table) {
      const std::string name(key.str());
      out[name] = json_of(value, path.empty() ? name : path + "." + name, lines);
    }
    return out;
  }
  if (const auto* array = node.as_array()) {
    json out = json::array();
    for (size_t i = 0; i < array->size(); ++i)
      out.push_back(json_of(*array->get(i), path + "[" + std::to_string(i) + "]", lines));
    return out;
  }
  if (const auto* v = node.as_string()) return v->get();
  if (const auto* v = node.as_integer()) return v->get();
  if (const auto* v = node.as_floating_point()) {
    // TOML's inf and nan have no JSON form; no option takes them.
    if (!std::isfinite(v->get()))
      throw std::runtime_error("line " + std::to_string(lines[path]) + ": " + path +
                               ": not a finite number");
    return v->get();
  }
  if (const auto* v = node.as_boolean()) return v->get();
  throw std::runtime_error("line " + std::to_string(lines[path]) + ": " + path +
                           ": a date or time is no value of a sweep file");
}

GridSpec read_json(const std::string& text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 3, column 9: ..."
    throw std::runtime_error(std::string("not a sweep file: ") + e.what());
  }
  return grid_from(doc, [](const std::string&) { return std::string(); });
}

// toml++ 3.3 (Debian's) classifies a non-ASCII character as whitespace or
// not through a table that reaches TOML_UNREACHABLE for most of U+00A1 to
// U+FEFE (é included): undefined behaviour on any such byte. So a TOML sweep
// file is ASCII; a non-ASCII name is written as a \uXXXX escape in a string
// or in a JSON sweep file.
void require_ascii(const std::string& text) {
  size_t line = 1, column = 1;
  for (const char ch : text) {
    if (static_cast<unsigned char>(ch) >= 0x80)
      throw std::runtime_error("not a sweep file: line " + std::to_string(line) + ", column " +
                               std::to_string(column) +
                               ": a TOML sweep file is ASCII; write other characters as "
                               "\\uXXXX in a string, or use a JSON sweep file");
    if (ch == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
}

GridSpec read_toml(const std::string& text) {
  require_ascii(text);
  toml::table table;
  try {
    table = toml::parse(std::string_view(text));
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw std::runtime_error("not a sweep file: line " + std::to_string(at.line) + ", column " +
                             std::to_string(at.column) + ": " + std::string(e.description()));
  }
  std::map<std::string, int> lines;
  const json doc = json_of(table, "", lines);
  // A path not in the file (a key the grid checks as a whole) falls back to
  // its table's line.
  const Where where = [&lines](const std::string& path) {
    for (std::string p = path;;) {
      const auto it = lines.find(p);
      if (it != lines.end() && it->second > 0) return "line " + std::to_string(it->second) + ": ";
      if (p.empty()) return std::string();
      const size_t cut = p.find_last_of(".[");
      p = cut == std::string::npos ? std::string() : p.substr(0, cut);
    }
  };
  return grid_from(doc, where);
}

}  // namespace

SweepFormat sweep_format_of(const std::string& path, const std::string& text) {
  auto ends_with = [&path](std::string_view tail) {
    return path.size() >= tail.size() &&
           path.compare(path.size() - tail.size(), tail.size(), tail.data(), tail.size()) == 0;
  };
  if (ends_with(".toml")) return SweepFormat::toml;
  if (ends_with(".json")) return SweepFormat::json;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c)))
      return c == '{' ? SweepFormat::json : SweepFormat::toml;
  return SweepFormat::toml;
}

GridSpec read_sweep_file(const std::string& text, SweepFormat format) {
  return format == SweepFormat::toml ? read_toml(text) : read_json(text);
}

}  // namespace flowcast::client::sweep
