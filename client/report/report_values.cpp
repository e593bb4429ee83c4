#include "client/report/report_values.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

#include "client/report/html_text.hpp"

namespace flowcast::client::report_page {
namespace {

const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                "#9467bd", "#8c564b", "#e377c2", "#17becf"};

}  // namespace

std::string colour_of(size_t run) {
  return kPalette[run % std::size(kPalette)];
}

const json* find(const json& j, const Pointer& pointer) {
  return j.contains(pointer) ? &j.at(pointer) : nullptr;
}

std::optional<double> number(const json* v) {
  if (!v || !v->is_number()) return std::nullopt;
  const double d = v->get<double>();
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<double> number_at(const json& j, const Pointer& pointer) {
  return number(find(j, pointer));
}
std::string key_of(const Pointer& pointer) {
  std::string key = pointer.to_string().substr(1);
  std::replace(key.begin(), key.end(), '/', '.');
  return key;
}

std::string format_number(double v, int decimals) {
  char buf[64];
  if (std::fabs(v) >= 1e15)
    std::snprintf(buf, sizeof buf, "%.6g", v);
  else if (v == std::floor(v))
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string seconds(double ms) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
  return buf;
}
std::string cell_text(const json* v, int decimals) {
  if (!v) return kDash;
  if (v->is_number_integer()) return v->dump();
  if (auto d = number(v)) return format_number(*d, decimals);
  if (v->is_string()) return html_escape(v->get_ref<const std::string&>());
  if (v->is_boolean()) return v->get<bool>() ? "yes" : "no";
  return kDash;
}

}  // namespace flowcast::client::report_page
