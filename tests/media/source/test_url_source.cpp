// media::UrlSource on what libavformat opens by URL: here file:// (the same
// reader as rtsp://, srt:// or HLS), so the test needs no network peer.
#include <catch2/catch.hpp>
#include <string>

#include "media/payload/h264_packetizer.hpp"
#include "media/source/url_source.hpp"
#include "support/process.hpp"

using namespace flowcast::media;
using namespace flowcast::test;

TEST_CASE("is_url tells a URL INPUT from a file name", "[unit]") {
  CHECK(is_url("rtsp://192.168.1.20:554/stream1"));
  CHECK(is_url("srt://127.0.0.1:9000?mode=caller"));
  CHECK(is_url("https://example.com/live/index.m3u8"));
  CHECK(is_url("udp://@239.0.0.1:1234"));
  CHECK_FALSE(is_url("movie.mp4"));
  CHECK_FALSE(is_url("/tmp/a://b.mp4"));
  CHECK_FALSE(is_url("://x"));
}

TEST_CASE("UrlSource relays H.264 with parameter sets before every IDR, from time 0",
          "[integration]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 0));
  UrlSource source("file://" + clip);
  CHECK(source.info().codec_name == "h264");
  int frames = 0, idrs = 0;
  bool first = true;
  while (auto frame = source.next()) {
    if (first) {
      CHECK(frame->pts_90k == 0);
      CHECK(frame->keyframe);
      first = false;
    }
    bool idr = false, sps = false, pps = false;
    for (auto nal : split_annexb(frame->annexb)) {
      REQUIRE_FALSE(nal.empty());
      idr |= (nal[0] & 0x1f) == 5;
      sps |= (nal[0] & 0x1f) == 7;
      pps |= (nal[0] & 0x1f) == 8;
    }
    if (idr) {
      ++idrs;
      CHECK(sps);
      CHECK(pps);
    }
    CHECK(frame->duration_90k == 3000);
    ++frames;
  }
  CHECK(frames == 60);
  CHECK(idrs >= 1);
}

TEST_CASE("UrlSource refuses video it cannot pass through, and says so", "[integration]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mkv");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x120:rate=10 -t 1 "
                    "-c:v mpeg4 '" +
                    clip + "'") == 0);
  try {
    UrlSource source("file://" + clip);
    FAIL("an MPEG-4 Part 2 stream was accepted");
  } catch (const SourceError& e) {
    CHECK(std::string(e.what()).find("only H.264") != std::string::npos);
  }
}
