// The terminal side: a live status line under a pseudo-terminal, and make
// demo's whole story with no display and no terminal.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("on a terminal the status line refreshes in place and ends with the summary",
          "[integration]") {
  TempDir dir;
  PatternServer server(dir, "500k");
  REQUIRE(server.ready());
  const std::string port = server.port();
  // script(1) gives the client a pseudo-terminal and records what it drew.
  const std::string typescript = dir.file("typescript");
  const int rc = run_shell("script -q -e -c 'stty cols 200; " + kClient + " 127.0.0.1:" + port +
                           " --headless --duration 3s' '" + typescript + "' > /dev/null");
  REQUIRE(rc == 0);
  const std::string out = read_file(typescript);
  INFO(out);
  // Redrawn in place: carriage returns and erase-to-end-of-line, several times.
  size_t redraws = 0;
  for (size_t at = out.find("\r"); at != std::string::npos; at = out.find("\r", at + 1))
    if (out.compare(at + 1, 1, "\r") != 0 && out.compare(at + 1, 1, "\n") != 0) ++redraws;
  CHECK(redraws >= 6);
  CHECK(out.find("\x1b[K") != std::string::npos);
  for (const char* field : {"PLAYING", "buffer", "kernel", "stalls", "freezes", "lost", "damaged",
                            "corrupt", "tainted", "latency", "tcp/block"})
    CHECK(out.find(field) != std::string::npos);
  // The run ends with the summary table.
  const auto summary = out.rfind("flowcast-client summary");
  REQUIRE(summary != std::string::npos);
  for (const char* row : {"session", "startup", "stalls", "rebuffering ratio", "freezes",
                          "packets lost", "frames damaged", "latency p50/p95"})
    CHECK(out.find(row, summary) != std::string::npos);
}

TEST_CASE("make demo's story runs with no display and no terminal", "[integration][demo][long]") {
  TempDir dir;
  const auto started = std::chrono::steady_clock::now();
  const std::string log = dir.file("demo.log");
  const std::string build_dir = std::string(FLOWCAST_SERVER_BIN)
                                    .substr(0, std::string(FLOWCAST_SERVER_BIN).rfind("/server/"));
  const int rc = run_shell(
      "cd '" + std::string(FLOWCAST_SOURCE_DIR) +
      "' && env -u DISPLAY -u WAYLAND_DISPLAY CI=true DEMO_SECONDS=8 DEMO_OUT='" + dir.path() +
      "' scripts/demo.sh '" + build_dir + "' < /dev/null > '" + log + "' 2>&1");
  const std::string out = read_file(log);
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(std::chrono::steady_clock::now() - started < 120s);
  CHECK(out.find("flowcast-client summary (tcp") != std::string::npos);
  CHECK(out.find("flowcast-client summary (udp") != std::string::npos);
  CHECK(out.find("side by side") != std::string::npos);
  CHECK(out.find(dir.file("tcp.json")) != std::string::npos);
  const json tcp = read_client_metrics(dir.file("tcp.json"));
  const json udp = read_client_metrics(dir.file("udp.json"));
  CHECK(tcp["stalls"]["count"].get<int>() >= 1);
  CHECK(tcp["packets"]["lost"] == 0);
  CHECK(udp["packets"]["lost"].get<int>() > 0);
}
