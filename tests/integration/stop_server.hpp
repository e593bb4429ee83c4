#pragma once
// Ends a flowcast-server test process the way a user does (SIGTERM: it
// writes its --metrics file as it stops), requires a clean exit, and reads
// the metrics.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "support/binaries.hpp"
#include "support/process.hpp"

namespace flowcast::test {

inline nlohmann::json stop_and_read(Process& server, const std::string& metrics) {
  server.signal(SIGTERM);
  const auto code = server.wait_for(std::chrono::seconds(10));
  INFO(server.log());
  REQUIRE(code == 0);
  return read_json(metrics);
}

}  // namespace flowcast::test
