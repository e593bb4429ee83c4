#pragma once
// flowcast-client run as the integration tests run it: headless, its
// metrics to a file, its framemd5 to another when asked, its stdout and
// stderr to a log, all in the test's folder; then waited for, its exit code
// required, and what it wrote read back (the metrics with their frame
// conservation checked, support/frame_conservation.hpp).
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

namespace flowcast::test {

// Waits up to `timeout` for `p` to end and requires exit code `code`; on a
// failure the log of `p` and of each of `peers` (anything with a log(): a
// Process, an RtspServer) is shown. Returns what it waited for.
template <class... Peers>
std::optional<int> require_exit(Process& p, int code, std::chrono::milliseconds timeout,
                                const Peers&... peers) {
  const auto got = p.wait_for(timeout);
  INFO(p.log());
  std::string peer_logs;
  ((peer_logs += peers.log()), ...);
  INFO(peer_logs);
  REQUIRE(got == code);
  return got;
}

// How flowcast-client is run: always with --headless and --metrics
// DIR/client.json, its output in DIR/client.log.
struct ClientOptions {
  std::chrono::milliseconds timeout = std::chrono::seconds(30);  // to end in
  int exit_code = 0;                                             // required of it
  bool framemd5 = false;  // --framemd5 DIR/client.framemd5, read as ClientRun::pictures
};

// What one run left.
struct ClientRun {
  int code = -1;                      // its exit code (the one required)
  std::string log;                    // its stdout and stderr
  nlohmann::json metrics;             // its --metrics file; null when a failing run wrote none
  std::vector<std::string> pictures;  // the hashes of its --framemd5 file, in order
  std::chrono::steady_clock::duration took{};  // from its start to its end
};

// flowcast-client started on `args` (what follows the binary, without the
// options ClientOptions adds), in the test thread.
class Client {
 public:
  Client(const TempDir& dir, std::vector<std::string> args, ClientOptions options = {})
      : options_(std::move(options)),
        metrics_(dir.file("client.json")),
        framemd5_(dir.file("client.framemd5")),
        process_(arguments(std::move(args)), dir.file("client.log")) {}

  Process& process() { return process_; }
  std::string log() const { return process_.log(); }

  // Waits for its end (ClientOptions::timeout) and requires its exit code,
  // showing its log and the peers' on a failure; then reads what it wrote.
  template <class... Peers>
  ClientRun finish(const Peers&... peers) {
    ClientRun run;
    run.code = *require_exit(process_, options_.exit_code, options_.timeout, peers...);
    run.took = std::chrono::steady_clock::now() - started_;
    run.log = process_.log();
    if (options_.exit_code == 0 || file_exists(metrics_))
      run.metrics = read_client_metrics(metrics_);
    if (options_.framemd5) run.pictures = framemd5_hashes(framemd5_);
    return run;
  }

 private:
  std::vector<std::string> arguments(std::vector<std::string> args) const {
    args.insert(args.begin(), kClient);
    args.insert(args.end(), {"--headless", "--metrics", metrics_});
    if (options_.framemd5) args.insert(args.end(), {"--framemd5", framemd5_});
    return args;
  }

  ClientOptions options_;
  std::string metrics_, framemd5_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  Process process_;
};

// flowcast-client on `args` run to its end: Client, then Client::finish.
template <class... Peers>
ClientRun run_client(const TempDir& dir, std::vector<std::string> args, ClientOptions options = {},
                     const Peers&... peers) {
  Client client(dir, std::move(args), std::move(options));
  return client.finish(peers...);
}

// The --transport of a test's transport name: "tcp" and "udp" are
// flowcast's own, "rtsp-tcp" and "rtsp-udp" RTSP's (FileServer::url).
inline std::string lower_transport(const std::string& transport) {
  return transport.rfind("rtsp-", 0) == 0 ? transport.substr(5) : transport;
}
inline bool is_rtsp(const std::string& transport) {
  return transport.rfind("rtsp-", 0) == 0;
}

}  // namespace flowcast::test
