// Parsing of command-line values: durations, rates, percentages, sizes,
// addresses. Pure functions: they return nullopt on anything they do not
// accept (never throw), and accept no surrounding whitespace.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace flowcast::common {

// A non-negative decimal ("2", "1.5") followed by a unit: "us", "ms", "s" or
// "min". "500ms", "2s", "1.5s", "0ms", "250us", "2min". Rejects bare numbers,
// "1m" (milli or minute?), negatives, exponents, garbage, empty. Rounded to
// the nearest microsecond.
std::optional<std::chrono::microseconds> parse_duration(std::string_view text);

// Bits per second: a decimal with an optional k, M or G suffix (powers of
// 1000, case-insensitive): "800k", "4M", "1.5M", "4000000", "1G". Rejects
// values that round to <= 0, and garbage.
std::optional<int64_t> parse_rate(std::string_view text);

// "2", "2%", "0.5%": a decimal in 0..100 inclusive, with an optional "%".
std::optional<double> parse_percent(std::string_view text);

struct AtFor {
  std::chrono::microseconds at;
  std::chrono::microseconds duration;
};
// AT+FOR, two durations joined by '+': "2s+2s", "500ms+1.5s".
std::optional<AtFor> parse_at_for(std::string_view text);

struct PatternSpec {
  int width = 0;
  int height = 0;
  int fps = 0;
};
// WxH@FPS, "1280x720@30": even width and height in 16..7680, fps in 1..240.
std::optional<PatternSpec> parse_pattern(std::string_view text);
// WxH, "3840x2160": a picture size, each side in 16..65536 pixels.
std::optional<std::pair<int64_t, int64_t>> parse_picture_size(std::string_view text);

struct HostPort {
  std::string host;
  uint16_t port = 0;
};
// "127.0.0.1", "localhost:5004", "[::1]:5004", "[::1]", "::1" (a bare IPv6
// address takes the default port). The host is not resolved, only checked to
// be non-empty and free of whitespace and brackets; ":5004" is rejected. The
// port (given, or default_port) must be in 1..65535.
std::optional<HostPort> parse_host_port(std::string_view text, uint16_t default_port);

// Bytes: a decimal with an optional k, M or G suffix (powers of 1024 here,
// case-insensitive): "65536", "64k", "8M", "1.5M". Rejects values that round
// to <= 0, and garbage.
std::optional<int64_t> parse_bytes(std::string_view text);

// Short human form for messages: "1.5s", "2s", "500ms", "1.25ms", "250us",
// "0ms", "-2s". parse_duration reads back every non-negative value it writes.
std::string format_duration(std::chrono::microseconds duration);

}  // namespace flowcast::common
