// The edges of a session, with real processes (DESIGN.md "Sessions and their
// states"): a server that dies, no server, a listener nobody sends to, the
// freeze policy's freezes on screen, a host name that resolves to ::1 first,
// values the command line refuses, and the status line in narrow and wide
// terminals.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"
#include "support/udp_peer.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// An SDP for H.264 on `port`, as ffmpeg writes one.
std::string h264_sdp(uint16_t port) {
  return "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=video " +
         std::to_string(port) +
         " RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n";
}

}  // namespace

TEST_CASE("a server killed mid-stream: its end is not a stall", "[integration][session]") {
  TempDir dir;
  PatternServer server(dir, "500k");
  REQUIRE(server.ready());
  Process client(
      {kClient, "127.0.0.1:" + server.port(), "--headless", "--metrics", dir.file("m.json")},
      dir.file("client.log"));
  // Killed once the client has played for a second or more: its status
  // line, once a second, has said PLAYING twice.
  REQUIRE(wait_until(
      [&] {
        const std::string log = client.log();
        const auto first = log.find("PLAYING");
        return first != std::string::npos && log.find("PLAYING", first + 1) != std::string::npos;
      },
      15s));
  server.signal(SIGKILL);
  const auto code = client.wait_for(15s);
  INFO(client.log());
  REQUIRE(code == 1);  // a lost connection is a failure ...
  const json m = read_client_metrics(dir.file("m.json"));
  INFO(m.dump(1));
  // ... but not rebuffering: nothing stalled while the stream went on.
  CHECK(m["session"]["ended_by"] == "closed");
  CHECK(m["session"]["video_started"] == true);
  CHECK(m["stalls"]["count"] == 0);
  CHECK(m["rebuffering_ratio"] == 0.0);
  CHECK(m["frames"]["rendered"].get<int>() > 30);
}

