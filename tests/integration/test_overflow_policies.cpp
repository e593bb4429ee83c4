// The heart of flowcast, end to end: the same clip and the same busy consumer
// (--consumer-pause 2s+2s), and what each transport and overflow policy does
// with it. Real binaries on loopback; ffmpeg makes the clip and the reference.
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

struct Run {
  json client;
  json server;
  std::string framemd5;
  std::string reference;
};

// Streams a 6 s clip (about 2 Mbit/s, B-frames) to one client with the given
// extra options, and returns both sides' metrics.
Run run_paused(const TempDir& dir, std::vector<std::string> client_args) {
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 6 "
                    "-c:v libx264 -preset veryfast -b:v 2M -maxrate 2M -bufsize 1M -bf 2 -g 60 "
                    "-pix_fmt yuv420p '" +
                    clip + "'") == 0);
  const auto port = std::to_string(free_port());
  Process server(
      {kServer, clip, "--port", port, "--duration", "40s", "--metrics", dir.file("server.json")},
      dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  std::vector<std::string> args = {kClient,
                                   "127.0.0.1:" + port,
                                   "--headless",
                                   "--buffer",
                                   "500ms",
                                   "--consumer-pause",
                                   "2s+2s",
                                   "--metrics",
                                   dir.file("c.json"),
                                   "--framemd5",
                                   dir.file("got.framemd5")};
  args.insert(args.end(), client_args.begin(), client_args.end());
  Process client(args, dir.file("client.log"));
  auto code = client.wait_for(40s);
  INFO(client.log());
  REQUIRE(code == 0);
  server.signal(SIGTERM);
  REQUIRE(server.wait_for(10s) == 0);
  Run r;
  r.client = read_client_metrics(dir.file("c.json"));
  r.server = json::parse(read_file(dir.file("server.json")));
  r.framemd5 = dir.file("got.framemd5");
  r.reference = dir.file("reference.framemd5");
  REQUIRE(make_reference_framemd5(clip, r.reference));
  return r;
}

}  // namespace

TEST_CASE("TCP with block: the consumer pause stalls playback and loses nothing", "[integration]") {
  TempDir dir;
  Run r = run_paused(dir, {"--transport", "tcp", "--buffer-max", "1s"});
  const json& m = r.client;
  INFO(m.dump(1));
  CHECK(m["config"]["overflow"] == "block");
  CHECK(m["stalls"]["count"].get<int>() >= 1);
  CHECK(m["stalls"]["events"][0]["cause"] == "underrun");
  CHECK(m["rebuffering_ratio"].get<double>() > 0);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["packets"]["dropped_overflow"] == 0);
  CHECK(m["frames"]["corrupt"] == 0);
  CHECK(m["frames"]["tainted"] == 0);
  // Every frame decoded, bit-exact.
  CHECK(framemd5_hashes(r.framemd5) == framemd5_hashes(r.reference));
  // The kernel held the rest: the client's socket queue filled, and the
  // server was held back by the closed window.
  CHECK(m["kernel"]["peak_queued_bytes"].get<int>() > 32 * 1024);
  const json& s = r.server["sessions"][0];
  INFO(s.dump(1));
  CHECK(s["rwnd_limited_ms"].get<double>() + s["held_back_ms"].get<double>() > 100);
}

TEST_CASE("UDP with a small kernel buffer: the consumer pause drops packets, playback smears",
          "[integration][long]") {
  const std::string on_loss = GENERATE("conceal", "freeze");
  INFO("--on-loss " << on_loss);
  TempDir dir;
  Run r = run_paused(dir, {"--transport", "udp", "--buffer-max", "1s", "--so-rcvbuf", "65536",
                           "--on-loss", on_loss});
  const json& m = r.client;
  INFO(m.dump(1));
  CHECK(m["config"]["overflow"] == "drop-old");
  CHECK(m["packets"]["dropped_kernel"].get<int>() + m["packets"]["dropped_overflow"].get<int>() >
        0);
  CHECK(m["packets"]["lost"].get<int>() > 0);
  // Every picture of the clip is accounted for (run_paused checked the
  // balance): those that never came are lost, not missing from the counts.
  const json& f = m["frames"];
  CHECK(f["sent"] == 180);
  CHECK(f["lost"].get<int>() + f["dropped_buffer"].get<int>() > 0);
  if (on_loss == "conceal") {
    // What arrived after the gap is shown, damaged, until the next keyframe.
    CHECK(f["damaged"].get<int>() > 0);
    CHECK(f["skipped"] == 0);
  } else {
    CHECK(f["skipped"].get<int>() > 0);
    CHECK(f["damaged"] == 0);
  }
}

