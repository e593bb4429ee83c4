// A relayed URL with sound, end to end with real peers: ffmpeg sends H.264
// with AAC (ADTS) or Opus as MPEG-TS over UDP, and GStreamer's RTSP server
// serves H.265 or H.264 with AAC (RFC 3640) or Opus (RFC 7587), its
// parameter sets in the SDP only; flowcast-server relays the URL, and
// flowcast-client plays both streams over flowcast's TCP and UDP and over
// RTSP. --no-audio relays the video only.
//
// How close the sound is to the video (both measured by the client): the
// client joins the live relay at a keyframe (every half second) and stops
// after --duration; what it heard (audio.totalSamplesDuration) was measured
// on a quiet loopback within 0.1 s of what it saw (frames.rendered at
// 30 fps). 0.3 s is asserted: a busy machine delays the first picture
// (a decoder to start) more than the first sound.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration/ffmpeg_peer.hpp"
#include "integration/gst_rtsp_peer.hpp"
#include "support/binaries.hpp"
#include "support/client_run.hpp"
#include "support/process.hpp"
#include "support/sanitized.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr double kFps = 30;

// flowcast-client playing `transport` (tcp, udp, rtsp-tcp) headless for 4 s:
// its metrics.
json play(const TempDir& dir, const FileServer& relay, const std::string& transport) {
  return run_client(dir, {relay.url(transport), "--transport", lower_transport(transport),
                          "--duration", "4s"})
      .metrics;
}

// The video played whole and the sound with it: `codec` as the SDP names it.
void check_played(const json& m, const std::string& codec, bool rtsp) {
  INFO(m.dump(1));
  const json& f = m["frames"];
  // 4 s at 30 fps, less the join (up to the next keyframe, 0.5 s apart).
  CHECK(f["rendered"].get<int>() >= 75);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(f["corrupt"] == 0);
  REQUIRE(m["audio"].is_object());
  const json& a = m["audio"];
  CHECK(a["codec"] == codec);
  CHECK(a["sample_rate"] == 48000);
  CHECK(a["channels"] == 2);
  CHECK(a["packets"]["lost"] == 0);
  CHECK(a["frames_rejected"] == 0);
  // Every frame on time, one after the other: nothing made up but for a
  // millisecond. libavformat's RTSP reader moves a stream's times by a few
  // samples once the source's first sender report places it, and the
  // relay sends the times it is given.
  CHECK(a["concealedSamples"].get<double>() <= 48);
  // The sound heard as long as the pictures were seen (the header says why 0.3 s).
  const double heard = a["totalSamplesDuration"].get<double>();
  const double seen = f["rendered"].get<double>() / kFps;
  CHECK(a["totalSamplesReceived"].get<int>() > 0);
  CHECK(std::abs(heard - seen) <= 0.3);
  // Over flowcast's TCP and UDP the first sound may come before its path
  // exists (test_inband_audio.cpp); RTSP sets it up before PLAY.
  CHECK(m["packets"]["foreign_payload_type"].get<int>() <= (rtsp ? 0 : 8));
}

}  // namespace

