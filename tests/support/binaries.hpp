#pragma once
// The binaries under test, as tests/CMakeLists.txt passes them to each test
// executable, and readers of what they write.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "support/process.hpp"

namespace flowcast::test {

inline const std::string kServer = FLOWCAST_SERVER_BIN;
inline const std::string kClient = FLOWCAST_CLIENT_BIN;
inline const std::string kReport = FLOWCAST_REPORT_BIN;
inline const std::string kLoad = FLOWCAST_LOAD_BIN;    // bench/load: many viewers
inline const std::string kSweep = FLOWCAST_SWEEP_BIN;  // grids of runs

inline nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(read_file(path));
}

// flowcast-server playing the built-in pattern at 320x240@30 on a free port
// for at most 30 s, logging to DIR/server.log.
class PatternServer : public Process {
 public:
  explicit PatternServer(const TempDir& dir, const std::string& bitrate = "500k",
                         const std::vector<std::string>& extra = {})
      : PatternServer(dir, std::to_string(free_port()), bitrate, extra) {}
  const std::string& port() const { return port_; }
  // Waits (10 s at most) until it streams.
  bool ready() { return wait_for_log(*this, "streaming", std::chrono::seconds(10)); }

 private:
  PatternServer(const TempDir& dir, std::string port, const std::string& bitrate,
                const std::vector<std::string>& extra)
      : Process(arguments(port, bitrate, extra), dir.file("server.log")), port_(std::move(port)) {}
  static std::vector<std::string> arguments(const std::string& port, const std::string& bitrate,
                                            const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {kServer,  "--pattern", "320x240@30", "--bitrate", bitrate,
                                     "--port", port,        "--duration", "30s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  std::string port_;
};

}  // namespace flowcast::test
