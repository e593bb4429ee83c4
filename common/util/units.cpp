#include "common/util/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace flowcast::common {
namespace {

// Above this a value is surely a typo, and int64 arithmetic stays far from overflow.
constexpr double kMaxScaled = 1e15;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Length of the longest prefix of `text` that is a decimal: digits, then
// optionally '.' and at least one digit. 0 if it does not start with a digit.
size_t decimal_prefix(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i == 0) return 0;
  if (i + 1 < text.size() && text[i] == '.' && is_digit(text[i + 1])) {
    ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
  }
  return i;
}

// The value of a string that decimal_prefix accepted whole.
std::optional<double> parse_decimal(std::string_view text) {
  if (text.empty() || decimal_prefix(text) != text.size() || text.size() > 32) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int64_t> parse_integer(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// A decimal times the multiplier named by an optional one-letter suffix (k, M, G).
std::optional<int64_t> parse_scaled(std::string_view text, double base) {
  const size_t digits = decimal_prefix(text);
  const std::string_view suffix = text.substr(digits);
  double multiplier = 1;
  if (suffix.size() == 1) {
    switch (std::tolower(static_cast<unsigned char>(suffix[0]))) {
      case 'k':
        multiplier = base;
        break;
      case 'm':
        multiplier = base * base;
        break;
      case 'g':
        multiplier = base * base * base;
        break;
      default:
        return std::nullopt;
    }
  } else if (!suffix.empty()) {
    return std::nullopt;
  }
  const auto value = parse_decimal(text.substr(0, digits));
  if (!value) return std::nullopt;
  const double scaled = *value * multiplier;
  if (scaled > kMaxScaled) return std::nullopt;
  const int64_t rounded = std::llround(scaled);
  if (rounded <= 0) return std::nullopt;
  return rounded;
}

bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '[' || c == ']' || c == '/') {
      return false;
    }
  }
  return true;
}

std::optional<uint16_t> parse_port(std::string_view text) {
  const auto port = parse_integer(text, 5);
  if (!port || *port < 1 || *port > 65535) return std::nullopt;
  return static_cast<uint16_t>(*port);
}

// Appends `value` / `unit` with the fraction's trailing zeros trimmed ("1.5", "2").
void append_fixed(std::string& out, int64_t value, int64_t unit, int fraction_digits) {
  out += std::to_string(value / unit);
  int64_t fraction = value % unit;
  if (fraction == 0) return;
  std::string digits = std::to_string(fraction);
  digits.insert(0, static_cast<size_t>(fraction_digits) - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  out += '.';
  out += digits;
}

}  // namespace

std::optional<std::chrono::microseconds> parse_duration(std::string_view text) {
  const size_t digits = decimal_prefix(text);
  const std::string_view unit = text.substr(digits);
  double unit_us = 0;
  if (unit == "us") {
    unit_us = 1;
  } else if (unit == "ms") {
    unit_us = 1e3;
  } else if (unit == "s") {
    unit_us = 1e6;
  } else if (unit == "min") {
    unit_us = 60e6;
  } else {
    return std::nullopt;
  }
  const auto value = parse_decimal(text.substr(0, digits));
  if (!value) return std::nullopt;
  const double us = *value * unit_us;
  if (us > kMaxScaled) return std::nullopt;
  return std::chrono::microseconds(std::llround(us));
}

std::optional<int64_t> parse_rate(std::string_view text) {
  return parse_scaled(text, 1000);
}

std::optional<int64_t> parse_bytes(std::string_view text) {
  return parse_scaled(text, 1024);
}

std::optional<double> parse_percent(std::string_view text) {
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  const auto value = parse_decimal(text);
  if (!value || *value > 100) return std::nullopt;
  return value;
}

std::optional<AtFor> parse_at_for(std::string_view text) {
  const size_t plus = text.find('+');
  if (plus == std::string_view::npos) return std::nullopt;
  const auto at = parse_duration(text.substr(0, plus));
  const auto duration = parse_duration(text.substr(plus + 1));
  if (!at || !duration) return std::nullopt;
  return AtFor{*at, *duration};
}

std::optional<std::pair<int64_t, int64_t>> parse_picture_size(std::string_view text) {
  const size_t x = text.find('x');
  if (x == std::string_view::npos) return std::nullopt;
  const auto width = parse_integer(text.substr(0, x), 5);
  const auto height = parse_integer(text.substr(x + 1), 5);
  auto valid = [](const std::optional<int64_t>& v) { return v && *v >= 16 && *v <= 65536; };
  if (!valid(width) || !valid(height)) return std::nullopt;
  return std::pair{*width, *height};
}

std::optional<PatternSpec> parse_pattern(std::string_view text) {
  const size_t x = text.find('x');
  const size_t at = text.find('@');
  if (x == std::string_view::npos || at == std::string_view::npos || at < x) return std::nullopt;
  const auto width = parse_integer(text.substr(0, x), 5);
  const auto height = parse_integer(text.substr(x + 1, at - x - 1), 5);
  const auto fps = parse_integer(text.substr(at + 1), 3);
  if (!width || !height || !fps) return std::nullopt;
  auto valid_size = [](int64_t v) { return v >= 16 && v <= 7680 && v % 2 == 0; };
  if (!valid_size(*width) || !valid_size(*height) || *fps < 1 || *fps > 240) return std::nullopt;
  return PatternSpec{static_cast<int>(*width), static_cast<int>(*height), static_cast<int>(*fps)};
}

std::optional<HostPort> parse_host_port(std::string_view text, uint16_t default_port) {
  std::string_view host;
  std::optional<std::string_view> port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else {
    const size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
    } else {
      host = text;  // no colon, or several: a bare IPv6 address
    }
  }
  if (!valid_host(host)) return std::nullopt;
  uint16_t port = default_port;
  if (port_text) {
    const auto parsed = parse_port(*port_text);
    if (!parsed) return std::nullopt;
    port = *parsed;
  }
  if (port == 0) return std::nullopt;
  return HostPort{std::string(host), port};
}

std::string format_duration(std::chrono::microseconds duration) {
  int64_t us = duration.count();
  std::string out;
  if (us < 0) {
    out += '-';
    // The most negative value has no positive counterpart; it is far beyond any real duration.
    us = us == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max() : -us;
  }
  if (us >= 1'000'000) {
    append_fixed(out, us, 1'000'000, 6);
    out += 's';
  } else if (us >= 1'000 || us == 0) {
    append_fixed(out, us, 1'000, 3);
    out += "ms";
  } else {
    out += std::to_string(us);
    out += "us";
  }
  return out;
}

}  // namespace flowcast::common
