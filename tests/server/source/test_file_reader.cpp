// FileReader: a transcoded file is read on a worker thread, a bounded number
// of frames ahead, which wakes the reader from its own thread; H.264 is read
// inline. Real files made by the ffmpeg command line.
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/source/file_reader.hpp"
#include "support/process.hpp"

using namespace flowcast::server;
using namespace flowcast::test;
using namespace std::chrono_literals;

namespace {

// Counts the worker's wakes, and from which thread they came.
struct Wakes {
  std::mutex mutex;
  std::condition_variable changed;
  int count = 0;
  std::thread::id from;

  void wake() {
    std::lock_guard lock(mutex);
    ++count;
    from = std::this_thread::get_id();
    changed.notify_all();
  }
  bool wait_for(int n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return count >= n; });
  }
};

}  // namespace

TEST_CASE("FileReader: a transcoded file is read ahead on a worker, never past kAhead",
          "[unit][server]") {
  TempDir dir;
  const std::string file = dir.file("clip.webm");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=320x240:rate=25 -t 2 "
                    "-c:v libvpx-vp9 -deadline realtime '" +
                    file + "'") == 0);
  Wakes wakes;
  FileReader reader(file, false, [&] { wakes.wake(); });
  REQUIRE(reader.threaded());
  // The first frame takes a decoder and an encoder to start: not on the
  // caller's thread, which hears when it is there.
  const auto asked = std::chrono::steady_clock::now();
  auto first = reader.next();
  CHECK(std::chrono::steady_clock::now() - asked < 20ms);
  if (first.pending) {
    REQUIRE(wakes.wait_for(1, 10s));
    CHECK(wakes.from != std::this_thread::get_id());
    first = reader.next();
  }
  REQUIRE(first.frame);
  CHECK(first.frame->keyframe);

  // Nobody takes frames (the session is held back): the worker fills its
  // queue and waits there, however long the file is (50 frames).
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (reader.ahead() < FileReader::kAhead && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  REQUIRE(reader.ahead() == FileReader::kAhead);
  std::this_thread::sleep_for(300ms);
  CHECK(reader.ahead() == FileReader::kAhead);
  std::vector<int64_t> pts{first.frame->pts_90k};
  for (size_t i = 0; i < FileReader::kAhead; ++i) {
    auto next = reader.next();
    REQUIRE(next.frame);
    pts.push_back(next.frame->pts_90k);
  }
  // Each picture keeps its time: 25 fps, 3600 ticks apart.
  for (size_t i = 1; i < pts.size(); ++i) CHECK(pts[i] - pts[i - 1] == 3600);
  size_t taken = pts.size();

  // Taking again lets it go on to the end.
  size_t total = taken;
  for (;;) {
    auto next = reader.next();
    if (next.pending) {
      REQUIRE(wakes.wait_for(wakes.count + 1, 10s));
      continue;
    }
    if (!next.frame) {
      CHECK(next.error.empty());
      break;
    }
    ++total;
  }
  CHECK(total == 50);
}

TEST_CASE("FileReader: H.264 is read inline, and loops with --loop", "[unit][server]") {
  TempDir dir;
  const std::string file = dir.file("clip.mp4");
  REQUIRE(make_clip(file, "160x120", 25, 1, 0));
  FileReader reader(file, true, [] { FAIL("no worker, no wake"); });
  CHECK_FALSE(reader.threaded());
  int64_t last = -1;
  for (int i = 0; i < 60; ++i) {
    auto next = reader.next();
    REQUIRE(next.frame);
    CHECK_FALSE(next.pending);
    // Across the rewind the timeline goes on.
    CHECK(next.frame->dts_90k > last);
    last = next.frame->dts_90k;
  }
}

TEST_CASE("FileReader: a missing file is a SourceError for the user", "[unit][server]") {
  TempDir dir;
  CHECK_THROWS_AS(FileReader(dir.file("nope.mp4"), false, [] {}), flowcast::media::SourceError);
}
