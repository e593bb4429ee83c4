// media::UrlSource on what libavformat opens by URL: here file:// (the same
// reader as rtsp://, srt:// or HLS), so the test needs no network peer.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "media/payload/annexb.hpp"
#include "media/payload/h264_packetizer.hpp"
#include "media/payload/payload_format.hpp"
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
    int sets = 0;
    for (auto nal : split_annexb(frame->annexb)) {
      REQUIRE_FALSE(nal.empty());
      idr |= (nal[0] & 0x1f) == 5;
      sps |= (nal[0] & 0x1f) == 7;
      pps |= (nal[0] & 0x1f) == 8;
      sets += (nal[0] & 0x1f) == 7 || (nal[0] & 0x1f) == 8;
    }
    if (idr) {
      ++idrs;
      CHECK(sps);
      CHECK(pps);
      CHECK(sets == 2);  // once each, not again
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
    CHECK(std::string(e.what()).find("carries mpeg4") != std::string::npos);
  }
}

namespace {

// Every frame of the source, by stream.
struct Read {
  std::vector<EncodedFrame> video, audio;
};
Read read_all(UrlSource& source) {
  Read r;
  while (auto frame = source.next()) (frame->stream == 0 ? r.video : r.audio).push_back(*frame);
  return r;
}

// Whether every keyframe holds the format's parameter sets (H.264: SPS and
// PPS; H.265: VPS, SPS and PPS), as the SDP's describe() needs them.
bool parameter_sets_at_keyframes(const std::vector<EncodedFrame>& video,
                                 const PayloadFormat& format) {
  size_t keyframes = 0;
  for (const auto& f : video) {
    if (!f.keyframe) continue;
    ++keyframes;
    if (!format.describe(split_annexb(f.annexb))) return false;
  }
  return keyframes > 0;
}

int64_t audio_span_90k(const std::vector<EncodedFrame>& audio) {
  return audio.empty() ? 0
                       : audio.back().pts_90k + audio.back().duration_90k - audio.front().pts_90k;
}

}  // namespace

TEST_CASE("UrlSource relays H.265 with VPS, SPS and PPS before every keyframe", "[integration]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mkv");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 2 "
                    "-c:v libx265 -x265-params log-level=error -bf 0 -g 15 -pix_fmt yuv420p '" +
                    clip + "'") == 0);
  UrlSource source("file://" + clip);
  CHECK(source.info().codec_name == "hevc");
  CHECK(source.info().codec_id == AV_CODEC_ID_HEVC);
  const Read r = read_all(source);
  CHECK(r.video.size() == 60);
  CHECK(r.audio.empty());
  REQUIRE_FALSE(r.video.empty());
  CHECK(r.video.front().pts_90k == 0);
  CHECK(r.video.front().keyframe);
  // A keyframe every 15 pictures.
  CHECK(std::count_if(r.video.begin(), r.video.end(), [](auto& f) { return f.keyframe; }) == 4);
  CHECK(parameter_sets_at_keyframes(r.video, h265_payload_format()));
}

TEST_CASE("UrlSource puts the stream description's parameter sets before keyframes without them",
          "[integration]") {
  // An Annex B stream with SPS and PPS before its first IDR only, as a
  // camera sends them when its SDP's sprop-parameter-sets carry them.
  TempDir dir;
  const std::string full = dir.file("full.h264");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 2 "
                    "-c:v libx264 -bf 0 -g 15 -pix_fmt yuv420p '" +
                    full + "'") == 0);
  const std::string text = read_file(full);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  std::vector<uint8_t> once;
  int sets = 0;
  for (auto nal : split_annexb(bytes)) {
    const bool set = h264_payload_format().is_parameter_set(nal);
    if (set && ++sets > 2) continue;
    once.insert(once.end(), {0, 0, 0, 1});
    once.insert(once.end(), nal.begin(), nal.end());
  }
  const std::string raw = dir.file("once.h264");
  {
    std::ofstream out(raw, std::ios::binary);
    out.write(reinterpret_cast<const char*>(once.data()),
              static_cast<std::streamsize>(once.size()));
  }
  REQUIRE(sets == 8);  // 4 IDRs: the stream had them at each
  // NUT keeps Annex B as it is, with timestamps, and the first sets as the
  // stream's extradata (as an RTSP source's SDP has them).
  const std::string clip = dir.file("once.nut");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -r 30 -i '" + raw + "' -c copy '" + clip + "'") ==
          0);
  UrlSource source("file://" + clip);
  const Read r = read_all(source);
  CHECK(r.video.size() == 60);
  CHECK(std::count_if(r.video.begin(), r.video.end(), [](auto& f) { return f.keyframe; }) == 4);
  CHECK(parameter_sets_at_keyframes(r.video, h264_payload_format()));
}

