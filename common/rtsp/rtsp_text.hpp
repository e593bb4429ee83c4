#pragma once
// The text rules the RTSP parsers share (rtsp_message, rtsp_headers,
// rtsp_url): RFC 2326 §4.2 names compared without case, linear white space
// trimmed, numbers read whole, values split outside quoted strings. Internal
// to common/rtsp/ (rtsp_text namespace).
//
// Pure; any thread; nothing throws: what does not read is nullopt.
#include <charconv>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

namespace flowcast::common::rtsp_text {

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);
// Without leading spaces and tabs, and trailing spaces, tabs and CRs.
std::string_view trim(std::string_view s);
// Splits on sep, outside double quotes; always at least one part.
std::vector<std::string_view> split(std::string_view s, char sep);
// A control byte (below 0x20 but tab, or DEL) is in s.
bool has_control_bytes(std::string_view s);

// The whole of s (trimmed) as a decimal T, or nullopt (empty, not a
// number, out of T's range, anything after it).
template <typename T>
std::optional<T> number(std::string_view s) {
  T value{};
  s = trim(s);
  if (s.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace flowcast::common::rtsp_text
