#pragma once
// The binaries under test, as tests/CMakeLists.txt passes them to each test
// executable, and readers of what they write.
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
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

// flowcast-server serving `input` (a file, or a URL it relays) on a free
// port for its own TCP and UDP and another for RTSP, for at most 60 s,
// logging to DIR/server.log.
class FileServer : public Process {
 public:
  FileServer(const TempDir& dir, const std::string& input,
             const std::vector<std::string>& extra = {})
      : FileServer(dir, input, std::to_string(free_port()), std::to_string(free_port()), extra) {}
  const std::string& port() const { return port_; }
  const std::string& rtsp_port() const { return rtsp_port_; }
  // Waits (`timeout`) until it streams and its RTSP listener is up.
  bool ready(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return wait_for_log(*this, "RTSP at", timeout);
  }
  // What flowcast-client is given for a transport of "tcp" or "udp" (its
  // own) or "rtsp-tcp" or "rtsp-udp".
  std::string url(const std::string& transport) const {
    return transport.rfind("rtsp-", 0) == 0 ? "rtsp://127.0.0.1:" + rtsp_port_ + "/stream"
                                            : "127.0.0.1:" + port_;
  }
  // Stops it as a user does (SIGTERM); its exit code, or nullopt when it
  // has not ended within 10 s.
  std::optional<int> stop() {
    signal(SIGTERM);
    return wait_for(std::chrono::seconds(10));
  }

 private:
  FileServer(const TempDir& dir, const std::string& input, std::string port, std::string rtsp_port,
             const std::vector<std::string>& extra)
      : Process(arguments(input, port, rtsp_port, extra), dir.file("server.log")),
        port_(std::move(port)),
        rtsp_port_(std::move(rtsp_port)) {}
  static std::vector<std::string> arguments(const std::string& input, const std::string& port,
                                            const std::string& rtsp_port,
                                            const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {kServer,       input,     "--port",     port,
                                     "--rtsp-port", rtsp_port, "--duration", "60s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  std::string port_, rtsp_port_;
};

}  // namespace flowcast::test
