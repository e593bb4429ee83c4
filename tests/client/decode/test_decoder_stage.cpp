// DecoderStage with the real libavcodec decoder: 40 frames of the test
// pattern, encoded in memory with libx264 (IDR every 20 frames), fed as
// access units, piped into a render queue, and the loss policies checked on
// what comes out.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "client/decode/decoder_stage.hpp"
#include "common/stream/bounded_queue.hpp"
#include "media/codec/video_encoder.hpp"
#include "media/source/test_pattern.hpp"

using namespace flowcast;
using flowcast::client::CodedAccessUnit;
using flowcast::client::DecoderStage;
using flowcast::client::LossPolicy;
using flowcast::client::RenderFrame;

namespace {

constexpr int kFrames = 40;
constexpr int kGop = 20;
constexpr int kWidth = 320;
constexpr int kHeight = 240;

// Encoded once for every test in this file.
const std::vector<media::EncodedFrame>& encoded() {
  static const std::vector<media::EncodedFrame> frames = [] {
    media::EncoderConfig config;
    config.width = kWidth;
    config.height = kHeight;
    config.fps = 30;
    config.bitrate = 400'000;
    config.gop = kGop;
    media::VideoEncoder encoder(config);
    media::TestPattern pattern(kWidth, kHeight);
    std::vector<media::EncodedFrame> out;
    for (int i = 0; i < kFrames; ++i)
      for (auto& f : encoder.encode(pattern.render(i))) out.push_back(std::move(f));
    for (auto& f : encoder.flush()) out.push_back(std::move(f));
    return out;
  }();
  return frames;
}

CodedAccessUnit access_unit(const media::EncodedFrame& f) {
  CodedAccessUnit au;
  au.timestamp = f.pts_90k;
  au.annexb = f.annexb;
  au.complete = true;
  au.keyframe = f.keyframe;
  return au;
}

int index_of(int64_t pts_90k) {
  return static_cast<int>(pts_90k / 3000);
}

struct Run {
  std::vector<RenderFrame> out;
  client::DecodeCounters counters;
  int keyframe_requests = 0;
};

// Feeds every access unit (changed by `edit`), ends the stage and collects
// what reached the render queue.
template <typename Edit>
Run decode_all(LossPolicy policy, Edit edit) {
  Run run;
  common::BoundedQueue<RenderFrame> queue(1000);
  DecoderStage stage(
      &media::h264_payload_format(), policy, [&] { ++run.keyframe_requests; }, false);
  stage.pipe(queue);
  for (const auto& f : encoded()) {
    CodedAccessUnit au = access_unit(f);
    edit(index_of(f.pts_90k), au);
    CHECK(stage.write(std::move(au)));
  }
  stage.end();
  CHECK(queue.drained() == false);  // end() closed it, but pictures are waiting
  while (auto rf = queue.try_pop()) run.out.push_back(std::move(*rf));
  CHECK(queue.drained());
  run.counters = stage.counters();
  return run;
}

// For each picture index: tainted or corrupt (shown after a loss).
std::map<int, bool> marked_by_index(const Run& run) {
  std::map<int, bool> marked;
  for (const auto& rf : run.out) marked[index_of(rf.pts_90k)] = rf.tainted || rf.corrupt;
  return marked;
}

}  // namespace

TEST_CASE("DecoderStage fixture: 40 frames, IDRs at 0 and 20", "[unit][decoder]") {
  const auto& frames = encoded();
  REQUIRE(frames.size() == kFrames);
  for (int i = 0; i < kFrames; ++i) {
    INFO("frame " << i);
    CHECK(frames[i].pts_90k == i * 3000);
    CHECK(frames[i].keyframe == (i % kGop == 0));
    CHECK_FALSE(frames[i].annexb.empty());
  }
}

TEST_CASE("DecoderStage: complete access units decode cleanly", "[unit][decoder]") {
  Run run = decode_all(LossPolicy::conceal, [](int, CodedAccessUnit&) {});
  REQUIRE(run.out.size() == kFrames);
  for (int i = 0; i < kFrames; ++i) {
    INFO("frame " << i);
    const auto& rf = run.out[i];
    CHECK(rf.pts_90k == i * 3000);
    CHECK_FALSE(rf.tainted);
    CHECK_FALSE(rf.corrupt);
    CHECK_FALSE(rf.skipped);
    REQUIRE(rf.frame);
    CHECK(rf.frame->width == kWidth);
    CHECK(rf.frame->height == kHeight);
  }
  CHECK(run.counters.access_units == kFrames);
  CHECK(run.counters.decoded == kFrames);
  CHECK(run.counters.incomplete_access_units == 0);
  CHECK(run.counters.corrupt == 0);
  CHECK(run.counters.skipped == 0);
  CHECK(run.counters.rejected == 0);
  CHECK(run.keyframe_requests == 0);
}

