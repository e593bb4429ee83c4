// Sound with GStreamer as the peer, both ways:
//  - GStreamer's rtspsrc plays flowcast-server's RTSP, the video and the AAC
//    (RFC 3640) or Opus (RFC 7587) track, over TCP and UDP: both streams are
//    depayloaded and decoded by GStreamer's own elements, and gst-launch
//    ends on the EOS that flowcast-server's BYE at the file's end brings;
//  - flowcast-client plays GStreamer's RTSP server (live test sources: H.264
//    and an Opus or AAC tone) over rtsp-tcp and rtsp-udp: the audio block
//    names the format, the whole tone is decoded, and lip sync holds;
//  - sound alone is refused in one clear line: flowcast-client against
//    GStreamer's RTSP server serving only audio exits at once with its
//    metrics written (flowcast plays video, with its sound beside it).
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration/audio_track.hpp"
#include "integration/gst_rtsp_peer.hpp"
#include "integration/rtsp_server_fixture.hpp"
#include "support/binaries.hpp"
#include "support/client_run.hpp"
#include "support/process.hpp"
#include "support/sanitized.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr size_t kPictureBytes = 320 * 240 * 3 / 2;  // one I420 picture
constexpr size_t kSampleBytes = 2 * 2;               // one S16LE stereo sample

}  // namespace

TEST_CASE("GStreamer's rtspsrc plays a file's video and AAC or Opus sound from flowcast-server",
          "[peer][rtsp][rtsp-server][audio]") {
  const std::string lower = GENERATE("tcp", "udp");
  // The sanitized pass takes each transport with one codec, to keep its
  // time; the release pass takes all four pairs.
  const std::string codec = kSanitized ? std::string(lower == "tcp" ? "aac" : "opus")
                                       : std::string(GENERATE("aac", "opus"));
  INFO("protocols=" << lower << ", " << codec);
  TempDir dir;
  const std::string clip = dir.file(codec == "aac" ? "clip.mp4" : "clip.mkv");
  make_clip_with_sound(clip, codec);
  RtspServer server(dir, clip);
  const std::string depay = codec == "aac" ? "rtpmp4gdepay ! avdec_aac" : "rtpopusdepay ! opusdec";
  // Each stream decoded to raw bytes in a file of its own; without -q,
  // gst-launch says how it ended.
  const std::string pipeline =
      "rtspsrc location=" + server.url() + " protocols=" + lower +
      " name=s s. ! rtph264depay ! avdec_h264 ! video/x-raw,format=I420 ! filesink location='" +
      dir.file("video.yuv") + "' s. ! " + depay +
      " ! audioconvert ! audio/x-raw,format=S16LE,channels=2 ! filesink location='" +
      dir.file("audio.raw") + "'";
  Process gst({"/bin/sh", "-c", "exec gst-launch-1.0 " + pipeline}, dir.file("gst.log"));
  const auto code = gst.wait_for(30s);
  INFO(gst.log());
  INFO(server.log());
  REQUIRE(code == 0);
  CHECK(gst.log().find("Got EOS from element \"pipeline0\"") != std::string::npos);
  CHECK(gst.log().find("ERROR") == std::string::npos);
  // The pictures are libavcodec's, as ffmpeg decodes the file: all 60 of
  // them, but that over UDP rtspsrc may cut the last one. Its jitter buffer
  // times each packet by its arrival, and a file sent in decode order
  // (B-frames) brings a picture up to two frame intervals after its
  // presentation time, so the last one's lands past the end of the PLAY
  // answer's Range, where rtspsrc clips.
  const std::string video = read_file(dir.file("video.yuv"));
  REQUIRE(run_shell("ffmpeg -nostdin -v error -i '" + clip +
                    "' -map 0:v -f rawvideo -pix_fmt yuv420p '" + dir.file("reference.yuv") +
                    "'") == 0);
  const std::string reference = read_file(dir.file("reference.yuv"));
  REQUIRE(reference.size() == 60 * kPictureBytes);
  CHECK(video.size() % kPictureBytes == 0);
  CHECK(video.size() >= 59 * kPictureBytes);
  CHECK(video == reference.substr(0, video.size()));
  // The sound: the track's length within 3 frames (3 × 1024 samples, 64 ms
  // at 48 kHz). GStreamer's decoders leave out the encoder's priming (AAC's
  // 1024 samples at the start that the file's edit list cuts; Opus's
  // pre-skip), and rtspsrc clips at the Range's end as for the pictures.
  const double samples =
      static_cast<double>(read_file(dir.file("audio.raw")).size()) / kSampleBytes;
  const double expected = track_samples(clip, dir);
  INFO("samples " << samples << ", track " << expected);
  CHECK(std::abs(samples - expected) <= 3 * 1024);
  const json metrics = server.finish(dir);
  INFO(metrics.dump(1));
  REQUIRE(metrics["sessions"].size() == 1);
  CHECK(metrics["sessions"][0]["transport"] == lower);
  CHECK(metrics["rtsp"]["error_responses"] == 0);
}

