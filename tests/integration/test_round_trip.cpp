// The server measures the round trip to every viewer from its receiver
// reports (RFC 3550 §6.4.1: A - LSR - DLSR): flowcast-client echoes the
// server's last SR over TCP, UDP and RTSP alike. The server's emulated link
// delays what it sends by 50 ms, and the reports come back over loopback, so
// every measurement is at least about 50 ms and far below a second.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/binaries.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// The server's metrics after one viewer (flowcast's own, or RTSP) played 4 s
// of the pattern over `transport` through a 50 ms link.
json server_metrics_after(const std::string& transport, bool rtsp) {
  TempDir dir;
  const auto port = std::to_string(free_port());
  const auto rtsp_port = std::to_string(free_port());
  Process server(
      {kServer, "--port", port, "--rtsp-port", rtsp_port, "--pattern", "320x240@30", "--bitrate",
       "500k", "--link-delay", "50ms", "--duration", "60s", "--metrics", dir.file("server.json")},
      dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  if (rtsp) REQUIRE(wait_for_log(server, "RTSP at", 10s));
  const std::string target =
      rtsp ? "rtsp://127.0.0.1:" + rtsp_port + "/stream" : "127.0.0.1:" + port;
  Process client({kClient, target, "--transport", transport, "--headless", "--quiet", "--duration",
                  "4s", "--metrics", dir.file("client.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(60s);
  INFO(client.log());
  REQUIRE(code == 0);
  server.signal(SIGTERM);
  REQUIRE(server.wait_for(10s) == 0);
  return json::parse(read_file(dir.file("server.json")));
}

void check_round_trip(const json& server) {
  INFO(server.dump(1));
  REQUIRE(server["sessions"].size() == 1);
  const json& s = server["sessions"][0];
  // Reports every 500 ms, echoing SRs sent every 250 ms, for about 4 s.
  CHECK(s["round_trip_time_measurements"].get<int>() >= 3);
  const double latest = s["round_trip_time_ms"].get<double>();
  CHECK(latest >= 45);
  CHECK(latest < 1000);
  const double mean =
      s["total_round_trip_time_ms"].get<double>() / s["round_trip_time_measurements"].get<double>();
  CHECK(mean >= 45);
  CHECK(mean < 1000);
  CHECK(server["round_trip_time_measurements"] == s["round_trip_time_measurements"]);
}

}  // namespace

TEST_CASE("the server measures the round trip to a viewer over TCP", "[integration][tcp][rtt]") {
  check_round_trip(server_metrics_after("tcp", false));
}

TEST_CASE("the server measures the round trip to a viewer over UDP", "[integration][udp][rtt]") {
  check_round_trip(server_metrics_after("udp", false));
}

TEST_CASE("the server measures the round trip to an RTSP viewer", "[integration][rtsp][rtt]") {
  check_round_trip(server_metrics_after("tcp", true));
}
