#pragma once
// CLI11 validators for the values flowcast's command lines take, built on the
// parsers of units.hpp (DESIGN.md "Command line").
//
// Transformers (Option::transform) rewrite the text into the number the
// option is stored as, as CLI::AsSizeValue does:
//   AsDuration  DURATION "500ms", "2s", "1.5s"   -> microseconds, for a
//               std::chrono::microseconds (or an optional of one); 0 or at
//               least 1ms (every flowcast duration is in milliseconds or
//               more: "250us" is refused, and suggests 250ms)
//   AsRate      RATE "800k", "4M", "4000000"     -> bits per second, at least
//               1k ("2.8" is refused, and suggests 2.8M)
//   AsBytes     BYTES "65536", "64k", "8M"       -> bytes
//   AsPercent   PERCENT "2", "2%"                -> 2
//   OneOf       a name                           -> its enumerator
// Checks (Option::check) leave the text as it is: IsWithin (a number in a
// range), IsParsedBy (any other parser of units.hpp), IsPort, ExistingFile,
// ExistingFileOrUrl.
//
// A failed value gets a message that continues the option's name: CLI11
// writes "--buffer: wants a duration like ...", and usage_message
// (cli_usage.hpp) prints "--buffer wants a duration like ..., not 'abc'".
// The descriptions are empty: an option shows its value's kind in --help with
// type_name("DURATION"), as the design brief writes it.
//
// Header-only, as CLI11 is; no state, any thread.
#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/util/units.hpp"

namespace flowcast::common {

namespace cli_detail {

// "'abc'": the value as the user typed it, for messages.
inline std::string quoted(std::string_view value) {
  std::string out = "'";
  out += value;
  out += '\'';
  return out;
}

// "2.8", "500": a number without a unit.
inline bool is_bare_number(std::string_view value) {
  if (value.empty()) return false;
  for (char c : value)
    if (!(c >= '0' && c <= '9') && c != '.') return false;
  return true;
}

template <typename Number>
std::string number_text(Number value) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

}  // namespace cli_detail

// DURATION -> microseconds: 0, or at least 1 ms.
class AsDuration : public CLI::Validator {
 public:
  AsDuration() {
    name_ = "DURATION";
    func_ = [](std::string& value) -> std::string {
      const auto duration = parse_duration(value);
      if (!duration) {
        std::string message =
            "wants a duration like 500ms, 2s or 1.5s, not " + cli_detail::quoted(value);
        if (cli_detail::is_bare_number(value))
          message += " (a duration needs a unit: did you mean " + value + "ms?)";
        return message;
      }
      if (duration->count() > 0 && *duration < std::chrono::milliseconds(1)) {
        // "250us": flowcast's durations are milliseconds or more.
        std::string message = "must be 0ms or at least 1ms, not " + cli_detail::quoted(value);
        if (value.size() > 2 && value.compare(value.size() - 2, 2, "us") == 0)
          message += " (did you mean " + value.substr(0, value.size() - 2) + "ms?)";
        return message;
      }
      value = cli_detail::number_text(duration->count());
      return {};
    };
  }
};

// RATE -> bits per second, at least 1k.
class AsRate : public CLI::Validator {
 public:
  AsRate() {
    name_ = "RATE";
    func_ = [](std::string& value) -> std::string {
      const auto rate = parse_rate(value);
      if (!rate)
        return "wants a rate in bits per second like 800k, 4M or 4000000, not " +
               cli_detail::quoted(value);
      if (*rate < 1000) {
        // "2.8": 2.8 bit/s is no network; the unit was left out.
        std::string message =
            "must be at least 1k (1000 bits per second), not " + cli_detail::quoted(value);
        if (cli_detail::is_bare_number(value))
          message += " (a rate is in bits per second: did you mean " + value +
                     (*rate < 100 ? "M" : "k") + "?)";
        return message;
      }
      value = cli_detail::number_text(*rate);
      return {};
    };
  }
};

// BYTES -> bytes, at most `most`.
class AsBytes : public CLI::Validator {
 public:
  explicit AsBytes(int64_t most = std::numeric_limits<int64_t>::max()) {
    name_ = "BYTES";
    func_ = [most](std::string& value) -> std::string {
      const auto bytes = parse_bytes(value);
      if (!bytes)
        return "wants a size in bytes like 65536, 64k or 8M, not " + cli_detail::quoted(value);
      if (*bytes > most)
        return "wants a size of at most " + cli_detail::number_text(most) + " bytes, not " +
               cli_detail::quoted(value);
      value = cli_detail::number_text(*bytes);
      return {};
    };
  }
};

// PERCENT -> a number in 0..100.
class AsPercent : public CLI::Validator {
 public:
  AsPercent() {
    name_ = "PERCENT";
    func_ = [](std::string& value) -> std::string {
      const auto percent = parse_percent(value);
      if (!percent) {
        std::string message =
            "wants a percentage in 0..100 like 2 or 2%, not " + cli_detail::quoted(value);
        double number = 0;
        if (CLI::detail::lexical_cast(value, number) && number > 100)
          message += " (a share is at most 100%)";
        return message;
      }
      value = cli_detail::number_text(*percent);
      return {};
    };
  }
};

// One of a fixed set of names -> the value it names, for an option stored as
// an enumeration. Names are matched exactly (CLI::IsMember decides), and the
// enumerator's number is what CLI11 then stores (CLI::Transformer); a number
// typed by the user is not a name, so it is refused.
template <typename Enum>
class OneOf : public CLI::Validator {
  static_assert(std::is_enum_v<Enum>, "OneOf maps names to an enumeration");

