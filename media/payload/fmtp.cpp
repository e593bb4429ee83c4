#include "media/payload/fmtp.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "media/ffmpeg/base64.hpp"

namespace flowcast::media {

std::string_view trim_fmtp(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string lower_fmtp(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string_view> split_fmtp(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t at = s.find(separator);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

std::optional<uint32_t> parse_fmtp_uint(std::string_view s, uint32_t max) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || v > max) return std::nullopt;
  return v;
}

std::string quote_fmtp(std::string_view s) {
  constexpr size_t kShown = 60;
  std::string out = "'" + std::string(s.substr(0, kShown));
  if (s.size() > kShown) out += "...";
  return out + "'";
}

FmtpItems fmtp_items(std::string_view fmtp) {
  FmtpItems items;
  for (std::string_view item : split_fmtp(fmtp, ';')) {
    item = trim_fmtp(item);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    items.emplace_back(lower_fmtp(trim_fmtp(item.substr(0, eq))),
                       eq == std::string_view::npos ? "" : trim_fmtp(item.substr(eq + 1)));
  }
  return items;
}

std::vector<uint8_t> decode_parameter_set(std::string_view text) {
  auto bytes = base64_decode(text);
  if (!bytes)
    throw FormatParameterError("sprop-parameter-sets: " + quote_fmtp(text) + " is not base64");
  return std::move(*bytes);
}

std::vector<std::string_view> parameter_set_list(std::string_view value) {
  std::vector<std::string_view> sets;
  for (std::string_view set : split_fmtp(value, ','))
    if (!trim_fmtp(set).empty()) sets.push_back(trim_fmtp(set));
  return sets;
}

}  // namespace flowcast::media
