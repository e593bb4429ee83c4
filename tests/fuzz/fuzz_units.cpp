// Fuzz target: the command-line value parsers of common/util/units.hpp
// (parse_duration, parse_rate, parse_percent, parse_at_for, parse_pattern,
// parse_picture_size, parse_host_port, parse_bytes), each on the whole input
// as a string.
// Asserts: what they accept is in the documented range (durations >= 0,
// rates and sizes > 0, percentages in 0..100, patterns even-sized in
// 16..7680 at 1..240 fps, picture sides in 16..65536, a port in 1..65535 and
// a host without spaces or brackets), and format_duration of a parsed
// duration parses back to it.
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/util/units.hpp"
#include "fuzz_input.hpp"

using namespace flowcast::common;
using std::chrono::microseconds;

namespace {

// Values above this are refused as typos (units.cpp); a margin for rounding.
constexpr int64_t kMaxValue = 1'000'000'000'000'001;

void check_duration(microseconds d) {
  FUZZ_CHECK(d.count() >= 0 && d.count() <= kMaxValue);
  FUZZ_CHECK(parse_duration(format_duration(d)) == d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (const auto d = parse_duration(text)) check_duration(*d);
  if (const auto at_for = parse_at_for(text)) {
    check_duration(at_for->at);
    check_duration(at_for->duration);
  }
  if (const auto rate = parse_rate(text)) FUZZ_CHECK(*rate > 0 && *rate <= kMaxValue);
  if (const auto bytes = parse_bytes(text)) FUZZ_CHECK(*bytes > 0 && *bytes <= kMaxValue);
  if (const auto percent = parse_percent(text)) FUZZ_CHECK(*percent >= 0 && *percent <= 100);
  if (const auto pattern = parse_pattern(text)) {
    for (int side : {pattern->width, pattern->height})
      FUZZ_CHECK(side >= 16 && side <= 7680 && side % 2 == 0);
    FUZZ_CHECK(pattern->fps >= 1 && pattern->fps <= 240);
  }
  if (const auto picture = parse_picture_size(text)) {
    for (int64_t side : {picture->first, picture->second}) FUZZ_CHECK(side >= 16 && side <= 65536);
  }
  for (uint16_t default_port : {uint16_t{5004}, uint16_t{0}}) {
    const auto host_port = parse_host_port(text, default_port);
    if (!host_port) continue;
    FUZZ_CHECK(host_port->port >= 1);
    FUZZ_CHECK(!host_port->host.empty());
    for (char c : host_port->host)
      FUZZ_CHECK(!std::isspace(static_cast<unsigned char>(c)) && c != '[' && c != ']');
  }
  return 0;
}
