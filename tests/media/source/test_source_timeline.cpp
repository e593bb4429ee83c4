// The file timeline: missing timestamps follow the frame rate and the
// picture order, discontinuities are re-anchored, gaps are kept.
#include <catch2/catch.hpp>

#include "media/source/source_timeline.hpp"

using namespace flowcast::media;

TEST_CASE("a stream without timestamps is timed by its frame rate and picture order",
          "[unit][media][timeline]") {
  // 30 fps, two frames of reordering; decode order I P B B P B B (POC/2:
  // 0 3 1 2 6 4 5), then an IDR restarts the order.
  SourceTimeline timeline({.frame_duration_90k = 3000, .reorder_depth = 2});
  const std::vector<int64_t> order = {0, 3, 1, 2, 6, 4, 5, 0, 1};
  std::vector<TimelinePoint> points;
  for (size_t i = 0; i < order.size(); ++i)
    points.push_back(timeline.place(std::nullopt, std::nullopt, 0, order[i], order[i] == 0));
  for (size_t i = 0; i < points.size(); ++i) {
    INFO("access unit " << i);
    CHECK(points[i].dts_90k == static_cast<int64_t>(i) * 3000);
    CHECK(points[i].pts_90k >= points[i].dts_90k);
    CHECK(points[i].duration_90k == 3000);
  }
  // Shown in picture order, one frame apart, behind two frames of reordering.
  CHECK(points[0].pts_90k == 2 * 3000);
  CHECK(points[2].pts_90k == 3 * 3000);
  CHECK(points[3].pts_90k == 4 * 3000);
  CHECK(points[1].pts_90k == 5 * 3000);
  CHECK(points[6].pts_90k == 7 * 3000);
  CHECK(points[4].pts_90k == 8 * 3000);
  // The IDR's pictures follow the last one before it.
  CHECK(points[7].pts_90k == 9 * 3000);
  CHECK(points[8].pts_90k == 10 * 3000);
  CHECK(timeline.synthesized() == 9);
  CHECK(timeline.discontinuities() == 0);
}

TEST_CASE("a stream without picture order is shown in decode order", "[unit][media][timeline]") {
  SourceTimeline timeline({.frame_duration_90k = 3600});
  for (int i = 0; i < 5; ++i) {
    const auto p = timeline.place(std::nullopt, std::nullopt, 0, std::nullopt, i == 0);
    CHECK(p.dts_90k == i * 3600);
    CHECK(p.pts_90k == i * 3600);
  }
}

