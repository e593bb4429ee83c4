// flowcast-client plays a file's sound beside its video: over RTSP (TCP
// interleaved and UDP), with AAC (44.1 kHz stereo) and Opus, it decodes the
// whole track on a clean loopback, conceals nothing, and keeps the video
// bit-exact; with --no-audio the metrics have no audio block.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "integration/audio_track.hpp"
#include "integration/rtsp_server_fixture.hpp"
#include "support/binaries.hpp"
#include "support/client_run.hpp"
#include "support/process.hpp"
#include "support/sanitized.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// 4 s of H.264 (320x240, 30 fps) and a stereo 440 Hz tone: AAC at 44.1 kHz
// in MP4, or Opus (48 kHz) in Matroska.
void make_clip(const std::string& path, bool opus) {
  REQUIRE(run_shell(std::string("ffmpeg -nostdin -v error -y -f lavfi -i "
                                "testsrc2=size=320x240:rate=30 -f lavfi -i sine=frequency=440:"
                                "sample_rate=") +
                    (opus ? "48000" : "44100") +
                    " -t 4 -c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p -c:a " +
                    (opus ? "libopus" : "aac") + " -ac 2 '" + path + "'") == 0);
}

}  // namespace

// Four real-time runs ([long]: the sanitized pass plays sound over RTSP in
// test_audio_setup.cpp and test_gst_audio.cpp).
TEST_CASE("flowcast-client decodes a file's whole sound track over RTSP, and its video bit-exact",
          "[integration][rtsp][audio][long]") {
  const std::string lower = GENERATE("tcp", "udp");
  const bool opus = GENERATE(false, true);
  INFO("--transport " << lower << (opus ? ", Opus" : ", AAC"));
  TempDir dir;
  const std::string clip = dir.file(opus ? "clip.mkv" : "clip.mp4");
  make_clip(clip, opus);
  RtspServer server(dir, clip);
  const ClientRun run =
      run_client(dir, {server.url(), "--transport", lower}, {.framemd5 = true}, server);
  const json& m = run.metrics;
  INFO(m.dump(1));
  CHECK(run.pictures == reference(dir, clip));
  REQUIRE(m["audio"].is_object());
  const json& a = m["audio"];
  CHECK(a["sample_rate"] == (opus ? 48000 : 44100));
  CHECK(a["channels"] == 2);
  CHECK(a["packets"]["lost"] == 0);
  CHECK(a["frames_rejected"] == 0);
  CHECK(a["concealedSamples"] == 0);
  // The whole track: within one packet (an AAC frame is 1024 samples, an
  // Opus packet 960) of its length, plus the encoder's priming that a
  // container's duration leaves out.
  const double expected = track_samples(clip, dir);
  const double got = a["totalSamplesReceived"].get<double>();
  CHECK(std::abs(got - expected) <= 2 * 1024);
  CHECK(a["totalSamplesDuration"].get<double>() == Approx(got / (opus ? 48000 : 44100)));
  // Lip sync on a clean loopback: the offset of the pictures shown, once
  // placed by both sender reports, within ±20 ms for 95% of them (a
  // sanitized build on a busy machine shows its pictures later).
  REQUIRE(m["av_sync"].is_object());
  CHECK(m["av_sync"]["pictures"].get<int>() >= 30);
  CHECK(m["av_sync"]["p95_ms"].get<double>() <= (kSanitized ? 40.0 : 20.0));
  CHECK(m["av_sync"]["outside_window_share"].get<double>() == 0.0);
  server.finish(dir);
}

TEST_CASE("flowcast-client --no-audio plays the video of a file with sound and no audio block",
          "[integration][rtsp][audio]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  make_clip(clip, false);
  RtspServer server(dir, clip);
  const ClientRun run = run_client(dir, {server.url(), "--transport", "tcp", "--no-audio"});
  const json& m = run.metrics;
  CHECK(m["audio"].is_null());
  CHECK(m["packets"]["lost"] == 0);
  server.finish(dir);
}

TEST_CASE("Over RTSP's TCP a busy consumer stalls the sound with the video, and loses nothing",
          "[integration][rtsp][audio]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mkv");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -f "
                    "lavfi -i sine=frequency=440:sample_rate=48000 -t 6 -c:v libx264 -preset "
                    "veryfast -g 60 -pix_fmt yuv420p -c:a libopus -ac 2 '" +
                    clip + "'") == 0);
  RtspServer server(dir, clip);
  // One connection carries both: while it is not read (block), neither
  // stream gets a packet, so both buffers run dry and both stall.
  const ClientRun run = run_client(dir,
                                   {server.url(), "--transport", "tcp", "--buffer", "500ms",
                                    "--buffer-max", "1s", "--consumer-pause", "2s+2s"},
                                   {.timeout = 40s});
  const json& m = run.metrics;
  INFO(m.dump(1));
  CHECK(m["stalls"]["count"].get<int>() >= 1);
  REQUIRE(m["audio"].is_object());
  CHECK(m["audio"]["stalls"].get<int>() >= 1);
  CHECK(m["audio"]["stall_ms"].get<double>() > 0);
  CHECK(m["audio"]["packets"]["lost"] == 0);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["audio"]["concealedSamples"] == 0);
  server.finish(dir);
}

TEST_CASE("Over RTSP's UDP a lossy link conceals lost sound and does not stall it",
          "[integration][rtsp][audio]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mkv");
  make_clip(clip, true);
  // The emulated link drops 5% of the session's packets, both streams'.
  RtspServer server(dir, clip, {"--link-loss", "5%", "--link-seed", "7"});
  const ClientRun run = run_client(dir, {server.url(), "--transport", "udp"});
  const json& m = run.metrics;
  INFO(m.dump(1));
  REQUIRE(m["audio"].is_object());
  const json& a = m["audio"];
  CHECK(a["packets"]["lost"].get<int>() > 0);
  // Opus through libopus: its own concealment, not silence.
  CHECK(a["decoder"] == "libopus");
  CHECK(a["concealedSamples"].get<int>() > 0);
  CHECK(a["concealmentEvents"].get<int>() > 0);
  CHECK(a["concealedSamples"].get<int>() > a["silentConcealedSamples"].get<int>());
  CHECK(a["stalls"] == 0);
  server.finish(dir);
}
