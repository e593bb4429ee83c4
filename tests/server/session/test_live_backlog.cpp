// LiveBacklog: joining at a keyframe, skipping while overloaded, and
// skipping to the newest keyframe when too far behind.
#include <catch2/catch.hpp>

#include "server/session/live_backlog.hpp"

using namespace flowcast::server;

namespace {

// A frame of `packets` payloads at decode time `dts_90k`.
std::shared_ptr<const PacketizedFrame> frame(int64_t dts_90k, bool keyframe, size_t packets = 2) {
  auto f = std::make_shared<PacketizedFrame>();
  f->dts_90k = f->pts_90k = dts_90k;
  f->duration_90k = 3000;
  f->keyframe = keyframe;
  f->payloads.resize(packets, std::vector<uint8_t>(100));
  return f;
}

}  // namespace

TEST_CASE("a live backlog joins at a keyframe and holds frames in order", "[unit]") {
  LiveBacklog backlog;
  auto offered = backlog.offer(frame(0, false), false);
  CHECK_FALSE(offered.taken);
  CHECK_FALSE(offered.skipped_overload);  // waiting to join is no overload
  CHECK(backlog.empty());
  CHECK(backlog.offer(frame(3000, true), false).taken);
  CHECK(backlog.offer(frame(6000, false), false).taken);
  CHECK(backlog.front().dts_90k == 3000);
  CHECK(backlog.pop()->keyframe);
  CHECK(backlog.pop()->dts_90k == 6000);
  CHECK(backlog.empty());
}

TEST_CASE("a live backlog skips to the next keyframe while overloaded, and counts it", "[unit]") {
  LiveBacklog backlog;
  REQUIRE(backlog.offer(frame(0, true), false).taken);
  auto skipped = backlog.offer(frame(3000, false), true);
  CHECK_FALSE(skipped.taken);
  CHECK(skipped.skipped_overload);
  // No longer overloaded: still skipping, to the next keyframe.
  CHECK(backlog.offer(frame(6000, false), false).skipped_overload);
  // A keyframe always goes, overloaded or not.
  CHECK(backlog.offer(frame(9000, true), true).taken);
  CHECK(backlog.offer(frame(12000, false), false).taken);
}

TEST_CASE("a live backlog too far behind skips to its newest keyframe", "[unit]") {
  LiveBacklog backlog;
  REQUIRE(backlog.offer(frame(0, true, 3), false).taken);
  for (int64_t t = 3000; t <= LiveBacklog::kMaxBehind90k; t += 3000)
    REQUIRE(backlog.offer(frame(t, t == 300000, 3), false).frames_dropped == 0);
  // One more frame and the oldest is past the bound: everything before the
  // newest keyframe (at 300000) goes.
  const auto offered = backlog.offer(frame(LiveBacklog::kMaxBehind90k + 3000, false, 3), false);
  CHECK(offered.taken);
  CHECK(offered.frames_dropped == 100);
  CHECK(offered.packets_dropped == 300);
  CHECK_FALSE(offered.wants_keyframe);
  CHECK(backlog.front().dts_90k == 300000);
  CHECK(backlog.front().keyframe);
}

TEST_CASE("a live backlog without a keyframe to skip to drops it all and wants one", "[unit]") {
  LiveBacklog backlog;
  REQUIRE(backlog.offer(frame(0, true), false).taken);
  backlog.pop();
  // Frames from 3000 on, none a keyframe: the one at 366000 is the first
  // more than kMaxBehind90k after the oldest.
  for (int64_t t = 3000; t < 366000; t += 3000)
    REQUIRE(backlog.offer(frame(t, false), false).frames_dropped == 0);
  const auto offered = backlog.offer(frame(366000, false), false);
  CHECK(offered.taken);
  CHECK(offered.wants_keyframe);
  CHECK(offered.frames_dropped == 122);
  CHECK(offered.packets_dropped == 244);
  CHECK(backlog.empty());
  CHECK_FALSE(backlog.offer(frame(400000, false), false).taken);  // waits for a keyframe
  CHECK(backlog.offer(frame(403000, true), false).taken);
}

TEST_CASE("a live backlog after a PLI or a pause waits for a keyframe", "[unit]") {
  LiveBacklog backlog;
  REQUIRE(backlog.offer(frame(0, true), false).taken);
  backlog.wait_for_keyframe();
  CHECK_FALSE(backlog.offer(frame(3000, false), false).taken);
  CHECK_FALSE(backlog.empty());  // what was held stays
  backlog.reset();
  CHECK(backlog.empty());
  CHECK_FALSE(backlog.offer(frame(6000, false), false).taken);
  CHECK(backlog.offer(frame(9000, true), false).taken);
}

TEST_CASE("a live backlog joins and skips at the video's keyframes only, sound going along",
          "[unit]") {
  const auto sound = [](int64_t dts_90k, bool keyframe) {
    auto f = std::make_shared<PacketizedFrame>(*frame(dts_90k, keyframe, 1));
    f->stream = 1;
    return std::shared_ptr<const PacketizedFrame>(f);
  };
  LiveBacklog backlog;
  // Waiting to join: sound, even marked key, does not open the way.
  CHECK_FALSE(backlog.offer(sound(0, true), false).taken);
  CHECK_FALSE(backlog.offer(frame(1000, false), false).taken);
  CHECK(backlog.offer(frame(3000, true), false).taken);
  CHECK(backlog.offer(sound(3600, false), false).taken);
  CHECK(backlog.offer(frame(6000, false), false).taken);
  // Too far behind: the skip lands on the video's keyframe, not on sound.
  CHECK(backlog.offer(sound(9000, true), false).taken);
  const auto offered = backlog.offer(frame(3000 + LiveBacklog::kMaxBehind90k + 3000, false), false);
  CHECK(offered.frames_dropped == 0);
  CHECK(backlog.front().stream == 0);
  CHECK(backlog.front().keyframe);
}