TEST_CASE("UrlSource relays the first audio track beside the video when asked", "[integration]") {
  struct Case {
    std::string container, codec, name;
    bool aac;
  };
  // MPEG-TS carries AAC in ADTS, without an AudioSpecificConfig (read from
  // the first frame: 48 kHz stereo LC is 0x11 0x90); Matroska with one.
  const Case c =
      GENERATE(Case{"ts", "aac", "aac", true}, Case{"mkv", "aac", "aac", true},
               Case{"ts", "libopus", "opus", false}, Case{"mkv", "libopus", "opus", false});
  INFO(c.codec << " in " << c.container);
  TempDir dir;
  const std::string clip = dir.file("clip." + c.container);
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -f "
                    "lavfi -i sine=frequency=440:sample_rate=48000 -t 2 -c:v libx264 -bf 0 -g 15 "
                    "-pix_fmt yuv420p -c:a " +
                    c.codec + " -ac 2 '" + clip + "'") == 0);
  UrlSource source("file://" + clip, true);
  REQUIRE(source.info().audio);
  CHECK(source.info().ignored_audio.empty());
  const AudioTrackInfo& a = *source.info().audio;
  CHECK(a.codec_name == c.name);
  CHECK(a.sample_rate == 48000);
  CHECK(a.channels == 2);
  if (c.aac) {
    // Matroska's may go on with an SBR sync extension; ADTS gives the two bytes.
    REQUIRE(a.config.size() >= 2);
    CHECK(std::vector<uint8_t>(a.config.begin(), a.config.begin() + 2) ==
          std::vector<uint8_t>{0x11, 0x90});
    CHECK((c.container == "mkv" || a.config.size() == 2));
    CHECK(aac_payload_format().describe({a.config}));
  }
  const Read r = read_all(source);
  CHECK(r.video.size() == 60);
  CHECK(parameter_sets_at_keyframes(r.video, h264_payload_format()));
  REQUIRE_FALSE(r.audio.empty());
  for (const auto& f : r.audio) {
    REQUIRE(f.annexb.size() >= 2);
    // Bare frames: no ADTS header (its sync word is 12 bits of 1).
    CHECK_FALSE((f.annexb[0] == 0xff && (f.annexb[1] & 0xf0) == 0xf0));
    CHECK(f.pts_90k >= 0);
  }
  // The 2 s of sound on the video's timeline (the encoders' priming and
  // the muxer's start may cost up to a tenth of it).
  CHECK(audio_span_90k(r.audio) >= 180000 - 18000);
  CHECK(audio_span_90k(r.audio) <= 180000 + 9000);
  CHECK(r.audio.front().pts_90k <= 9000);
}

TEST_CASE("UrlSource leaves the audio out when not asked, and names what it cannot relay",
          "[integration]") {
  TempDir dir;
  const std::string clip = dir.file("clip.ts");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -f "
                    "lavfi -i sine=frequency=440:sample_rate=48000 -t 1 -c:v libx264 -bf 0 "
                    "-pix_fmt yuv420p -c:a mp2 '" +
                    clip + "'") == 0);
  {
    UrlSource source("file://" + clip, true);
    CHECK_FALSE(source.info().audio);
    CHECK(source.info().ignored_audio == "mp2");
    const Read r = read_all(source);
    CHECK(r.video.size() == 30);
    CHECK(r.audio.empty());
  }
  UrlSource quiet("file://" + clip);
  CHECK_FALSE(quiet.info().audio);
  CHECK(quiet.info().ignored_audio.empty());
  CHECK(read_all(quiet).audio.empty());
}