TEST_CASE("no server: a video start failure, with no ratio and no startup",
          "[integration][session]") {
  TempDir dir;
  Process client({kClient, "127.0.0.1:" + std::to_string(free_port()), "--headless", "--metrics",
                  dir.file("m.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(10s);
  INFO(client.log());
  REQUIRE(code == 1);
  const json m = read_client_metrics(dir.file("m.json"));
  CHECK(m["session"]["start_failure"] == "video_start_failure");
  CHECK(m["session"]["ended_by"] == "error");
  CHECK(m["session"]["video_started"] == false);
  CHECK(m["startup_ms"].is_null());
  CHECK(m["rebuffering_ratio"].is_null());
  CHECK(m["session"]["state_ms"]["playing"] == 0.0);
  CHECK(client.log().find("VIDEO START FAILURE (error)") != std::string::npos);
  CHECK(client.log().find("rebuffering ratio      - (no picture shown)") != std::string::npos);
}

TEST_CASE("a listener nobody sends to says so, and --duration is an exit before video start",
          "[integration][session]") {
  TempDir dir;
  const uint16_t port = free_rtp_port();
  write_text(dir.file("s.sdp"), h264_sdp(port));
  Process client({kClient, "--listen", std::to_string(port), "--sdp", dir.file("s.sdp"),
                  "--headless", "--duration", "1500ms", "--metrics", dir.file("m.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(10s);
  INFO(client.log());
  REQUIRE(code == 0);
  CHECK(client.log().find("WAITING for RTP on UDP port " + std::to_string(port)) !=
        std::string::npos);
  CHECK(client.log().find("BUFFERING") == std::string::npos);
  const json m = read_client_metrics(dir.file("m.json"));
  CHECK(m["session"]["start_failure"] == "exit_before_video_start");
  CHECK(m["session"]["ended_by"] == "duration");
  CHECK(m["session"]["protocol"] == "listen");
  CHECK(m["rebuffering_ratio"].is_null());
  CHECK(m["session"]["state_ms"]["waiting"].get<double>() > 1000);
  CHECK(client.log().find("EXIT BEFORE VIDEO START (duration)") != std::string::npos);
}

TEST_CASE("the freeze policy's freezes show as FROZEN and are counted everywhere",
          "[integration][session]") {
  TempDir dir;
  // Loss over UDP with a keyframe every second: each loss freezes the
  // picture until the next keyframe.
  PatternServer server(dir, "500k", {"--gop", "30", "--link-loss", "3", "--link-seed", "7"});
  REQUIRE(server.ready());
  Process client({kClient, "127.0.0.1:" + server.port(), "--transport", "udp", "--headless",
                  "--on-loss", "freeze", "--duration", "5s", "--metrics", dir.file("m.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(20s);
  const std::string log = client.log();
  INFO(log);
  REQUIRE(code == 0);
  const json m = read_client_metrics(dir.file("m.json"));
  INFO(m.dump(1));
  REQUIRE(m["packets"]["lost"].get<int>() > 0);
  CHECK(m["freezes"]["count"].get<int>() > 0);
  CHECK(m["session"]["state_ms"]["frozen"].get<double>() > 0);
  CHECK(log.find("FROZEN") != std::string::npos);
  CHECK(log.find("  freezes                " + std::to_string(m["freezes"]["count"].get<int>())) !=
        std::string::npos);
}

TEST_CASE("localhost that resolves to ::1 first still finds a server on 127.0.0.1",
          "[integration][session]") {
  TempDir dir;
  PatternServer server(dir, "500k");
  REQUIRE(server.ready());
  // A hosts file that lists ::1 first, seen by the client alone (a mount
  // namespace of its own).
  write_text(dir.file("hosts"), "::1 localhost\n127.0.0.1 localhost\n");
  if (run_shell("unshare -m true 2>/dev/null") != 0) {
    WARN("unshare -m is not allowed here: skipping");
    return;
  }
  REQUIRE(run_shell("unshare -m sh -c 'mount --bind " + dir.file("hosts") +
                    " /etc/hosts && getent ahosts localhost' > " + dir.file("resolved") +
                    " 2>&1") == 0);
  const std::string resolved = read_file(dir.file("resolved"));
  INFO(resolved);
  REQUIRE(resolved.rfind("::1", 0) == 0);  // the premise: ::1 comes first
  for (const std::string transport : {"tcp", "udp"}) {
    const std::string metrics = dir.file(transport + ".json");
    const int rc =
        run_shell("unshare -m sh -c 'mount --bind " + dir.file("hosts") + " /etc/hosts && exec " +
                  kClient + " localhost:" + server.port() + " --transport " + transport +
                  " --headless --quiet --duration 1500ms --metrics " + metrics + "' > " +
                  dir.file("client.log") + " 2>&1");
    INFO(transport << ": " << read_file(dir.file("client.log")));
    REQUIRE(rc == 0);
    CHECK(read_client_metrics(metrics)["frames"]["rendered"].get<int>() > 0);
  }
}

TEST_CASE("a value without its unit, or below what matters, is a usage error with a hint",
          "[integration][cli]") {
  TempDir dir;
  struct Case {
    std::vector<std::string> argv;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{kServer, "--link-rate", "2.8"}, "did you mean 2.8M?"},
      {{kServer, "--bitrate", "500"}, "did you mean 500k?"},
      {{kServer, "--link-loss", "150"}, "a share is at most 100%"},
      {{kServer, "--link-delay", "250us"}, "did you mean 250ms?"},
      {{kClient, "--buffer", "500"}, "did you mean 500ms?"},
  };
  for (const auto& c : cases) {
    Process p(c.argv, dir.file("usage.log"));
    const auto code = p.wait_for(10s);
    INFO(c.argv[1] << " " << c.argv[2] << ": " << p.log());
    CHECK(code == 2);
    CHECK(p.log().find(c.says) != std::string::npos);
  }
}

TEST_CASE("the status line stays on one line at 80 and 160 columns (tmux)",
          "[integration][status]") {
  if (run_shell("command -v tmux > /dev/null") != 0) {
    WARN("tmux not found: skipping");
    return;
  }
  TempDir dir;
  PatternServer server(dir, "500k");
  REQUIRE(server.ready());
  for (int columns : {80, 160}) {
    const std::string session =
        "flowcast-status-" + std::to_string(columns) + "-" + std::to_string(getpid());
    // The tmux server gets a socket of its own in the test's folder.
    const std::string tmux = "tmux -S " + dir.file("tmux-" + std::to_string(columns));
    REQUIRE(run_shell(tmux + " new-session -d -s " + session + " -x " + std::to_string(columns) +
                      " -y 30 '" + kClient + " 127.0.0.1:" + server.port() +
                      " --headless --duration 6s; sleep 30'") == 0);
    // Captured once the client has played for 3 s, after a dozen redraws
    // (its line begins with the run's time in seconds).
    const std::string screen = dir.file("screen-" + std::to_string(columns));
    const bool played = wait_until(
        [&] {
          if (run_shell(tmux + " capture-pane -p -t " + session + " > " + screen) != 0)
            return false;
          const std::string text = read_file(screen);
          if (text.find("PLAYING") == std::string::npos) return false;
          const auto digit = text.find_first_of("0123456789");
          return digit != std::string::npos && std::atof(text.c_str() + digit) >= 3.0;
        },
        15s);
    run_shell(tmux + " kill-server");
    REQUIRE(played);
    std::istringstream lines(read_file(screen));
    std::string line, status;
    int used = 0;
    for (; std::getline(lines, line);) {
      if (line.find_first_not_of(' ') == std::string::npos) continue;
      ++used;
      status = line;
    }
    INFO(columns << " columns:\n" << read_file(screen));
    // One row on screen, the status line, after several redraws.
    CHECK(used == 1);
    CHECK(status.size() <= static_cast<size_t>(columns));
    CHECK(status.find("PLAYING") != std::string::npos);
    CHECK(status.find("stalls") != std::string::npos);
    CHECK(status.find("freezes") != std::string::npos);
    CHECK(status.find("lost") != std::string::npos);
    CHECK(status.find("damaged") != std::string::npos);
    // At 160 columns the long form, at 80 the compact one.
    CHECK(status.find(columns >= 160 ? "latency" : "lat ") != std::string::npos);
  }
}
