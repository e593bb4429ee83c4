// --buffer adaptive when the link's jitter stops (issue #29): through a real
// UDP forwarder between client and server (tests/support/udp_jitter_link),
// with flowcast-server's --link-jitter model for the first 8 s and a clean
// link after, the adaptive target rises while the jitter lasts and comes
// back down once it stops, without a stall, and playback follows it no
// faster than the playout delay's slew (100 ms per second of media).
//
// How far and how fast, measured on loopback (640x360 pattern, 60 ms):
// the clean link's target settles at 65 to 70 ms; 8 s of jitter lift it to
// 84 to 95 ms; then it falls about 1 ms a second, the pace at which the
// jitter estimator forgets (its noise variance averages over 400 frames,
// 13 s at 30 fps: client/playout/jitter_estimator.hpp), to 68 to 76 ms at
// 25 s (a 50 s run that had peaked at 85 ms was back at 64 ms by 30 s).
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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
// The adaptive target on a clean loopback, once settled (2 s on): 65 to 70 ms.
constexpr double kCleanLinkMs = 70.0;

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
  return read_client_metrics(dir.file("client.json"));
}

double ms_of(const json& sample, const char* key) {
  return sample[key].get<double>();
}

// The highest target among the samples in [from_ms, to_ms).
double peak_target(const std::vector<json>& timeline, double from_ms, double to_ms) {
  double peak = 0;
  for (const json& s : timeline)
    if (ms_of(s, "t_ms") >= from_ms && ms_of(s, "t_ms") < to_ms)
      peak = std::max(peak, ms_of(s, "target_delay_ms"));
  return peak;
}

// The mean of `key` over the samples from `from_ms` on; 0 when there are none.
double mean_of(const std::vector<json>& timeline, const char* key, double from_ms) {
  double sum = 0;
  int n = 0;
  for (const json& s : timeline)
    if (ms_of(s, "t_ms") >= from_ms) {
      sum += ms_of(s, key);
      ++n;
    }
  return n == 0 ? 0 : sum / n;
}

// Target and actual delay once a second, for the failure message.
std::string once_a_second(const std::vector<json>& timeline) {
  std::string table = "t_ms: target_delay_ms / delay_ms\n";
  double next = 0;
  for (const json& s : timeline) {
    if (ms_of(s, "t_ms") < next) continue;
    next = ms_of(s, "t_ms") + 1000;
    table += std::to_string(static_cast<int>(ms_of(s, "t_ms"))) + ": " +
             std::to_string(static_cast<int>(ms_of(s, "target_delay_ms"))) + " / " +
             std::to_string(static_cast<int>(ms_of(s, "delay_ms"))) + "\n";
  }
  return table;
}

}  // namespace

TEST_CASE("adaptive buffer: when 8 s of 60 ms link jitter stop the target comes back down",
          "[integration][adaptive_buffer][long]") {
  JitterLinkCounts counts;
  const json m = play_through_link(
      {.jitter = kJitter, .jittery_for = kJitteryFor, .seed = 29, .queue_cap = 4096}, "25s",
      counts);
  // The link did jitter: every RTP packet of the first 8 s met it.
  INFO("link: jittered " << counts.jittered << ", held " << counts.held << ", dropped "
                         << counts.dropped);
  CHECK(counts.jittered > 1000);
  CHECK(counts.held > 300);
  CHECK(counts.dropped == 0);

  std::vector<json> timeline;
  for (const json& s : m["timeline"])
    if (s["delay_ms"].is_number()) timeline.push_back(s);
  REQUIRE(timeline.size() > 200);
  INFO(once_a_second(timeline));

  // While the jitter lasts the target rises above the clean link's (65 to
  // 70 ms on loopback, by then).
  const double jittery_peak = peak_target(timeline, kJitteryEndMs - 2000, kJitteryEndMs + 500);
  CHECK(jittery_peak > kCleanLinkMs + 8);
  // Once it stops, the target comes down (by 17 to 18 ms in the runs
  // measured), and playback follows it.
  const double end_target = mean_of(timeline, "target_delay_ms", 23000);
  const double end_actual = mean_of(timeline, "delay_ms", 23000);
  INFO("peak while jittery " << jittery_peak << " ms, at the end: target " << end_target
                             << " ms, actual " << end_actual << " ms");
  CHECK(end_target < jittery_peak - 10);
  CHECK(end_target < 100);
  CHECK(end_actual < 100);
  CHECK(std::abs(end_actual - end_target) < 10);

  // Playback moves its delay no faster than the slew (100 ms per second of
  // media) once playing, a stall's resume aside, and the target, an
  // estimate over hundreds of frames, no faster either; 3 ms for the
  // samples' own timing.
  double settled_from = 2000;  // the start's first measures aside
  for (size_t i = 1; i < timeline.size(); ++i) {
    const json& a = timeline[i - 1];
    const json& b = timeline[i];
    if (b["state"] != "playing") settled_from = ms_of(b, "t_ms") + 1000;
    if (ms_of(a, "t_ms") < settled_from || b["state"] != "playing") continue;
    const double allowed = 0.1 * (ms_of(b, "t_ms") - ms_of(a, "t_ms")) + 3.0;
    INFO("at " << ms_of(b, "t_ms") << " ms");
    CHECK(std::abs(ms_of(b, "target_delay_ms") - ms_of(a, "target_delay_ms")) <= allowed);
    CHECK(std::abs(ms_of(b, "delay_ms") - ms_of(a, "delay_ms")) <= allowed);
  }

  // On the clean link no packet comes too late or goes missing.
  const auto clean = std::find_if(timeline.begin(), timeline.end(), [](const json& s) {
    return ms_of(s, "t_ms") >= kJitteryEndMs + 1000;
  });
  REQUIRE(clean != timeline.end());
  CHECK(timeline.back()["late"] == (*clean)["late"]);
  CHECK(timeline.back()["lost"] == (*clean)["lost"]);

  // The buffer covered the jitter as it grew, and as it shrank, once the
  // estimate had seen it: playback starts at the 40 ms floor, and in the
  // first frames 60 ms of jitter may run it dry before the estimate has
  // grown (libwebrtc starts so too). A busy machine that made the client
  // itself late (the sweep's test of a spoilt run) may stall it all the
  // same: that is not the buffer's doing.
  if (m["client_load"]["late_pictures"] == 0) {
    int later_stalls = 0;
    std::string stalls;
    for (const json& e : m["stalls"]["events"]) {
      stalls += "stall at " + std::to_string(ms_of(e, "start_ms")) + " ms for " +
                std::to_string(ms_of(e, "duration_ms")) + " ms\n";
      if (ms_of(e, "start_ms") >= 2000) ++later_stalls;
    }
    INFO(stalls);
    CHECK(later_stalls == 0);
  } else {
    WARN("the client fell behind by itself (client_load " << m["client_load"].dump()
                                                          << "): its stalls are not judged");
  }
}
