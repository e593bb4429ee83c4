#pragma once
// How flowcast's programs end on a usage error (DESIGN.md "Command line"):
// one message on stderr that says what is wrong, then "(see PROGRAM --help)",
// and exit code 2. Every usage error takes this path: CLI11's own (an unknown
// flag, a value a validator refused, --sdp without --listen), and the checks
// a program makes after parsing, thrown as CLI::ValidationError.
//
// Header-only, as CLI11 is. Main thread.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <string_view>

namespace flowcast::common {

// Exit code of a usage error.
inline constexpr int kUsageExitCode = 2;

// "flowcast-client: --buffer wants a duration like 500ms, 2s or 1.5s, not
// 'abc'\n(see flowcast-client --help)\n". Shaped as a CLI11 failure message
// (App::failure_message). CLI11 joins an option's name and a validator's
// complaint with ": "; the validators of cli_units.hpp write their complaint
// to continue the name ("wants ...", "must be ..."), so the colon goes there.
inline std::string usage_message(const CLI::App* app, const CLI::Error& error) {
  std::string message = error.what();
  const size_t colon = message.find(": ");
  if (colon != std::string::npos && colon > 0 && message.find(' ') > colon) {
    const std::string_view rest = std::string_view(message).substr(colon + 2);
    if (rest.rfind("wants ", 0) == 0 || rest.rfind("must ", 0) == 0) message.erase(colon, 1);
  }
  const std::string& program = app->get_name();
  return program + ": " + message + "\n(see " + program + " --help)\n";
}

// What main returns for an error from app.parse(), or for one of its own
// checks after parsing: --help prints the help on stdout and gives 0;
// anything else prints usage_message on stderr and gives kUsageExitCode.
inline int usage_exit(const CLI::App& app, const CLI::Error& error) {
  if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(error);
  std::cerr << usage_message(&app, error) << std::flush;
  return kUsageExitCode;
}

}  // namespace flowcast::common
