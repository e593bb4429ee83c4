// bench/run.sh, bench/fanout.sh and bench/jitter.sh in their smoke modes:
// every benchmark runs once, small, against the binaries under test, and
// each row of the results must carry figures. The figures are not judged
// (this is not a timed test); the point is that the script cannot rot
// unnoticed.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;

namespace {

const std::string kClient = FLOWCAST_CLIENT_BIN;
const std::string kSourceDir = FLOWCAST_SOURCE_DIR;

// The build folder holds client/flowcast-client and server/flowcast-server.
std::string build_dir() {
  const auto client_dir = kClient.substr(0, kClient.rfind('/'));
  return client_dir.substr(0, client_dir.rfind('/'));
}

// The cells of the table row whose first cell starts with label.
std::vector<std::string> row(const std::string& markdown, const std::string& label) {
  std::istringstream in(markdown);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| " + label, 0) != 0) continue;
    std::vector<std::string> cells;
    std::istringstream fields(line.substr(1));
    std::string cell;
    while (std::getline(fields, cell, '|')) cells.push_back(cell);
    return cells;
  }
  return {};
}

bool has_number(const std::string& cell) {
  static const std::regex number(R"((^|[^\w.])[0-9]+\.[0-9]+)");
  return std::regex_search(cell, number) && cell.find("nan") == std::string::npos;
}

// A count over the runs, as bench/jitter.sh writes it: "median (min–max)".
bool has_count(const std::string& cell) {
  static const std::regex count(R"(^ *[0-9]+ \([0-9]+–[0-9]+\) *$)");
  return std::regex_search(cell, count);
}

}  // namespace

TEST_CASE("bench/run.sh --smoke produces every benchmark's figures",
          "[integration][bench-smoke][long]") {
  TempDir dir;
  const std::string results = dir.file("RESULTS.md");
  Process bench({"bash", kSourceDir + "/bench/run.sh", "--smoke", "--out", results, "--build",
                 build_dir(), "--work", dir.file("work")},
                dir.file("bench.log"));
  const auto code = bench.wait_for(150s);
  INFO(bench.log());
  REQUIRE(code == 0);
  REQUIRE(file_exists(results));
  const std::string md = read_file(results);
  INFO(md);

  // Each ratio row: flowcast's figure, the reference's, and their ratio.
  for (const char* label : {"client pipeline cost", "client against ffmpeg's RTP receive",
                            "server cost", "client memory"}) {
    const auto cells = row(md, label);
    INFO(label);
    REQUIRE(cells.size() >= 6);
    CHECK(has_number(cells[1]));
    CHECK(has_number(cells[2]));
    CHECK(has_number(cells[3]));
    CHECK((cells[5].find("met") != std::string::npos ||
           cells[5].find("missed") != std::string::npos));
  }
  for (const char* label : {"latency, default buffer", "latency, low-latency mode",
                            "latency, low-latency mode, the clip without B-frames"}) {
    const auto cells = row(md, label);
    INFO(label);
    REQUIRE(cells.size() >= 6);
    CHECK(has_number(cells[1]));
  }
  // Three sizes and three rates: five points, the main clip shared.
  int growth_points = 0;
  std::istringstream in(md);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| cost growth, ", 0) != 0 || line.find(" at ") == std::string::npos) continue;
    ++growth_points;
    const auto cells = row(line, "cost growth, ");
    REQUIRE(cells.size() >= 4);
    CHECK(has_number(cells[1]));
    CHECK(has_number(cells[2]));
    CHECK(has_number(cells[3]));
  }
  CHECK(growth_points == 5);
  CHECK(md.find("nproc") != std::string::npos);
  CHECK(md.find("/usr/bin/time") != std::string::npos);
}

TEST_CASE("bench/fanout.sh --smoke writes the fan-out figures and keeps the rest of the file",
          "[integration][bench-smoke][long]") {
  TempDir dir;
  const std::string results = dir.file("RESULTS.md");
  {
    std::ofstream(results) << "# flowcast benchmarks\n\nkeep me\n\n"
                              "<!-- history: kept by bench/run.sh -->\n## History\n\nold figures\n";
  }
  Process bench({"bash", kSourceDir + "/bench/fanout.sh", "--smoke", "--out", results, "--build",
                 build_dir(), "--work", dir.file("work")},
                dir.file("fanout.log"));
  const auto code = bench.wait_for(60s);
  INFO(bench.log());
  REQUIRE(code == 0);
  const std::string md = read_file(results);
  INFO(md);
  // Every sender's row at 20 viewers carries figures: CPU, the CPU each
  // packet adds, and what the viewers received.
  for (const char* label : {"20 | flowcast", "20 | GStreamer multiudpsink"}) {
    const auto cells = row(md, label);
    INFO(label);
    REQUIRE(cells.size() >= 12);
    CHECK(has_number(cells[2]));
    CHECK(has_number(cells[4]));
    CHECK(has_number(cells[5]));
    CHECK(has_number(cells[7]));
  }
  CHECK(md.find("largest number of viewers held") != std::string::npos);
  CHECK(md.find("gst-launch-1.0") != std::string::npos);
  // The section goes before the history; the rest is kept.
  CHECK(md.find("keep me") != std::string::npos);
  CHECK(md.find("<!-- fanout: ") < md.find("<!-- history: "));
  CHECK(md.find("old figures") != std::string::npos);
}

TEST_CASE("bench/jitter.sh --smoke writes the jitter ladder and keeps the rest of the file",
          "[integration][bench-smoke][long]") {
  TempDir dir;
  const std::string results = dir.file("RESULTS.md");
  {
    std::ofstream(results) << "# flowcast benchmarks\n\nkeep me\n\n"
                              "<!-- history: kept by bench/run.sh -->\n## History\n\nold figures\n";
  }
  Process bench({"bash", kSourceDir + "/bench/jitter.sh", "--smoke", "--jitters", "0 60", "--out",
                 results, "--build", build_dir(), "--work", dir.file("work")},
                dir.file("jitter.log"));
  const auto code = bench.wait_for(120s);
  INFO(bench.log());
  REQUIRE(code == 0);
  const std::string md = read_file(results);
  INFO(md);
  for (const std::string level : {"0", "60"}) {
    // Each flowcast policy's row: latency, then late and lost packets,
    // pictures lost, dropped late and shown, stalls, the target delay.
    for (const std::string policy : {"0ms", "500ms", "adaptive"}) {
      const std::string label = level + " | flowcast `--buffer " + policy + "`";
      const auto cells = row(md, label);
      INFO(label);
      REQUIRE(cells.size() >= 11);
      CHECK(has_number(cells[2]));
      CHECK(has_number(cells[3]));
      for (size_t i = 4; i <= 10; ++i) CHECK(has_count(cells[i]));
    }
    // GStreamer's row: its jitterbuffer's late and lost packets, the sink's
    // pictures dropped late and shown, the packets it never pushed.
    const auto cells = row(md, level + " | GStreamer rtpjitterbuffer");
    INFO(level << " | GStreamer");
    REQUIRE(cells.size() >= 12);
    for (const auto i : {4u, 5u, 7u, 8u, 11u}) CHECK(has_count(cells[i]));
  }
  CHECK(md.find("gst_jitter_receiver.py") != std::string::npos);
  CHECK(md.find("--link-jitter 60ms") != std::string::npos);
  CHECK(md.find("num-late") != std::string::npos);
  // The section goes before the history; the rest is kept.
  CHECK(md.find("keep me") != std::string::npos);
  CHECK(md.find("<!-- jitter: ") < md.find("<!-- history: "));
  CHECK(md.find("old figures") != std::string::npos);
}