TEST_CASE("flowcast-client plays GStreamer's RTSP server's video with Opus or AAC sound",
          "[peer][rtsp][audio]") {
  const std::string lower = GENERATE("tcp", "udp");
  // As above: under the sanitizer, TCP with AAC and UDP with Opus.
  const bool opus = kSanitized ? lower == "udp" : GENERATE(true, false);
  INFO("--transport " << lower << (opus ? ", Opus" : ", AAC"));
  TempDir dir;
  const double seconds = 3;
  GstRtspServer gst(dir, GstTestSource{seconds, opus ? "opus" : "aac"});
  const ClientRun run = run_client(dir, {gst.url(), "--transport", lower});
  const json& m = run.metrics;
  INFO(m.dump(1));
  CHECK(m["transport"] == lower);
  CHECK(m["session"]["ended_by"] == "bye");
  CHECK(m["packets"]["lost"] == 0);
  // The live pipeline runs before PLAY, and what it made before is not
  // sent: a picture or so of the 90.
  CHECK(m["frames"]["rendered"].get<int>() >= 85);
  REQUIRE(m["audio"].is_object());
  const json& a = m["audio"];
  const int rate = opus ? 48000 : 44100;
  CHECK(a["codec"] == (opus ? "opus" : "mpeg4-generic"));
  CHECK(a["sample_rate"] == rate);
  CHECK(a["channels"] == 2);
  CHECK(a["packets"]["lost"] == 0);
  CHECK(a["concealedSamples"] == 0);
  // The tone's length within 0.1 s: the packets made before PLAY are not
  // sent (one 20 ms Opus packet seen), and the encoder rounds the end to
  // its frame (1024 samples for AAC). Five packets lost would fail it.
  const double got = a["totalSamplesReceived"].get<double>();
  CHECK(std::abs(got - seconds * rate) <= 0.1 * rate);
  // GStreamer's sender reports map both streams to its one pipeline clock.
  // The client moves the video's clock when the median offset of 5
  // pictures passes 15 ms, so offsets stay near that; 10 ms more for the
  // picture and audio-buffer granularity on a busy machine (seen: p95 at
  // most 16 ms).
  REQUIRE(m["av_sync"].is_object());
  CHECK(m["av_sync"]["pictures"].get<int>() >= 30);
  CHECK(m["av_sync"]["p95_ms"].get<double>() <= 25.0);
  CHECK(m["av_sync"]["outside_window_share"].get<double>() == 0.0);
}

TEST_CASE("flowcast-client refuses GStreamer's RTSP server serving sound alone, in one line",
          "[peer][rtsp][audio]") {
  TempDir dir;
  GstRtspServer gst(dir, GstTestSource{3, "opus", false});
  const ClientRun run = run_client(dir, {gst.url()}, {.timeout = 10s, .exit_code = 1});
  INFO(run.log);
  CHECK(run.took < 5s);
  // The line says what the stream is and why it is not played.
  CHECK(run.log.find("describes only audio (opus/48000/2) and no video stream") !=
        std::string::npos);
  CHECK(run.log.find("flowcast plays video, with its sound beside it") != std::string::npos);
  const json& m = run.metrics;
  CHECK(m["session"]["start_failure"] == "video_start_failure");
  CHECK(m["session"]["ended_by"] == "error");
  CHECK(m["audio"].is_null());
}
