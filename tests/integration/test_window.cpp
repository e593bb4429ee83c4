// The SDL2 window, for real, on a headless X server (Xvfb): it opens, and a
// screenshot taken by ffmpeg's x11grab shows a picture, not a blank.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <thread>

#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;

namespace {

const std::string kServer = FLOWCAST_SERVER_BIN;
const std::string kClient = FLOWCAST_CLIENT_BIN;

// A display number with no X server on it.
int free_display() {
  for (int n = 90 + getpid() % 50;; ++n)
    if (!file_exists("/tmp/.X11-unix/X" + std::to_string(n)) &&
        !file_exists("/tmp/.X" + std::to_string(n) + "-lock"))
      return n;
}

struct Luma {
  double stddev = 0;
  size_t distinct = 0;
};

// Grabs the screen as 8-bit gray; nullopt when the grab failed.
std::optional<Luma> grab(const TempDir& dir, const std::string& display) {
  const std::string out = dir.file("screen.gray");
  int rc = run_shell("ffmpeg -nostdin -v error -y -f x11grab -video_size 640x480 -i " + display +
                     " -frames:v 1 -f rawvideo -pix_fmt gray '" + out + "'");
  if (rc != 0) return std::nullopt;
  std::string px = read_file(out);
  if (px.size() != 640 * 480) return std::nullopt;
  double sum = 0, sq = 0;
  std::set<unsigned char> values;
  for (unsigned char c : px) {
    sum += c;
    sq += double(c) * c;
    values.insert(c);
  }
  double mean = sum / px.size();
  return Luma{std::sqrt(sq / px.size() - mean * mean), values.size()};
}

}  // namespace

TEST_CASE("the SDL window shows the picture under Xvfb", "[integration][window]") {
  TempDir dir;
  const std::string display = ":" + std::to_string(free_display());
  Process xvfb({"Xvfb", display, "-screen", "0", "640x480x24", "-nolisten", "tcp"},
               dir.file("xvfb.log"));
  // Xvfb is ready when its socket exists.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!file_exists("/tmp/.X11-unix/X" + display.substr(1)) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  REQUIRE(xvfb.running());

  auto blank = grab(dir, display);
  REQUIRE(blank);
  CHECK(blank->distinct <= 2);  // an empty X screen is uniform

  const auto port = std::to_string(free_port());
  Process server({kServer, "--pattern", "320x240@30", "--bitrate", "800k", "--port", port,
                  "--duration", "30s"},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  Process client({kClient, "127.0.0.1:" + port, "--duration", "20s"}, dir.file("client.log"),
                 {"DISPLAY=" + display});

  // Poll the screen until the picture shows, within a deadline.
  std::optional<Luma> shot;
  const auto until = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < until) {
    shot = grab(dir, display);
    if (shot && shot->distinct > 50) break;
    std::this_thread::sleep_for(200ms);
  }
  INFO(client.log());
  REQUIRE(client.running());
  CHECK(client.log().find("playing headless") == std::string::npos);
  REQUIRE(shot);
  CHECK(shot->distinct > 50);
  CHECK(shot->stddev > 20);
  client.signal(SIGTERM);
  CHECK(client.wait_for(10s) == 0);
}
