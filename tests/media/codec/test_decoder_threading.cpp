// The decoder's threading, chosen from real streams: clips encoded by ffmpeg
// (libx264) with one slice a picture and with four, read as flowcast-server
// reads them (media::FileSource) and decoded by libavcodec through
// media::VideoDecoder.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include "media/codec/video_decoder.hpp"
#include "media/quality/frame_md5.hpp"
#include "media/source/file_source.hpp"
#include "support/process.hpp"

using namespace flowcast;
using namespace flowcast::media;

namespace {

constexpr int kFrames = 12;

// A raw H.264 clip of kFrames testsrc2 pictures; x264_params adds to
// libx264's own ("slices=4").
std::vector<EncodedFrame> encode(test::TempDir& dir, const std::string& size, int fps, int bframes,
                                 const std::string& x264_params = "") {
  const std::string path = dir.file("clip-" + size + "-" + std::to_string(fps) + "-" +
                                    std::to_string(bframes) + x264_params + ".264");
  const std::string params = x264_params.empty() ? "" : " -x264-params " + x264_params;
  REQUIRE(test::run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=" + size +
                          ":rate=" + std::to_string(fps) + " -frames:v " + std::to_string(kFrames) +
                          " -c:v libx264 -preset ultrafast -bf " + std::to_string(bframes) +
                          params + " -pix_fmt yuv420p -f h264 '" + path + "'") == 0);
  FileSource source(path);
  std::vector<EncodedFrame> units;
  while (auto f = source.next()) units.push_back(std::move(*f));
  REQUIRE(units.size() == kFrames);
  return units;
}

struct Decoded {
  std::vector<std::string> md5;  // "pts md5" of each picture, in output order
  std::optional<DecoderThreading> threading;
  int first_picture_after = 0;  // access units in before the first picture came out
};

Decoded decode_all(const std::vector<EncodedFrame>& units, DecoderThreadingRequest request) {
  VideoDecoder decoder(AV_CODEC_ID_H264, request);
  Decoded d;
  int in = 0;
  auto take = [&](std::vector<DecodedFrame> frames) {
    for (const auto& f : frames) {
      if (d.md5.empty()) d.first_picture_after = in;
      d.md5.push_back(std::to_string(f.pts_90k) + " " + frame_md5(f.frame).md5);
    }
  };
  for (const auto& u : units) {
    ++in;
    take(decoder.decode(u.annexb, u.pts_90k));
  }
  take(decoder.flush());
  d.threading = decoder.threading();
  CHECK(decoder.rejected() == 0);
  return d;
}

}  // namespace

TEST_CASE("read_stream_shape counts x264's slices and reads size and rate",
          "[unit][decoder-threading]") {
  test::TempDir dir;
  const auto one = encode(dir, "1280x720", 30, 0);
  const auto four = encode(dir, "1280x720", 30, 0, "slices=4");
  for (const auto* units : {&one, &four}) {
    const StreamShape shape = read_stream_shape(AV_CODEC_ID_H264, units->front().annexb);
    CHECK(shape.size.to_string() == "1280x720");
    CHECK(shape.frame_rate == Approx(30));
  }
  CHECK(read_stream_shape(AV_CODEC_ID_H264, one.front().annexb).slices == 1);
  CHECK(read_stream_shape(AV_CODEC_ID_H264, four.front().annexb).slices == 4);
  CHECK(read_stream_shape(AV_CODEC_ID_H264, four.back().annexb).slices == 4);
  // A picture without its parameter sets: slices, no size.
  const StreamShape later = read_stream_shape(AV_CODEC_ID_H264, one.back().annexb);
  CHECK(later.slices == 1);
  CHECK(later.size.pixels() == 0);
}

