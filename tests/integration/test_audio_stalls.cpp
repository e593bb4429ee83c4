// A stall of the sound is a stall of the session (docs/METRICS.md,
// stalls.events[].cause). A file whose sound has a hole of a second in the
// middle (a microphone that stopped), sent by ffmpeg, whose sender reports
// come seconds apart: the client cannot tell the hole from sound that has
// not arrived, its audio runs dry while the video could go on, and the
// session stalls once, with cause audio_underrun, the video waiting for the
// sound. From flowcast-server, whose reports (every 250 ms) show the hole,
// the same file plays through without a stall.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration/audio_track.hpp"
#include "integration/ffmpeg_peer.hpp"
#include "integration/rtsp_server_fixture.hpp"
#include "support/binaries.hpp"
#include "support/client_run.hpp"
#include "support/process.hpp"
#include "support/udp_peer.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// 6 s of H.264 (320x240, 30 fps) and 44.1 kHz stereo AAC in Matroska, the
// sound missing from 2 s to 3 s: aselect drops those samples and keeps the
// timestamps of the rest, and Matroska keeps the hole as it is.
std::string make_clip_with_hole(const TempDir& dir) {
  const std::string clip = dir.file("hole.mkv");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -f "
                    "lavfi -i sine=frequency=440:sample_rate=44100 -t 6 -af "
                    "\"aselect='not(between(t,2,3))'\" -c:v libx264 -preset veryfast -g 60 "
                    "-pix_fmt yuv420p -c:a aac -ac 2 '" +
                    clip + "'") == 0);
  // The hole is there: two packets of the sound a second apart.
  REQUIRE(run_shell("ffprobe -v error -select_streams a:0 -show_entries packet=pts_time -of "
                    "csv=p=0 '" +
                    clip + "' | awk 'NR > 1 && $1 - last > 0.9 { hole = 1 } { last = $1 } " +
                    "END { exit !hole }'") == 0);
  return clip;
}

}  // namespace

TEST_CASE("a hole in the sound from ffmpeg stalls the session once, for the audio's underrun",
          "[peer][audio]") {
  TempDir dir;
  const std::string clip = make_clip_with_hole(dir);
  const uint16_t port = free_port_quad();
  const std::string sdp = dir.file("ffmpeg.sdp");
  // The SDP from a run while nobody listens, so the client binds first (as
  // test_audio_setup.cpp does).
  rtp_sender_sdp(clip, port, true, sdp);
  Client client(dir, {"--listen", std::to_string(port), "--sdp", sdp}, {.timeout = 20s});
  REQUIRE(listening_for_rtp(port));
  REQUIRE(listening_for_rtp(static_cast<uint16_t>(port + 2)));
  Process sender(rtp_sender(clip, port, true), dir.file("ffmpeg.log"));
  require_exit(sender, 0, 30s);
  // ffmpeg sends no BYE: the client ends 5 s after the media stops.
  const ClientRun run = client.finish();
  const json& m = run.metrics;
  INFO(m.dump(1));
  CHECK(m["packets"]["lost"] == 0);
  REQUIRE(m["audio"].is_object());
  CHECK(m["audio"]["packets"]["lost"] == 0);
  // The sound ran dry in the hole, the video did not: one stall of the
  // session, the audio's, for about the hole (the video waited for the
  // sound). ffmpeg sends no BYE, so both run dry at the end too: the
  // audio's playout may count that wait, the session does not (it is
  // `ended`, the wait for a stream that had ended).
  CHECK(m["audio"]["stalls"].get<int>() >= 1);
  CHECK(m["audio"]["stalls"].get<int>() <= 2);
  REQUIRE(m["stalls"]["count"] == 1);
  const json& stall = m["stalls"]["events"][0];
  CHECK(stall["cause"] == "audio_underrun");
  CHECK(stall["start_ms"].get<double>() > 2000);
  CHECK(stall["duration_ms"].get<double>() > 300);
  CHECK(stall["duration_ms"].get<double>() < 3000);
  // Its time is the session's rebuffering, and in the ratio.
  CHECK(m["session"]["state_ms"]["rebuffering"].get<double>() ==
        Approx(m["stalls"]["total_ms"].get<double>()));
  CHECK(m["stalls"]["total_ms"].get<double>() == Approx(stall["duration_ms"].get<double>()));
  CHECK(m["rebuffering_ratio"].get<double>() > 0.03);
  // The rebuffering state is on the timeline too.
  size_t rebuffering_samples = 0;
  for (const json& s : m["timeline"]) rebuffering_samples += s["state"] == "rebuffering";
  CHECK(rebuffering_samples >= 2);
}

TEST_CASE("a hole in the sound that flowcast-server's reports show is no stall",
          "[integration][rtsp][audio]") {
  TempDir dir;
  const std::string clip = make_clip_with_hole(dir);
  RtspServer server(dir, clip);
  const ClientRun run = run_client(dir, {server.url(), "--transport", "tcp"}, {}, server);
  const json& m = run.metrics;
  INFO(m.dump(1));
  REQUIRE(m["audio"].is_object());
  // The sound before and after the hole was all played.
  CHECK(m["audio"]["totalSamplesReceived"].get<double>() > 4.5 * 44100);
  CHECK(m["audio"]["stalls"] == 0);
  CHECK(m["stalls"]["count"] == 0);
  CHECK(m["session"]["state_ms"]["rebuffering"] == 0.0);
  server.finish(dir);
}

TEST_CASE("sound that ends before the video does not freeze the picture, with a small buffer",
          "[integration][rtsp][audio]") {
  TempDir dir;
  // 4 s of video, 1.5 s of sound. With --buffer 100ms the sound's output
  // runs dry soon after its last packet; the sender's reports (every 250
  // ms) say no more was sent, so that is the end of the sound, not a stall
  // that holds the picture until the end of the stream 2.5 s later.
  const std::string clip = dir.file("short-sound.mkv");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -f "
                    "lavfi -i sine=frequency=440:sample_rate=48000:duration=1.5 -t 4 -c:v "
                    "libx264 -preset veryfast -g 30 -bf 0 -pix_fmt yuv420p -c:a libopus -ac 2 '" +
                    clip + "'") == 0);
  RtspServer server(dir, clip);
  const ClientRun run = run_client(dir, {server.url(), "--transport", "tcp", "--buffer", "100ms"});
  const json& m = run.metrics;
  INFO(m.dump(1));
  REQUIRE(m["audio"].is_object());
  CHECK(m["frames"]["rendered"].get<int>() >= 115);
  // At most a report interval (250 ms) and a rebuffer; held to the end it
  // would be 2.5 s.
  CHECK(m["stalls"]["total_ms"].get<double>() < 800);
  server.finish(dir);
}
