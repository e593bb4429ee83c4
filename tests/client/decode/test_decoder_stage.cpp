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

namespace {

// 40 frames with two B-frames between references, in decode order.
const std::vector<media::EncodedFrame>& encoded_with_b_frames() {
  static const std::vector<media::EncodedFrame> frames = [] {
    media::EncoderConfig config;
    config.width = kWidth;
    config.height = kHeight;
    config.fps = 30;
    config.bitrate = 400'000;
    config.gop = kGop;
    config.max_b_frames = 2;
    config.low_latency = false;
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

// Decodes access units stamped by `stamp(decode index, frame)`.
template <typename Stamp>
Run decode_stamped(const std::vector<media::EncodedFrame>& frames, Stamp stamp) {
  Run run;
  common::BoundedQueue<RenderFrame> queue(1000);
  DecoderStage stage(
      &media::h264_payload_format(), LossPolicy::conceal, [] {}, false);
  stage.pipe(queue);
  for (size_t i = 0; i < frames.size(); ++i) {
    CodedAccessUnit au = access_unit(frames[i]);
    au.timestamp = stamp(i, frames[i]);
    CHECK(stage.write(std::move(au)));
  }
  stage.end();
  while (auto rf = queue.try_pop()) run.out.push_back(std::move(*rf));
  run.counters = stage.counters();
  return run;
}

}  // namespace

TEST_CASE("DecoderStage: B-frames stamped in presentation order keep their timestamps",
          "[unit][decoder]") {
  const auto& frames = encoded_with_b_frames();
  REQUIRE(frames.size() == kFrames);
  // The premise: decode order differs from display order.
  bool reordered = false;
  for (size_t i = 1; i < frames.size(); ++i) reordered |= frames[i].pts_90k < frames[i - 1].pts_90k;
  REQUIRE(reordered);
  Run run = decode_stamped(frames, [](size_t, const media::EncodedFrame& f) { return f.pts_90k; });
  REQUIRE(run.out.size() == kFrames);
  for (int i = 0; i < kFrames; ++i) CHECK(run.out[i].pts_90k == frames[0].pts_90k + i * 3000);
  CHECK_FALSE(run.counters.decode_order_timestamps);
  CHECK(run.counters.undecodable == 0);
  CHECK(run.counters.held == 0);
}

TEST_CASE("DecoderStage: timestamps in decode order are recognised and pictures retimed",
          "[unit][decoder]") {
  const auto& frames = encoded_with_b_frames();
  REQUIRE(frames.size() == kFrames);
  // One frame further per access unit in decode order, as live555 stamps a
  // raw .264 file.
  Run run = decode_stamped(
      frames, [](size_t i, const media::EncodedFrame&) { return static_cast<int64_t>(i) * 3000; });
  REQUIRE(run.out.size() == kFrames);
  CHECK(run.counters.decode_order_timestamps);
  CHECK(run.counters.decoded == kFrames);
  CHECK(run.counters.undecodable == 0);
  // Once recognised (within the first reordered group), every picture leaves
  // one frame after the one before: a steady rate, nothing to drop late.
  size_t steady_from = 0;
  for (size_t i = 1; i < run.out.size(); ++i)
    if (run.out[i].pts_90k != run.out[i - 1].pts_90k + 3000) steady_from = i;
  CHECK(steady_from <= 4);
  CHECK(run.out.back().pts_90k == (kFrames - 1) * 3000);
}

TEST_CASE("DecoderStage: an access unit that gives no picture is counted undecodable",
          "[unit][decoder]") {
  Run run = decode_all(LossPolicy::conceal, [](int index, CodedAccessUnit& au) {
    // An access unit delimiter alone: nothing to decode.
    if (index == 25) au.annexb = {0, 0, 0, 1, 9, 0xF0};
  });
  CHECK(run.out.size() == kFrames - 1);
  CHECK(run.counters.decoded == kFrames - 1);
  CHECK(run.counters.undecodable == 1);
  CHECK(run.counters.held == 0);
}

TEST_CASE(
    "DecoderStage: B-frames in presentation order with access units lost whole stay as "
    "stamped",
    "[unit][decoder]") {
  const auto& frames = encoded_with_b_frames();
  Run run;
  common::BoundedQueue<RenderFrame> queue(1000);
  DecoderStage stage(
      &media::h264_payload_format(), LossPolicy::conceal, [] {}, false);
  stage.pipe(queue);
  for (size_t i = 0; i < frames.size(); ++i) {
    // A burst lost whole in the middle of the first group of pictures; the
    // access unit after it comes marked incomplete, as the buffer marks it.
    if (i >= 6 && i < 10) continue;
    CodedAccessUnit au = access_unit(frames[i]);
    au.complete = i != 10;
    CHECK(stage.write(std::move(au)));
  }
  stage.end();
  while (auto rf = queue.try_pop()) run.out.push_back(std::move(*rf));
  run.counters = stage.counters();
  CHECK_FALSE(run.counters.decode_order_timestamps);
  // Every access unit that went in is a picture or counted undecodable.
  CHECK(run.counters.decoded + run.counters.undecodable == frames.size() - 4);
  // conceal: what arrived after the gap is shown, marked, until the keyframe.
  const auto marked = std::count_if(run.out.begin(), run.out.end(),
                                    [](const RenderFrame& rf) { return rf.tainted || rf.corrupt; });
  UNSCOPED_INFO("decoded " << run.counters.decoded << " undecodable " << run.counters.undecodable
                           << " marked " << marked);
  CHECK(marked >= 6);
  for (const auto& rf : run.out) {
    const bool own_timestamp = std::any_of(frames.begin(), frames.end(),
                                           [&](const auto& f) { return f.pts_90k == rf.pts_90k; });
    CHECK(own_timestamp);
  }
}

TEST_CASE("DecoderStage: a stream joined between keyframes is not taken for decode order",
          "[unit][decoder]") {
  const auto& frames = encoded_with_b_frames();
  Run run;
  common::BoundedQueue<RenderFrame> queue(1000);
  DecoderStage stage(
      &media::h264_payload_format(), LossPolicy::conceal, [] {}, false);
  stage.pipe(queue);
  // From the fifth access unit on: no keyframe until the second one.
  for (size_t i = 5; i < frames.size(); ++i) CHECK(stage.write(access_unit(frames[i])));
  stage.end();
  while (auto rf = queue.try_pop()) run.out.push_back(std::move(*rf));
  run.counters = stage.counters();
  CHECK_FALSE(run.counters.decode_order_timestamps);
  CHECK(run.counters.decoded + run.counters.undecodable + run.counters.unrecovered ==
        frames.size() - 5);
}