TEST_CASE("TCP with drop-new: the loss happens in the application, so artifacts appear over TCP",
          "[integration]") {
  TempDir dir;
  Run r =
      run_paused(dir, {"--transport", "tcp", "--overflow", "drop-new", "--buffer-max", "600ms"});
  const json& m = r.client;
  INFO(m.dump(1));
  CHECK(m["config"]["overflow"] == "drop-new");
  // TCP itself lost nothing ...
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["packets"]["dropped_kernel"] == 0);
  // ... the full buffer threw packets away, and the picture shows it.
  CHECK(m["packets"]["dropped_overflow"].get<int>() > 0);
  CHECK(m["frames"]["corrupt"].get<int>() + m["frames"]["tainted"].get<int>() > 0);
}

TEST_CASE("grow: the buffer takes the burst by growing, within --grow-max", "[integration]") {
  TempDir dir;
  const int64_t grow_max = 4 * 1024 * 1024;
  Run r = run_paused(dir, {"--transport", "tcp", "--overflow", "grow", "--buffer-max", "600ms",
                           "--grow-max", "4M"});
  const json& m = r.client;
  INFO(m.dump(1));
  CHECK(m["packets"]["dropped_overflow"] == 0);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["buffer"]["grow_events"].get<int>() > 0);
  CHECK(m["buffer"]["peak_bytes"].get<int64_t>() <= grow_max);
  CHECK(m["buffer"]["capacity_bytes"].get<int64_t>() <= grow_max);
  CHECK(m["buffer"]["peak_ms"].get<double>() > 600);
  CHECK(framemd5_hashes(r.framemd5) == framemd5_hashes(r.reference));
}

// A 20 Mbit/s stream through a 2 s buffer holds 2 s: the byte capacity
// follows the stream's measured rate. At 1 MiB per second of --buffer-max it
// held 0.8 s of it: block stopped reading there, and drop-old threw the rest
// away. Over TCP, so that the kernel loses nothing and only the buffer's
// policy could drop; playback starts once the buffer is full (block) or
// holds 1.8 s (drop-old, which would drop the oldest past 2 s).
TEST_CASE("a 20 Mbit/s stream through a 2 s buffer holds 2 s and drops nothing",
          "[integration][long]") {
  const std::string policy = GENERATE("block", "drop-old");
  INFO("--overflow " << policy);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 3 "
                    "-vf noise=alls=30:allf=t -c:v libx264 -preset ultrafast -b:v 20M "
                    "-maxrate 20M -bufsize 10M -bf 2 -g 30 -pix_fmt yuv420p '" +
                    clip + "'") == 0);
  REQUIRE(read_file(clip).size() * 8 / 3 > 18'000'000);  // bits per second
  const auto port = std::to_string(free_port());
  Process server({kServer, clip, "--port", port, "--transport", "tcp", "--rtsp-port", "0",
                  "--duration", "40s"},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  Process client(
      {kClient, "127.0.0.1:" + port, "--transport", "tcp", "--overflow", policy, "--buffer",
       policy == "block" ? "2s" : "1800ms", "--buffer-max", "2s", "--headless", "--metrics",
       dir.file("c.json"), "--framemd5", dir.file("got.framemd5")},
      dir.file("client.log"));
  const auto code = client.wait_for(40s);
  INFO(client.log());
  REQUIRE(code == 0);
  const json m = read_client_metrics(dir.file("c.json"));
  INFO(m.dump(1));
  CHECK(m["packets"]["dropped_overflow"] == 0);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["stalls"]["count"] == 0);
  CHECK(m["buffer"]["peak_ms"].get<double>() >= (policy == "block" ? 1950 : 1800));
  // More than the 2 MiB it starts with, within the ceiling (docs/SECURITY.md).
  const auto capacity = m["buffer"]["capacity_bytes"].get<int64_t>();
  CHECK(m["buffer"]["peak_bytes"].get<int64_t>() > 4 << 20);
  CHECK(capacity >= m["buffer"]["peak_bytes"].get<int64_t>());
  CHECK(capacity <= int64_t{64} << 20);
  REQUIRE(make_reference_framemd5(clip, dir.file("reference.framemd5")));
  CHECK(framemd5_hashes(dir.file("got.framemd5")) ==
        framemd5_hashes(dir.file("reference.framemd5")));
}
