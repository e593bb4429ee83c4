// A file's video and its audio track as two RTP streams of one session:
// ffmpeg plays both over RTSP (interleaved and UDP, one SETUP per track) and
// decodes the audio without an error while the video stays bit-exact;
// flowcast-client plays both on every transport (RTSP from DESCRIBE,
// flowcast's TCP and UDP from the session's in-band description), the video
// bit-exact, and counts no loss; --no-audio describes the video only; --push sends the
// audio to PORT + 2, as its SDP says, and ffmpeg plays both from it.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "integration/audio_track.hpp"
#include "integration/ffmpeg_peer.hpp"
#include "integration/rtsp_server_fixture.hpp"
#include "support/binaries.hpp"
#include "support/client_run.hpp"
#include "support/process.hpp"
#include "support/sanitized.hpp"
#include "support/udp_peer.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("ffmpeg plays a file's video and AAC sound from flowcast-server's RTSP",
          "[peer][rtsp][rtsp-server][audio]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("-rtsp_transport " << lower);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  make_clip_with_sound(clip);
  RtspServer server(dir, clip);
  FfmpegDecoder ffmpeg(dir, rtsp_input(server.url(), lower), true);
  require_exit(ffmpeg, 0, 30s, server);
  // Decoded without an error: -v error prints nothing.
  CHECK(ffmpeg.log().find("rror") == std::string::npos);
  const auto got = ffmpeg.hashes_by_stream();
  REQUIRE(got.count(0) == 1);
  REQUIRE(got.count(1) == 1);
  CHECK(got.at(0) == reference(dir, clip));
  // 2 s of 1024-sample frames at 44.1 kHz: about 86 (ffmpeg may resample
  // them into other frame sizes, never fewer than a second's worth).
  CHECK(got.at(1).size() >= 40);
  const json metrics = server.finish(dir);
  INFO(metrics.dump(1));
  REQUIRE(metrics["sessions"].size() == 1);
  CHECK(metrics["sessions"][0]["transport"] == lower);
  CHECK(metrics["rtsp"]["error_responses"] == 0);
}

TEST_CASE("ffprobe sees flowcast-server's DESCRIBE of a file with Opus sound, and --no-audio",
          "[peer][rtsp][rtsp-server][audio]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mkv");
  make_clip_with_sound(clip, "opus");
  {
    RtspServer server(dir, clip);
    const std::string probe = probe_streams(dir, server.url(), "codec_type,codec_name,sample_rate");
    INFO(probe);
    CHECK(probe.find("h264,video") != std::string::npos);
    CHECK(probe.find("opus,audio,48000") != std::string::npos);
    server.finish(dir);
  }
  // A folder of its own: the first server's log already says "RTSP at".
  TempDir quiet;
  RtspServer server(quiet, clip, {"--no-audio"});
  const std::string probe = probe_streams(quiet, server.url(), "codec_type");
  INFO(probe);
  CHECK(probe.find("video") != std::string::npos);
  CHECK(probe.find("audio") == std::string::npos);
  server.finish(quiet);
}

TEST_CASE("flowcast-client plays the video of a file with sound bit-exact, and counts no loss",
          "[integration][audio]") {
  // The sanitized pass takes one plain and one RTSP transport, to keep its
  // time; the release pass takes all four.
  const std::string transport = kSanitized
                                    ? std::string(GENERATE("tcp", "rtsp-udp"))
                                    : std::string(GENERATE("tcp", "udp", "rtsp-tcp", "rtsp-udp"));
  INFO("--transport " << transport);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  make_clip_with_sound(clip);
  FileServer server(dir, clip);
  REQUIRE(server.ready());
  const bool rtsp = is_rtsp(transport);
  const ClientRun run =
      run_client(dir, {server.url(transport), "--transport", lower_transport(transport)},
                 {.framemd5 = true}, server);
  const json& m = run.metrics;
  INFO(m.dump(1));
  CHECK(run.pictures == reference(dir, clip));
  CHECK(m["packets"]["lost"] == 0);
  // The sound plays too, on its own path. Over flowcast's TCP and UDP its
  // first packets may come before that path exists (test_inband_audio.cpp
  // says why 8 bounds them); RTSP sets it up before PLAY.
  REQUIRE(m["audio"].is_object());
  CHECK(m["audio"]["packets"]["received"].get<int>() >= 40);
  CHECK(m["audio"]["packets"]["lost"] == 0);
  CHECK(m["packets"]["foreign_payload_type"].get<int>() <= (rtsp ? 0 : 8));
  CHECK(server.stop() == 0);
}

TEST_CASE("flowcast-server --push sends a file's sound to PORT + 2, and ffmpeg plays both",
          "[peer][audio]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  make_clip_with_sound(clip);
  const uint16_t port = free_rtp_port();
  const std::string push = "127.0.0.1:" + std::to_string(port);
  const std::string sdp = dir.file("push.sdp");
  // The SDP first (a run that stops at once), then ffmpeg, then the server.
  const std::string text = push_sdp(dir, clip, push, sdp);
  INFO(text);
  CHECK(text.find("m=video " + std::to_string(port) + " RTP/AVP 96\r\n") != std::string::npos);
  CHECK(text.find("m=audio " + std::to_string(port + 2) + " RTP/AVP 97\r\n") != std::string::npos);
  CHECK(text.find("a=rtpmap:97 mpeg4-generic/44100/2\r\n") != std::string::npos);
  FfmpegDecoder receiver(dir, sdp_input(sdp), true);
  REQUIRE(listening_for_rtp(port));
  REQUIRE(listening_for_rtp(static_cast<uint16_t>(port + 2)));
  Process server(
      {kServer, clip, "--port", std::to_string(free_port()), "--push", push, "--duration", "60s"},
      dir.file("server.log"));
  // A BYE on each stream's RTCP port ends ffmpeg's input.
  require_exit(receiver, 0, 30s, server);
  CHECK(receiver.log().find("rror") == std::string::npos);
  const auto got = receiver.hashes_by_stream();
  REQUIRE(got.count(0) == 1);
  REQUIRE(got.count(1) == 1);
  CHECK(got.at(0) == reference(dir, clip));
  CHECK(got.at(1).size() >= 40);
  server.signal(SIGTERM);
  CHECK(server.wait_for(10s) == 0);
}