 public:
  explicit OneOf(std::vector<std::pair<std::string, Enum>> names) {
    name_ = "NAME";
    std::vector<std::string> keys;
    std::vector<std::pair<std::string, std::string>> numbers;
    for (const auto& [name, value] : names) {
      keys.push_back(name);
      numbers.emplace_back(
          name, cli_detail::number_text(static_cast<std::underlying_type_t<Enum>>(value)));
    }
    // "tcp or udp", "block, drop-new, drop-old or grow".
    std::string choices;
    for (size_t i = 0; i < keys.size(); ++i)
      choices += (i == 0 ? "" : i + 1 == keys.size() ? " or " : ", ") + keys[i];
    CLI::Validator is_member = CLI::IsMember(keys);
    CLI::Validator to_number = CLI::Transformer(numbers);
    func_ = [is_member, to_number, choices](std::string& value) -> std::string {
      if (!is_member(value).empty())
        return "must be " + choices + ", not " + cli_detail::quoted(value);
      return to_number(value);
    };
  }
};

// One of a fixed set of names, kept as the name: "must be h264 or h265, not
// 'vp9'". The option's type name shows the choices (h264|h265); this check
// adds nothing to the help (CLI::IsMember would repeat them as {h264,h265}).
inline CLI::Validator IsOneOf(std::vector<std::string> names) {
  std::string choices;
  for (size_t i = 0; i < names.size(); ++i)
    choices += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return CLI::Validator(
      [names, choices](std::string& value) -> std::string {
        for (const auto& name : names)
          if (value == name) return {};
        return "must be " + choices + ", not " + cli_detail::quoted(value);
      },
      "", "ONE_OF");
}

// A number in least..most, inclusive: "must be between 100 and 65000, not
// '50'", or without `most`, "must be at least 1, not '0'". (CLI::Range says
// "Value 50 not in range 100 to 65000", and prints unbounded doubles whole.)
template <typename Number>
CLI::Validator IsWithin(Number least, Number most = std::numeric_limits<Number>::max()) {
  const std::string range =
      most == std::numeric_limits<Number>::max()
          ? "at least " + cli_detail::number_text(least)
          : "between " + cli_detail::number_text(least) + " and " + cli_detail::number_text(most);
  return CLI::Validator(
      [least, most, range](std::string& value) -> std::string {
        Number number{};
        if (!CLI::detail::lexical_cast(value, number))
          return "must be a number " + (range.rfind("at", 0) == 0 ? "of " + range : range) +
                 ", not " + cli_detail::quoted(value);
        if (number < least || number > most)
          return "must be " + range + ", not " + cli_detail::quoted(value);
        return {};
      },
      "", "RANGE");
}

// A check that `parse` (one of units.hpp's, returning an optional) accepts
// the value; `wants` says what it takes, e.g. "AT+FOR, like 2s+2s".
template <typename Parse>
CLI::Validator IsParsedBy(Parse parse, std::string wants) {
  return CLI::Validator(
      [parse, wants](std::string& value) -> std::string {
        if (parse(std::string_view(value))) return {};
        return "wants " + wants + ", not " + cli_detail::quoted(value);
      },
      "", "PARSED");
}

// A UDP or TCP port to listen on: 1..65535.
inline CLI::Validator IsPort() {
  return IsParsedBy(
      [](std::string_view text) {
        int port = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
        return ec == std::errc() && end == text.data() + text.size() && port >= 1 && port <= 65535;
      },
      "a PORT in 1..65535");
}

// An existing file, unless the value is a URL ("rtsp://...", "srt://..."),
// which the media library opens. `hint` says what to give instead
// (CLI::ExistingFile says what is wrong).
inline CLI::Validator ExistingFileOrUrl(std::string hint) {
  return CLI::Validator(
      [hint](std::string& value) -> std::string {
        if (value.find("://") != std::string::npos) return {};
        const std::string problem = CLI::ExistingFile(value);
        return problem.empty() ? problem : problem + " (" + hint + ")";
      },
      "", "FILE");
}

// An existing file; `hint` as above.
inline CLI::Validator ExistingFile(std::string hint) {
  return CLI::Validator(
      [hint](std::string& value) -> std::string {
        const std::string problem = CLI::ExistingFile(value);
        return problem.empty() ? problem : problem + " (" + hint + ")";
      },
      "", "FILE");
}

}  // namespace flowcast::common