TEST_CASE("flowcast-server relays MPEG-TS over UDP with its AAC or Opus, and the client plays both",
          "[peer][relay][audio]") {
  // The sanitized pass relays ADTS AAC only (the frame filter's path), to
  // keep its time: Opus is relayed there by the GStreamer test below.
  const std::string codec =
      kSanitized ? std::string("aac") : std::string(GENERATE("aac", "libopus"));
  const std::string transport = GENERATE("tcp", "udp", "rtsp-tcp");
  INFO(codec << " --transport " << transport);
  TempDir dir;
  const std::string source = "udp://127.0.0.1:" + std::to_string(free_port());
  // The relay listens first: UDP is lost until someone reads it.
  FileServer relay(dir, source);
  Process ffmpeg({"ffmpeg",
                  "-nostdin",
                  "-v",
                  "error",
                  "-re",
                  "-f",
                  "lavfi",
                  "-i",
                  "testsrc2=size=320x240:rate=30",
                  "-re",
                  "-f",
                  "lavfi",
                  "-i",
                  "sine=frequency=440:sample_rate=48000",
                  "-t",
                  "9",
                  "-c:v",
                  "libx264",
                  "-preset",
                  "veryfast",
                  "-g",
                  "15",
                  "-bf",
                  "0",
                  "-pix_fmt",
                  "yuv420p",
                  "-c:a",
                  codec,
                  "-ac",
                  "2",
                  "-f",
                  "mpegts",
                  source + "?pkt_size=1316"},
                 dir.file("ffmpeg.log"));
  REQUIRE(relay.ready(15s));
  INFO(relay.log());
  const std::string name = codec == "aac" ? "aac" : "opus";
  CHECK(relay.log().find("(h264, relayed live) with " + name + " sound") != std::string::npos);
  const json m = play(dir, relay, transport);
  check_played(m, codec == "aac" ? "mpeg4-generic" : "opus", is_rtsp(transport));
  CHECK(relay.stop() == 0);
}

namespace {

// 7 s of `video` (h264 or h265: 320x240, 30 fps, a keyframe every half
// second) and 48 kHz stereo `audio` (aac or libopus) in MP4 (whose
// timestamps are exact: Matroska's milliseconds would jitter the sound's).
std::string make_av_clip(const TempDir& dir, const std::string& video, const std::string& audio) {
  const std::string clip = dir.file("clip.mp4");
  const std::string encoder =
      video == "h264" ? "libx264 -preset veryfast" : "libx265 -x265-params log-level=error";
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -f "
                    "lavfi -i sine=frequency=440:sample_rate=48000 -t 7 -c:v " +
                    encoder + " -g 15 -bf 0 -pix_fmt yuv420p -c:a " + audio + " -ac 2 '" + clip +
                    "'") == 0);
  return clip;
}

// GStreamer's RTSP server serving `clip` with its sound: the video's
// parameter sets in the SDP only, as cameras often send them.
GstRtspServer gst_source(const TempDir& dir, const std::string& clip, const std::string& video,
                         const std::string& audio) {
  return GstRtspServer(dir, clip, {"--codec", video, "--audio", audio, "--config-interval", "0"});
}

}  // namespace

TEST_CASE("flowcast-server relays GStreamer's RTSP server's H.265 or H.264 with its sound",
          "[peer][relay][audio][rtsp]") {
  struct Case {
    std::string video, audio, encoder, sdp_name, relay_name;
  };
  const Case c =
      GENERATE(Case{"h265", "aac", "aac", "mpeg4-generic", "(hevc, relayed live) with aac"},
               Case{"h264", "opus", "libopus", "opus", "(h264, relayed live) with opus"});
  INFO(c.video << " and " << c.audio);
  TempDir dir;
  const std::string clip = make_av_clip(dir, c.video, c.encoder);
  const GstRtspServer gst = gst_source(dir, clip, c.video, c.audio);
  FileServer relay(dir, gst.url());
  REQUIRE(relay.ready(15s));
  INFO(relay.log());
  CHECK(relay.log().find(c.relay_name) != std::string::npos);
  const json m = play(dir, relay, "rtsp-tcp");
  check_played(m, c.sdp_name, true);
  CHECK(relay.stop() == 0);
}

TEST_CASE("flowcast-server --no-audio relays a URL's video only", "[peer][relay][audio][rtsp]") {
  TempDir dir;
  const std::string clip = make_av_clip(dir, "h264", "aac");
  const GstRtspServer gst = gst_source(dir, clip, "h264", "aac");
  FileServer relay(dir, gst.url(), {"--no-audio"});
  REQUIRE(relay.ready(15s));
  INFO(relay.log());
  CHECK(relay.log().find("(h264, relayed live) on ") != std::string::npos);
  const std::string streams = probe_streams(dir, relay.url("rtsp-tcp"), "codec_type");
  INFO(streams);
  CHECK(streams.find("video") != std::string::npos);
  CHECK(streams.find("audio") == std::string::npos);
  CHECK(relay.stop() == 0);
}