TEST_CASE("timestamps that go back are re-anchored one frame on", "[unit][media][timeline]") {
  SourceTimeline timeline({.frame_duration_90k = 3600});
  for (int i = 0; i < 3; ++i)
    timeline.place(900'000 + i * 3600, 900'000 + i * 3600, 3600, {}, false);
  // The second file of a cat starts 3 s earlier than the first one ended.
  const auto jump =
      timeline.place(900'000 + 2 * 3600 - 270'000, 900'000 + 2 * 3600 - 270'000, 3600, {}, true);
  CHECK(jump.dts_90k == 900'000 + 3 * 3600);
  CHECK(jump.pts_90k == 900'000 + 3 * 3600);
  // And the rest of it keeps the new anchor.
  const auto after =
      timeline.place(900'000 + 3 * 3600 - 270'000, 900'000 + 3 * 3600 - 270'000, 3600, {}, false);
  CHECK(after.dts_90k == 900'000 + 4 * 3600);
  CHECK(timeline.discontinuities() == 1);
}

TEST_CASE("a forward jump is a gap unless the format declares discontinuities",
          "[unit][media][timeline]") {
  const int64_t leap = SourceTimeline::kForwardJump90k + 90'000;
  SECTION("an MP4 still of 7 s is kept") {
    SourceTimeline timeline({.frame_duration_90k = 9000});
    timeline.place(0, 0, 9000, {}, true);
    const auto after = timeline.place(7 * 90'000, 7 * 90'000, 9000, {}, true);
    CHECK(after.pts_90k == 7 * 90'000);
    CHECK(timeline.discontinuities() == 0);
  }
  SECTION("a longer leap in a file with no declared discontinuities is kept") {
    SourceTimeline timeline({.frame_duration_90k = 9000});
    timeline.place(0, 0, 9000, {}, true);
    CHECK(timeline.place(leap, leap, 9000, {}, true).pts_90k == leap);
    CHECK(timeline.discontinuities() == 0);
  }
  SECTION("the same leap in MPEG-TS is re-anchored") {
    SourceTimeline timeline({.frame_duration_90k = 9000, .discontinuous_format = true});
    timeline.place(0, 0, 9000, {}, true);
    CHECK(timeline.place(leap, leap, 9000, {}, true).pts_90k == 9000);
    CHECK(timeline.discontinuities() == 1);
  }
}

TEST_CASE("a presentation time before its decode time is held to it", "[unit][media][timeline]") {
  SourceTimeline timeline({.frame_duration_90k = 3000});
  timeline.place(0, 0, 3000, {}, true);
  const auto p = timeline.place(-90'000 + 1, 3000, 3000, {}, false);
  CHECK(p.pts_90k == 3000);
  timeline.reset();
  // After a rewind the file starts again from its own times, not a jump.
  CHECK(timeline.place(0, 0, 3000, {}, true).dts_90k == 0);
  CHECK(timeline.discontinuities() == 0);
}

TEST_CASE("missing decode times are derived, not taken from presentation times",
          "[unit][media][timeline]") {
  // A Matroska file at 30 fps with two B-frames of reordering: its first two
  // blocks carry a presentation time only (0 and 100 ms), and libavformat
  // gives the decode times from the third on (0, 33 ms, ...).
  SourceTimeline timeline({.frame_duration_90k = 3000, .reorder_depth = 2});
  const std::vector<std::optional<int64_t>> pts = {0, 9000, 3000, 6000, 18000, 12000, 15000};
  const std::vector<std::optional<int64_t>> dts = {std::nullopt, std::nullopt, 0,    3000,
                                                   6000,         9000,         12000};
  std::vector<TimelinePoint> points;
  for (size_t i = 0; i < pts.size(); ++i)
    points.push_back(timeline.place(pts[i], dts[i], 3000, std::nullopt, i == 0));
  // Decoded two frames before the first is shown, one frame apart, into the
  // file's own decode times without a jump.
  for (size_t i = 0; i < points.size(); ++i) {
    INFO("access unit " << i);
    CHECK(points[i].dts_90k == (static_cast<int64_t>(i) - 2) * 3000);
    CHECK(points[i].pts_90k == *pts[i]);
  }
  CHECK(timeline.discontinuities() == 0);
  CHECK(timeline.synthesized() == 0);
}

TEST_CASE("units with presentation times only are decoded one duration apart",
          "[unit][media][timeline]") {
  // No reordering: decode order is presentation order, each unit its own
  // duration after the last (a still of 2 s included).
  SourceTimeline timeline({.frame_duration_90k = 3600});
  CHECK(timeline.place(0, std::nullopt, 3600, std::nullopt, true).dts_90k == 0);
  const auto second = timeline.place(3600, std::nullopt, 180'000, std::nullopt, false);
  CHECK(second.dts_90k == 3600);
  CHECK(second.pts_90k == 3600);
  const auto third = timeline.place(183'600, std::nullopt, 3600, std::nullopt, false);
  CHECK(third.dts_90k == 183'600);
  CHECK(third.pts_90k == 183'600);
  // A picture is never due before it is decoded.
  const auto early = timeline.place(150'000, std::nullopt, 3600, std::nullopt, false);
  CHECK(early.dts_90k == 187'200);
  CHECK(early.pts_90k >= early.dts_90k);
  CHECK(timeline.discontinuities() == 0);
}