TEST_CASE("DecoderStage conceal: pictures after a loss are tainted until the next IDR",
          "[unit][decoder]") {
  constexpr int kLost = 5;

  SECTION("an access unit marked incomplete, its bytes intact") {
    Run run = decode_all(LossPolicy::conceal, [](int i, CodedAccessUnit& au) {
      if (i == kLost) au.complete = false;
    });
    REQUIRE(run.out.size() == kFrames);
    CHECK(run.counters.decoded == kFrames);
    CHECK(run.counters.incomplete_access_units == 1);
    CHECK(run.counters.corrupt == 0);
    CHECK(run.keyframe_requests == 0);
    const auto marked = marked_by_index(run);
    // The frames next to either boundary are checked in the  test
    // below; here, those well inside each range.
    for (int i = 0; i < kLost - 1; ++i) CHECK_FALSE(marked.at(i));
    for (int i = kLost + 1; i < kGop - 1; ++i) CHECK(marked.at(i));
    for (int i = kGop + 1; i < kFrames; ++i) CHECK_FALSE(marked.at(i));
    for (const auto& rf : run.out) CHECK_FALSE(rf.skipped);
  }

  SECTION("an access unit cut in half") {
    Run run = decode_all(LossPolicy::conceal, [](int i, CodedAccessUnit& au) {
      if (i == kLost) {
        au.annexb.resize(au.annexb.size() / 2);
        au.complete = false;
      }
    });
    CHECK(run.counters.incomplete_access_units == 1);
    const auto marked = marked_by_index(run);
    for (int i = 0; i < kLost - 1; ++i) CHECK_FALSE(marked.at(i));
    for (int i = kLost + 1; i < kGop - 1; ++i) CHECK(marked.at(i));
    for (int i = kGop + 1; i < kFrames; ++i) CHECK_FALSE(marked.at(i));
  }
}

// The taint travels with the picture: the decoder (two frame threads) hands
// pictures out later than their access units go in, so the stage keys the
// taint by pts, as it does the send times.
TEST_CASE("DecoderStage conceal: exactly the pictures from the loss to the IDR are tainted",
          "[unit][decoder]") {
  constexpr int kLost = 5;
  const bool cut = GENERATE(false, true);
  Run run = decode_all(LossPolicy::conceal, [cut](int i, CodedAccessUnit& au) {
    if (i != kLost) return;
    au.complete = false;
    if (cut) au.annexb.resize(au.annexb.size() / 2);
  });
  INFO("access unit " << kLost << (cut ? " cut in half" : " marked incomplete"));
  const auto marked = marked_by_index(run);
  for (int i = 0; i < kFrames; ++i) {
    INFO("frame " << i);
    CHECK(marked.at(i) == (i >= kLost && i < kGop));
  }
}

TEST_CASE("DecoderStage freeze: skip markers from the loss to the IDR, one keyframe request",
          "[unit][decoder]") {
  constexpr int kLost = 5;
  Run run = decode_all(LossPolicy::freeze, [](int i, CodedAccessUnit& au) {
    // A second loss while frozen asks for nothing more.
    if (i == kLost || i == kLost + 3) au.complete = false;
  });
  CHECK(run.keyframe_requests == 1);
  CHECK(run.counters.keyframe_requests == 1);
  CHECK(run.counters.incomplete_access_units == 2);
  CHECK(run.counters.skipped == kGop - kLost);
  CHECK(run.counters.decoded == kFrames - (kGop - kLost));

  std::vector<int> skipped, pictures;
  for (const auto& rf : run.out) {
    const int i = index_of(rf.pts_90k);
    INFO("frame " << i);
    if (rf.skipped) {
      // A marker carries no picture.
      CHECK((!rf.frame || rf.frame->data[0] == nullptr));
      skipped.push_back(i);
    } else {
      CHECK(rf.frame);
      CHECK_FALSE(rf.tainted);
      CHECK_FALSE(rf.corrupt);
      pictures.push_back(i);
    }
  }
  std::vector<int> want_skipped, want_pictures;
  for (int i = 0; i < kFrames; ++i)
    (i >= kLost && i < kGop ? want_skipped : want_pictures).push_back(i);
  CHECK(skipped == want_skipped);
  std::sort(pictures.begin(), pictures.end());
  CHECK(pictures == want_pictures);
}

// When a freeze begins, the pictures the decoder still holds come out first,
// then the skip markers: presentation order holds across the freeze.
TEST_CASE("DecoderStage freeze: pictures and skip markers leave in presentation order",
          "[unit][decoder]") {
  constexpr int kLost = 5;
  Run run = decode_all(LossPolicy::freeze, [](int i, CodedAccessUnit& au) {
    if (i == kLost) au.complete = false;
  });
  std::vector<int> order;
  for (const auto& rf : run.out) order.push_back(index_of(rf.pts_90k));
  std::vector<int> want(kFrames);
  for (int i = 0; i < kFrames; ++i) want[i] = i;
  CHECK(order == want);
}
