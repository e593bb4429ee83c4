// Transcoding runs on a worker per session, and backpressure still reaches
// it: a TCP client whose consumer pauses holds its session back (the worker
// waits, nothing is lost), while a UDP client of the same transcoded file
// plays on undisturbed. Real binaries on loopback; ffmpeg makes the VP9 file.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("a held-back TCP session of a transcoded file pauses it, and a UDP one plays on",
          "[integration][timing]") {
  TempDir dir;
  const std::string file = dir.file("clip.webm");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 4 "
                    "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 '" +
                    file + "'") == 0);
  const auto port = std::to_string(free_port());
  Process server(
      {kServer, file, "--port", port, "--duration", "40s", "--metrics", dir.file("server.json")},
      dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  // A small kernel buffer, so the pause closes the window and fills the
  // server's send queue.
  Process held({kClient, "127.0.0.1:" + port, "--transport", "tcp", "--headless", "--quiet",
                "--so-rcvbuf", "16384", "--buffer-max", "1s", "--consumer-pause", "1s+1500ms",
                "--metrics", dir.file("tcp.json")},
               dir.file("tcp.log"));
  Process free({kClient, "127.0.0.1:" + port, "--transport", "udp", "--headless", "--quiet",
                "--metrics", dir.file("udp.json")},
               dir.file("udp.log"));
  const auto held_code = held.wait_for(30s);
  const auto free_code = free.wait_for(30s);
  INFO(held.log() << free.log());
  REQUIRE(held_code == 0);
  REQUIRE(free_code == 0);
  server.signal(SIGTERM);
  REQUIRE(server.wait_for(10s) == 0);

  const json tcp = read_client_metrics(dir.file("tcp.json"));
  const json udp = read_client_metrics(dir.file("udp.json"));
  const json s = read_json(dir.file("server.json"));
  INFO(tcp.dump(1) << udp.dump(1) << s.dump(1));
  // Held back: the pause stalled it, and every picture came, none lost.
  CHECK(tcp["stalls"]["count"].get<int>() >= 1);
  CHECK(tcp["frames"]["rendered"].get<int>() + tcp["frames"]["dropped_late"].get<int>() == 120);
  CHECK(tcp["packets"]["lost"] == 0);
  // The other session of the same file was not held up by it.
  CHECK(udp["frames"]["rendered"] == 120);
  CHECK(udp["stalls"]["count"] == 0);
  REQUIRE(s["sessions"].size() == 2);
  for (const auto& session : s["sessions"]) {
    if (session["transport"] == "tcp")
      CHECK(session["held_back_ms"].get<double>() + session["rwnd_limited_ms"].get<double>() > 100);
    CHECK(session["frames_sent"] == 120);
  }
  CHECK(s["sessions"][0]["transport"] != s["sessions"][1]["transport"]);
}
