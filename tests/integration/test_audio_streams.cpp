// A file's video and its audio track as two RTP streams of one session:
// ffmpeg plays both over RTSP (interleaved and UDP, one SETUP per track) and
// decodes the audio without an error while the video stays bit-exact;
// flowcast-client plays both on every transport (RTSP from DESCRIBE,
// flowcast's TCP and UDP from the session's in-band description), the video
// bit-exact, and counts no loss; --no-audio describes the video only; --push sends the
// audio to PORT + 2, as its SDP says, and ffmpeg plays both from it.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "integration/audio_track.hpp"
#include "integration/rtsp_server_fixture.hpp"
#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"
#include "support/sanitized.hpp"
#include "support/udp_peer.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// A framemd5 file's hashes by stream index.
std::map<int, std::vector<std::string>> hashes_by_stream(const std::string& path) {
  std::map<int, std::vector<std::string>> out;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto comma = line.rfind(',');
    if (comma == std::string::npos) continue;
    out[std::stoi(line.substr(0, line.find(',')))].push_back(line.substr(comma + 2));
  }
  return out;
}

}  // namespace

TEST_CASE("ffmpeg plays a file's video and AAC sound from flowcast-server's RTSP",
          "[peer][rtsp][rtsp-server][audio]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("-rtsp_transport " << lower);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  make_clip_with_sound(clip);
  RtspServer server(dir, clip);
  Process ffmpeg(
      {"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", lower, "-i", server.url(), "-map",
       "0", "-fps_mode", "passthrough", "-f", "framemd5", dir.file("got.framemd5")},
      dir.file("ffmpeg.log"));
  const auto code = ffmpeg.wait_for(30s);
  INFO(ffmpeg.log());
  INFO(server.log());
  REQUIRE(code == 0);
  // Decoded without an error: -v error prints nothing.
  CHECK(ffmpeg.log().find("rror") == std::string::npos);
  const auto got = hashes_by_stream(dir.file("got.framemd5"));
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
    REQUIRE(run_shell("ffprobe -v error -rtsp_transport tcp -show_entries "
                      "stream=codec_type,codec_name,sample_rate -of csv=p=0 '" +
                      server.url() + "' > '" + dir.file("probe.txt") + "'") == 0);
    const std::string probe = read_file(dir.file("probe.txt"));
    INFO(probe);
    CHECK(probe.find("h264,video") != std::string::npos);
    CHECK(probe.find("opus,audio,48000") != std::string::npos);
    server.finish(dir);
  }
  // A folder of its own: the first server's log already says "RTSP at".
  TempDir quiet;
  RtspServer server(quiet, clip, {"--no-audio"});
  REQUIRE(run_shell("ffprobe -v error -rtsp_transport tcp -show_entries stream=codec_type -of "
                    "csv=p=0 '" +
                    server.url() + "' > '" + quiet.file("probe.txt") + "'") == 0);
  const std::string probe = read_file(quiet.file("probe.txt"));
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
  const std::string port = std::to_string(free_port());
  const std::string rtsp_port = std::to_string(free_port());
  Process server({kServer, clip, "--port", port, "--rtsp-port", rtsp_port, "--duration", "60s"},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "RTSP at", 10s));
  const bool rtsp = transport.rfind("rtsp-", 0) == 0;
  const std::string lower = rtsp ? transport.substr(5) : transport;
  const std::string url = rtsp ? "rtsp://127.0.0.1:" + rtsp_port + "/stream" : "127.0.0.1:" + port;
  Process client({kClient, url, "--transport", lower, "--headless", "--framemd5",
                  dir.file("got.framemd5"), "--metrics", dir.file("m.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(30s);
  INFO(client.log());
  INFO(server.log());
  REQUIRE(code == 0);
  const json m = read_client_metrics(dir.file("m.json"));
  INFO(m.dump(1));
  CHECK(framemd5_hashes(dir.file("got.framemd5")) == reference(dir, clip));
  CHECK(m["packets"]["lost"] == 0);
  // The sound plays too, on its own path. Over flowcast's TCP and UDP its
  // first packets may come before that path exists (test_inband_audio.cpp
  // says why 8 bounds them); RTSP sets it up before PLAY.
  REQUIRE(m["audio"].is_object());
  CHECK(m["audio"]["packets"]["received"].get<int>() >= 40);
  CHECK(m["audio"]["packets"]["lost"] == 0);
  CHECK(m["packets"]["foreign_payload_type"].get<int>() <= (rtsp ? 0 : 8));
  server.signal(SIGTERM);
  CHECK(server.wait_for(10s) == 0);
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
  Process first({kServer, clip, "--port", std::to_string(free_port()), "--push", push, "--sdp", sdp,
                 "--duration", "100ms"},
                dir.file("first.log"));
  REQUIRE(first.wait_for(10s) == 0);
  const std::string text = read_file(sdp);
  INFO(text);
  CHECK(text.find("m=video " + std::to_string(port) + " RTP/AVP 96\r\n") != std::string::npos);
  CHECK(text.find("m=audio " + std::to_string(port + 2) + " RTP/AVP 97\r\n") != std::string::npos);
  CHECK(text.find("a=rtpmap:97 mpeg4-generic/44100/2\r\n") != std::string::npos);
  Process receiver(
      {"ffmpeg", "-nostdin", "-v", "error", "-protocol_whitelist", "file,udp,rtp", "-i", sdp,
       "-map", "0", "-fps_mode", "passthrough", "-f", "framemd5", "-y", dir.file("got.framemd5")},
      dir.file("ffmpeg.log"));
  REQUIRE(listening_for_rtp(port));
  REQUIRE(listening_for_rtp(static_cast<uint16_t>(port + 2)));
  Process server(
      {kServer, clip, "--port", std::to_string(free_port()), "--push", push, "--duration", "60s"},
      dir.file("server.log"));
  // A BYE on each stream's RTCP port ends ffmpeg's input.
  const auto code = receiver.wait_for(30s);
  INFO(receiver.log());
  INFO(server.log());
  REQUIRE(code == 0);
  CHECK(receiver.log().find("rror") == std::string::npos);
  const auto got = hashes_by_stream(dir.file("got.framemd5"));
  REQUIRE(got.count(0) == 1);
  REQUIRE(got.count(1) == 1);
  CHECK(got.at(0) == reference(dir, clip));
  CHECK(got.at(1).size() >= 40);
  server.signal(SIGTERM);
  CHECK(server.wait_for(10s) == 0);
}
