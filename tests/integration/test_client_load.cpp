// The client's own lag (client_load, docs/METRICS.md): a client held still
// by the machine (SIGSTOP, as a scheduler starving it would) comes back late
// for the picture it held, says so in its metrics, and flowcast-sweep takes
// that run as one the machine was too busy for.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "client/sweep/sweep_results.hpp"
#include "support/binaries.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("a client held still for 400 ms reports its own lag, and the sweep rejects the run",
          "[integration][sweep]") {
  TempDir dir;
  const auto port = std::to_string(free_port());
  Process server({kServer, "--port", port, "--pattern", "320x240@30", "--bitrate", "400k",
                  "--duration", "60s"},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  Process client({kClient, "127.0.0.1:" + port, "--transport", "tcp", "--headless", "--quiet",
                  "--duration", "5s", "--metrics", dir.file("client.json")},
                 dir.file("client.log"));
  // Playing by now (startup is well under a second on loopback).
  REQUIRE_FALSE(client.wait_for(2500ms));
  client.signal(SIGSTOP);
  REQUIRE_FALSE(server.wait_for(400ms));
  client.signal(SIGCONT);
  const auto code = client.wait_for(30s);
  INFO(client.log());
  REQUIRE(code == 0);
  const json m = json::parse(read_file(dir.file("client.json")));
  const json& load = m.at("client_load");
  INFO(load.dump());
  // About 30 waits a second before and after the stop.
  CHECK(load.at("wakes").get<int>() >= 30);
  // The picture it held was due at most a frame after the stop began.
  CHECK(load.at("wake_late_ms").at("max").get<double>() >= 300);
  // One wake-up in 100 or so was the stop: the rest were on time.
  CHECK(load.at("wake_late_ms").at("p50").get<double>() < 100);
  CHECK(load.at("cpu_ms").get<double>() > 0);
  CHECK_THAT(flowcast::client::sweep::client_busy_reason(m), Catch::Contains("client"));
}
