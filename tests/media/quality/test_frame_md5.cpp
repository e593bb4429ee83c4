// framemd5 files as ffmpeg writes them: pts count frames in a one-frame time
// base, whatever rounding the source's times carry.
#include <catch2/catch.hpp>
#include <sstream>

#include "media/quality/frame_md5.hpp"

using namespace flowcast::media;

namespace {
std::vector<long long> pts_column(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::vector<long long> pts;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string stream, dts, p;
    std::getline(fields, stream, ',');
    std::getline(fields, dts, ',');
    std::getline(fields, p, ',');
    pts.push_back(std::stoll(p));
  }
  return pts;
}

std::vector<FrameMd5Line> lines_at(const std::vector<int64_t>& pts_90k) {
  std::vector<FrameMd5Line> lines;
  for (const int64_t pts : pts_90k) {
    FrameMd5Line l;
    l.pts_90k = pts;
    l.digest = {"d41d8cd98f00b204e9800998ecf8427e", 115200};
    l.width = 320;
    l.height = 240;
    lines.push_back(l);
  }
  return lines;
}
}  // namespace

TEST_CASE("framemd5 counts 30 fps in milliseconds as frames", "[unit][media][quality]") {
  // Matroska's 0, 33, 67, 100 ms ...: steps of 2970 and 3060 ticks.
  std::vector<int64_t> pts;
  for (int i = 0; i < 120; ++i) pts.push_back((i * 1000 + 15) / 30 * 90);
  const std::string text = framemd5_text(lines_at(pts));
  CHECK(text.find("#tb 0: 1/30\n") != std::string::npos);
  const auto got = pts_column(text);
  REQUIRE(got.size() == 120);
  for (int i = 0; i < 120; ++i) {
    INFO("picture " << i);
    CHECK(got[static_cast<size_t>(i)] == i);
  }
}

TEST_CASE("framemd5 keeps a still and a gap in frames of the smallest step",
          "[unit][media][quality]") {
  // 10 fps, a picture missing after the third, and a 2 s still.
  const std::string text = framemd5_text(lines_at({0, 9000, 18000, 36000, 216000}));
  CHECK(text.find("#tb 0: 1/10\n") != std::string::npos);
  CHECK(pts_column(text) == std::vector<long long>({0, 1, 2, 4, 24}));
}

TEST_CASE("framemd5 of one picture every 3 s reads true", "[unit][media][quality]") {
  const std::string text = framemd5_text(lines_at({0, 270000, 540000, 810000}));
  CHECK(text.find("#tb 0: 3/1\n") != std::string::npos);
  CHECK(pts_column(text) == std::vector<long long>({0, 1, 2, 3}));
}
