// A file's sound that no audio payload format carries as it is (MP3 here)
// goes as Opus: flowcast-client decodes the whole track on every transport
// (RTSP over TCP and UDP, flowcast's own TCP and UDP), keeps the video
// bit-exact and the sound in sync with it; the server says once that it
// transcodes, DESCRIBE says opus/48000/2, and --no-audio leaves it out.
// G.711 goes as it is on its static payload type: ffmpeg plays both streams
// from flowcast-server's RTSP, and so does flowcast-client.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "integration/audio_track.hpp"
#include "integration/ffmpeg_peer.hpp"
#include "integration/rtsp_server_fixture.hpp"
#include "support/binaries.hpp"
#include "support/client_run.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// `seconds` of H.264 (320x240, 30 fps, B-frames) and a 440 Hz tone made
// with `audio` at `rate` Hz.
void make_clip(const std::string& path, const std::string& audio, int rate, int seconds = 2) {
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 "
                    "-f lavfi -i sine=frequency=440:sample_rate=" +
                    std::to_string(rate) + " -t " + std::to_string(seconds) +
                    " -c:v libx264 -preset veryfast -bf 2 -g 60 -pix_fmt yuv420p " + audio + " '" +
                    path + "'") == 0);
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

// Four real-time runs ([long]: the sanitized pass reads transcoded sound in
// the FileSource unit tests and sends it in the DESCRIBE and G.711 cases).
TEST_CASE("flowcast-client plays a file's MP3 sound, sent as Opus, whole and in sync",
          "[integration][audio][long]") {
  const std::string transport = GENERATE("tcp", "udp", "rtsp-tcp", "rtsp-udp");
  INFO("--transport " << transport);
  TempDir dir;
  const std::string clip = dir.file("clip.mkv");
  // 4 s: the sync of the pictures shown before the first correction
  // (AvSync::kFirstWindow) stays under 5 % of them.
  make_clip(clip, "-c:a libmp3lame -ac 2", 44100, 4);
  FileServer server(dir, clip);
  REQUIRE(server.ready());
  const bool rtsp = is_rtsp(transport);
  const ClientRun run =
      run_client(dir, {server.url(transport), "--transport", lower_transport(transport)},
                 {.framemd5 = true}, server);
  INFO(server.log());
  // Said once, when the file opens, not per session.
  CHECK(count_of(server.log(), "clip.mkv's audio (mp3) is sent as Opus") == 1);
  const json& m = run.metrics;
  INFO(m.dump(1));
  CHECK(run.pictures == reference(dir, clip));
  CHECK(m["packets"]["lost"] == 0);
  REQUIRE(m["audio"].is_object());
  const json& a = m["audio"];
  CHECK(a["sample_rate"] == 48000);
  CHECK(a["channels"] == 2);
  CHECK(a["decoder"] == "libopus");
  CHECK(a["packets"]["lost"] == 0);
  CHECK(a["frames_rejected"] == 0);
  CHECK(a["concealedSamples"] == 0);
  // The whole track from the video's start, at 48 kHz: the Opus packets
  // (960 samples) that cover it and the encoder's lookahead (312 samples,
  // which RTP does not signal: RFC 7587 has no pre-skip), so within one
  // packet above both. Over flowcast's own TCP and UDP the packets that come
  // before the audio path exists are another payload type
  // (test_inband_audio.cpp says why 8 bound them).
  const auto foreign = m["packets"]["foreign_payload_type"].get<int64_t>();
  CHECK(foreign <= (rtsp ? 0 : 8));
  const double expected = samples_from_video_start(clip, dir, 44100, 48000) + 312;
  const double got = a["totalSamplesReceived"].get<double>() + static_cast<double>(foreign) * 960;
  CHECK(got >= expected - 1);
  CHECK(got < expected + 960);
  // Lip sync on a clean loopback, as for a file's own Opus.
  REQUIRE(m["av_sync"].is_object());
  CHECK(m["av_sync"]["pictures"].get<int>() >= 60);
  CHECK(m["av_sync"]["p95_ms"].get<double>() <= 20.0);
  CHECK(server.stop() == 0);
}

