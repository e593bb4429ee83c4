// The SDL2 window, for real, on a headless X server (Xvfb): it opens, and a
// screenshot taken by ffmpeg's x11grab shows a picture, not a blank.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <sstream>
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

namespace {

// An X server of our own for one test, gone with it.
class Xvfb {
 public:
  Xvfb(const TempDir& dir, const std::string& size)
      : display_(":" + std::to_string(free_display())),
        process_({"Xvfb", display_, "-screen", "0", size + "x24", "-nolisten", "tcp"},
                 dir.file("xvfb.log")) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!file_exists("/tmp/.X11-unix/X" + display_.substr(1)) &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
  }
  const std::string& display() const { return display_; }
  bool running() { return process_.running(); }

 private:
  std::string display_;
  Process process_;
};

// The flowcast window's id and geometry, through xdotool.
struct WindowBox {
  std::string id;
  int x = 0, y = 0, w = 0, h = 0;
};
std::optional<WindowBox> find_window(const TempDir& dir, const std::string& display) {
  const std::string out = dir.file("xdotool.txt");
  if (run_shell("DISPLAY=" + display +
                " xdotool search --name '^flowcast' getwindowgeometry --shell > '" + out +
                "' 2>/dev/null") != 0)
    return std::nullopt;
  WindowBox box;
  std::istringstream in(read_file(out));
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "WINDOW") box.id = value;
    if (key == "X") box.x = std::stoi(value);
    if (key == "Y") box.y = std::stoi(value);
    if (key == "WIDTH") box.w = std::stoi(value);
    if (key == "HEIGHT") box.h = std::stoi(value);
  }
  if (box.id.empty() || box.w <= 0) return std::nullopt;
  return box;
}

// A gray screenshot of a rectangle of the screen.
struct Gray {
  int w = 0, h = 0;
  std::string px;
  int at(int x, int y) const { return static_cast<unsigned char>(px[y * w + x]); }
};
std::optional<Gray> grab_box(const TempDir& dir, const std::string& display, int x, int y, int w,
                             int h) {
  const std::string out = dir.file("box.gray");
  if (run_shell("ffmpeg -nostdin -v error -y -f x11grab -video_size " + std::to_string(w) + "x" +
                std::to_string(h) + " -i " + display + "+" + std::to_string(x) + "," +
                std::to_string(y) + " -frames:v 1 -f rawvideo -pix_fmt gray '" + out + "'") != 0)
    return std::nullopt;
  Gray g{w, h, read_file(out)};
  if (g.px.size() != static_cast<size_t>(w * h)) return std::nullopt;
  return g;
}

double mean_abs_diff(const Gray& a, const Gray& b, int x0, int y0, int x1, int y1) {
  double sum = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) sum += std::abs(a.at(x, y) - b.at(x, y));
  return sum / ((x1 - x0) * (y1 - y0));
}

double mean(const Gray& g, int x0, int y0, int x1, int y1) {
  double sum = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) sum += g.at(x, y);
  return sum / ((x1 - x0) * (y1 - y0));
}

// The status line's most recent state word in the client's output.
std::string last_state(const std::string& log) {
  const auto playing = log.rfind("PLAYING"), buffering = log.rfind("BUFFERING");
  if (playing == std::string::npos && buffering == std::string::npos) return "";
  if (playing == std::string::npos) return "BUFFERING";
  if (buffering == std::string::npos) return "PLAYING";
  return playing > buffering ? "PLAYING" : "BUFFERING";
}

}  // namespace

TEST_CASE("the overlay shows the state and the buffers as they change",
          "[integration][window]") {
  TempDir dir;
  Xvfb x(dir, "800x600");
  REQUIRE(x.running());
  const auto port = std::to_string(free_port());
  Process server({kServer, "--pattern", "640x360@30", "--bitrate", "1M", "--port", port,
                  "--duration", "40s"},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  // Playing from ~0.6 s, then the reader is held busy from 5 s for 8 s: the
  // buffer runs dry and playback stalls until the reader is back.
  Process client({kClient, "127.0.0.1:" + port, "--duration", "25s", "--consumer-pause", "5s+8s",
                  "--snapshot", dir.path()},
                 dir.file("client.log"), {"DISPLAY=" + x.display()});

  std::optional<WindowBox> box;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!(box = find_window(dir, x.display())) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(100ms);
  REQUIRE(box);
  // The overlay panel: top left, 470 x 150.
  auto shoot = [&] { return grab_box(dir, x.display(), box->x, box->y, 480, 170); };
  auto wait_state = [&](const std::string& want) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (last_state(client.log()) == want) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  REQUIRE(wait_state("PLAYING"));
  // The window takes the stream's size (and is centred again) once the first
  // picture arrives: look it up again now.
  box = find_window(dir, x.display());
  REQUIRE(box);
  REQUIRE(box->x >= 0);
  REQUIRE(box->y >= 0);
  // Two moments of playing, well before the reader stops at 5 s.
  auto playing = shoot();
  std::this_thread::sleep_for(200ms);
  auto playing_again = shoot();
  REQUIRE(wait_state("BUFFERING"));
  std::this_thread::sleep_for(300ms);
  auto buffering = shoot();
  INFO(client.log());
  REQUIRE(playing);
  REQUIRE(playing_again);
  REQUIRE(buffering);

  // The state badge (first text line) changes with the state, far more than
  // between two moments of the same state.
  const double same = mean_abs_diff(*playing, *playing_again, 14, 14, 160, 30);
  const double changed = mean_abs_diff(*playing, *buffering, 14, 14, 160, 30);
  CHECK(changed > 10);
  CHECK(changed > 3 * same + 1);
  // The receive buffer's bar (fifth line): full of colour while playing,
  // nearly empty while stalled.
  const int line = 21, bar_y = 14 + 4 * line, bar_x0 = 20, bar_x1 = 440;
  const double bar_playing = mean(*playing, bar_x0, bar_y + 3, bar_x1, bar_y + 9);
  const double bar_stalled = mean(*buffering, bar_x0, bar_y + 3, bar_x1, bar_y + 9);
  INFO("buffer bar brightness: playing " << bar_playing << ", stalled " << bar_stalled);
  CHECK(bar_playing > bar_stalled + 5);

  // `s` saves a PNG of the window, at the window's size.
  REQUIRE(run_shell("DISPLAY=" + x.display() + " xdotool key --window " + box->id + " s") == 0);
  REQUIRE(wait_for_log(client, "saved ", 5s));
  const std::string log = client.log();
  const auto at = log.find("saved ") + 6;
  const std::string png = log.substr(at, log.find('\n', at) - at);
  const std::string dims = dir.file("dims.txt");
  REQUIRE(run_shell("ffprobe -v error -show_entries stream=width,height -of csv=p=0:s=x '" + png +
                    "' > '" + dims + "'") == 0);
  CHECK(read_file(dims).substr(0, read_file(dims).find('\n')) ==
        std::to_string(box->w) + "x" + std::to_string(box->h));
  client.signal(SIGTERM);
  CHECK(client.wait_for(10s) == 0);
}
