// --buffer adaptive against a real flowcast-server on loopback: it settles at
// a small delay on a clean link, and under the link's jitter it grows until
// no frame is late, at a latency well under the fixed 500 ms default. The
// W3C jitter-buffer counters are checked for the fixed policy too.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// The built-in pattern (640x360, 1.5 Mbit/s) through `link_args`, played
// headless over UDP with `buffer` for `duration`, and `client_args`.
json play(const std::string& buffer, const std::string& duration,
          std::vector<std::string> link_args = {}, std::vector<std::string> client_args = {}) {
  TempDir dir;
  const auto port = std::to_string(free_port());
  std::vector<std::string> server_args = {kServer, "--port",     port,         "--rtsp-port",
                                          "0",     "--pattern",  "640x360@30", "--bitrate",
                                          "1500k", "--duration", "60s"};
  server_args.insert(server_args.end(), link_args.begin(), link_args.end());
  Process server(server_args, dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  std::vector<std::string> argv = {kClient,       "127.0.0.1:" + port,
                                   "--transport", "udp",
                                   "--headless",  "--quiet",
                                   "--buffer",    buffer,
                                   "--duration",  duration,
                                   "--metrics",   dir.file("client.json")};
  argv.insert(argv.end(), client_args.begin(), client_args.end());
  Process client(argv, dir.file("client.log"));
  const auto code = client.wait_for(60s);
  INFO(client.log());
  REQUIRE(code == 0);
  server.signal(SIGTERM);
  REQUIRE(server.wait_for(10s) == 0);
  return read_client_metrics(dir.file("client.json"));
}

// The timeline samples from `from_ms` on.
std::vector<json> samples_from(const json& m, double from_ms) {
  std::vector<json> out;
  for (const auto& s : m["timeline"])
    if (s["t_ms"].get<double>() >= from_ms) out.push_back(s);
  return out;
}

}  // namespace

TEST_CASE("adaptive buffer: on a clean loopback it settles under 100 ms within seconds",
          "[integration][adaptive_buffer]") {
  const json m = play("adaptive", "6s");
  INFO(m.dump(1));
  const json& jb = m["jitter_buffer"];
  CHECK(jb["policy"] == "adaptive");
  const auto emitted = jb["jitterBufferEmittedCount"].get<double>();
  REQUIRE(emitted > 100);
  // On average a frame waits well under 100 ms, and the target too.
  CHECK(jb["jitterBufferDelay"].get<double>() / emitted < 0.100);
  CHECK(jb["jitterBufferTargetDelay"].get<double>() / emitted < 0.100);
  CHECK(jb["jitterBufferMinimumDelay"].get<double>() / emitted > 0.030);
  const auto settled = samples_from(m, 3000);
  REQUIRE(settled.size() >= 20);
  for (const auto& s : settled) {
    REQUIRE(s["delay_ms"].is_number());
    CHECK(s["delay_ms"].get<double>() < 100.0);
    CHECK(s["target_delay_ms"].get<double>() < 100.0);
  }
  CHECK(m["latency_ms"]["p50"].get<double>() < 150.0);
  CHECK(m["stalls"]["count"] == 0);
}

TEST_CASE("adaptive buffer: under 60 ms of link jitter it adapts, then no frame is late",
          "[integration][adaptive_buffer]") {
  const json m = play("adaptive", "10s", {"--link-jitter", "60ms"});
  INFO(m.dump(1));
  // Adapted by 5 s: from then on, no packet arrives after its frame was due.
  const auto adapted = samples_from(m, 5000);
  REQUIRE(adapted.size() >= 30);
  CHECK(adapted.back()["late"] == adapted.front()["late"]);
  CHECK(adapted.back()["lost"] == adapted.front()["lost"]);
  // Pictures decoded in time but shown late are the render loop's on a busy
  // machine (the margin is the 25 ms allowed for decode and render), not
  // the network's: a few at most.
  CHECK(m["frames"]["dropped_late"].get<int>() <= 3);
  // The target grew past the clean link's, and the latency stayed well
  // under the fixed 500 ms default's.
  CHECK(adapted.back()["target_delay_ms"].get<double>() > 50.0);
  CHECK(m["latency_ms"]["p95"].get<double>() < 500.0);
  // The pattern's sound is the master clock and adapts with the video: it
  // may run dry while the delay grows, on a busy machine, but not once it
  // has adapted.
  for (const json& stall : m["stalls"]["events"]) CHECK(stall["start_ms"].get<double>() < 5000);
}

TEST_CASE("fixed buffer: the W3C counters say the buffer asked", "[integration][adaptive_buffer]") {
  const json m = play("200ms", "4s");
  INFO(m.dump(1));
  const json& jb = m["jitter_buffer"];
  CHECK(jb["policy"] == "fixed");
  const auto emitted = jb["jitterBufferEmittedCount"].get<double>();
  REQUIRE(emitted > 60);
  CHECK(jb["jitterBufferTargetDelay"].get<double>() / emitted == Approx(0.200));
  // From the first packet to the due time: the buffer, give or take the
  // frame's own packets and the start.
  CHECK(jb["jitterBufferDelay"].get<double>() / emitted == Approx(0.200).margin(0.04));
  CHECK(jb["jitterBufferMinimumDelay"].get<double>() / emitted < 0.200);
  for (const auto& s : samples_from(m, 1000)) CHECK(s["target_delay_ms"] == 200.0);
}

TEST_CASE(
    "adaptive buffer with --nack: once retransmissions come, the target counts their round trip",
    "[integration][adaptive_buffer][nack][long]") {
  // 60 ms each way through the link for media and retransmissions alike; the
  // same losses in both runs.
  const std::vector<std::string> link = {"--link-delay", "60ms",        "--link-loss",
                                         "2%",           "--link-seed", "7"};
  const json with_nack = play("adaptive", "8s", link, {"--nack"});
  const json without = play("adaptive", "8s", link);
  INFO(with_nack["packets"].dump() << "\n" << without["packets"].dump());
  REQUIRE(with_nack["packets"]["recovered"].get<int>() > 0);
  const auto end_target = [](const json& m) {
    return m["timeline"].back()["target_delay_ms"].get<double>();
  };
  INFO("target with --nack " << end_target(with_nack) << " ms, without " << end_target(without)
                             << " ms");
  // A retransmission takes at least the link's 60 ms.
  CHECK(end_target(with_nack) >= end_target(without) + 50.0);
  CHECK(end_target(with_nack) >= 60.0);
}