TEST_CASE("flowcast-server's DESCRIBE of a file with MP3 sound says Opus, and --no-audio nothing",
          "[peer][rtsp][rtsp-server][audio]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mkv");
  make_clip(clip, "-c:a libmp3lame -ac 1", 44100);
  {
    RtspServer server(dir, clip);
    const std::string probe = probe_streams(dir, server.url(), "codec_type,codec_name,sample_rate");
    INFO(probe);
    CHECK(probe.find("h264,video") != std::string::npos);
    CHECK(probe.find("opus,audio,48000") != std::string::npos);
    server.finish(dir);
  }
  TempDir quiet;
  RtspServer server(quiet, clip, {"--no-audio"});
  const std::string probe = probe_streams(quiet, server.url(), "codec_type");
  INFO(probe);
  CHECK(probe.find("video") != std::string::npos);
  CHECK(probe.find("audio") == std::string::npos);
  // Nothing is transcoded, so nothing is said.
  CHECK(server.log().find("is sent as Opus") == std::string::npos);
  server.finish(quiet);
}

TEST_CASE("ffmpeg and flowcast-client play a file's G.711 sound as it is from flowcast's RTSP",
          "[peer][rtsp][rtsp-server][audio]") {
  struct Case {
    std::string codec, file, transport, rtpmap;
  };
  const Case c = GENERATE(Case{"pcm_mulaw", "clip.mov", "tcp", "0 PCMU/8000"},
                          Case{"pcm_alaw", "clip.mkv", "udp", "8 PCMA/8000"});
  INFO(c.codec << " over " << c.transport);
  TempDir dir;
  const std::string clip = dir.file(c.file);
  make_clip(clip, "-c:a " + c.codec + " -ar 8000 -ac 1", 8000);
  RtspServer server(dir, clip);
  // RFC 3551's static payload type, with its a=rtpmap all the same.
  RawConnection describe(server.port());
  describe.send(request("DESCRIBE", server.url(), 1));
  const std::string answer = describe.read_until(c.rtpmap + "\r\n", 5s);
  INFO(answer);
  const std::string pt = c.rtpmap.substr(0, 1);
  CHECK(answer.find("m=audio 0 RTP/AVP " + pt + "\r\na=rtpmap:" + c.rtpmap + "\r\n") !=
        std::string::npos);

  FfmpegDecoder ffmpeg(dir, rtsp_input(server.url(), c.transport), true);
  require_exit(ffmpeg, 0, 30s, server);
  // Decoded without an error: -v error prints nothing.
  CHECK(ffmpeg.log().find("rror") == std::string::npos);
  CHECK(ffmpeg.hashes().size() >= 60);
  // 2 s of sound: 100 packets of 20 ms (ffmpeg may join them; never fewer
  // than a second's worth of frames).
  CHECK(ffmpeg.hashes_by_stream()[1].size() >= 10);

  const ClientRun run =
      run_client(dir, {server.url(), "--transport", c.transport}, {.framemd5 = true}, server);
  const json& m = run.metrics;
  INFO(m.dump(1));
  CHECK(run.pictures == reference(dir, clip));
  REQUIRE(m["audio"].is_object());
  const json& a = m["audio"];
  CHECK(a["sample_rate"] == 8000);
  CHECK(a["channels"] == 1);
  CHECK(a["decoder"] == c.codec);
  CHECK(a["packets"]["lost"] == 0);
  CHECK(a["frames_rejected"] == 0);
  CHECK(a["concealedSamples"] == 0);
  // The whole track from the video's start, within one packet (160).
  const double expected = samples_from_video_start(clip, dir, 8000, 8000);
  CHECK(std::abs(a["totalSamplesReceived"].get<double>() - expected) <= 160);
  const json metrics = server.finish(dir);
  INFO(metrics.dump(1));
  CHECK(metrics["rtsp"]["error_responses"] == 0);
}