TEST_CASE("choose_decoder_threading: one thread up to the pixel-rate bar",
          "[unit][decoder-threading]") {
  const ThreadingLimits four_cores_delay{.max_added_delay = 1, .cores = 4};
  // 720p30 and 1080p30, one slice or four, delay allowed or not: one thread.
  for (int slices : {1, 4})
    for (const PictureSize size : {PictureSize{1280, 720}, PictureSize{1920, 1088}}) {
      INFO(size.to_string() << ", " << slices << " slices");
      const DecoderThreading t = choose_decoder_threading({size, 30, slices}, four_cores_delay);
      CHECK(t.threads == 1);
      CHECK(t.type == 0);
    }
  // A rate not declared is taken for kAssumedFrameRate.
  CHECK(choose_decoder_threading({{1920, 1088}, 0, 1}, four_cores_delay).threads == 1);
  // 1080p60 is past the bar: slices share a picture without delay...
  const DecoderThreading sliced = choose_decoder_threading({{1920, 1088}, 60, 4}, {0, 4});
  CHECK(sliced.threads == 4);
  CHECK(sliced.type == FF_THREAD_SLICE);
  CHECK(choose_decoder_threading({{1920, 1088}, 60, 4}, {0, 2}).threads == 2);
  CHECK(choose_decoder_threading({{1920, 1088}, 60, 3}, {0, 8}).threads == 3);
  // ... one slice a picture needs frame threads, only where delay is allowed.
  const DecoderThreading framed = choose_decoder_threading({{1920, 1088}, 60, 1}, four_cores_delay);
  CHECK(framed.threads == 2);
  CHECK(framed.type == FF_THREAD_FRAME);
  CHECK(choose_decoder_threading({{1920, 1088}, 60, 1}, {0, 4}).threads == 1);
  // One core: one thread, whatever the stream.
  CHECK(choose_decoder_threading({{3840, 2160}, 60, 8}, {1, 1}).threads == 1);
}

TEST_CASE("VideoDecoder chooses its threading from the first access unit and decodes alike",
          "[unit][decoder-threading][decode]") {
  test::TempDir dir;
  SECTION("720p30, one slice and four slices, B-frames: one thread") {
    for (const std::string params : {"", "slices=4"}) {
      INFO("x264-params " << params);
      const auto units = encode(dir, "1280x720", 30, 2, params);
      const Decoded chosen = decode_all(units, DecoderThreadingRequest::chosen({1, 4}));
      REQUIRE(chosen.threading);
      CHECK(chosen.threading->threads == 1);
      // The old fixed setup decodes the very same pictures.
      const Decoded sliced = decode_all(units, DecoderThreadingRequest::exactly(2));
      REQUIRE(sliced.threading);
      CHECK(sliced.threading->type == FF_THREAD_SLICE);
      CHECK(chosen.md5.size() == kFrames);
      CHECK(chosen.md5 == sliced.md5);
    }
  }
  SECTION("1080p60, four slices: slice threads, no picture held back") {
    const auto units = encode(dir, "1920x1080", 60, 0, "slices=4");
    const Decoded d = decode_all(units, DecoderThreadingRequest::chosen({0, 2}));
    REQUIRE(d.threading);
    CHECK(d.threading->threads == 2);
    CHECK(d.threading->type == FF_THREAD_SLICE);
    CHECK(d.first_picture_after == 1);
    CHECK(d.md5 == decode_all(units, DecoderThreadingRequest::exactly(1)).md5);
  }
  SECTION("1080p60, one slice: frame threads hold a picture back, only when allowed") {
    const auto units = encode(dir, "1920x1080", 60, 0);
    const Decoded low_latency = decode_all(units, DecoderThreadingRequest::chosen({0, 2}));
    REQUIRE(low_latency.threading);
    CHECK(low_latency.threading->threads == 1);
    CHECK(low_latency.first_picture_after == 1);
    const Decoded framed = decode_all(units, DecoderThreadingRequest::chosen({1, 2}));
    REQUIRE(framed.threading);
    CHECK(framed.threading->threads == 2);
    CHECK(framed.threading->type == FF_THREAD_FRAME);
    CHECK(framed.first_picture_after == 2);
    CHECK(framed.md5 == low_latency.md5);
  }
}
