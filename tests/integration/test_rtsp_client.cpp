// flowcast-client against a real RTSP server: GStreamer's gst-rtsp-server
// (tests/peers/gst_rtsp_server.py, run with Debian's /usr/bin/python3)
// serving an H.264 file. Bit-exact over RTP interleaved on the RTSP
// connection and over UDP, with Basic and Digest authentication; the
// failures a user meets (credentials missing or wrong, a transport the
// server refuses) are one clear line and exit 1.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration/ffmpeg_peer.hpp"
#include "integration/gst_rtsp_peer.hpp"
#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Played {
  std::optional<int> code;
  std::string log;
  json metrics;
  std::vector<std::string> hashes;
};

Played play(const TempDir& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {kClient,      "--headless",
                                   "--framemd5", dir.file("got.framemd5"),
                                   "--metrics",  dir.file("m.json")};
  argv.insert(argv.end(), args.begin(), args.end());
  Process client(argv, dir.file("client.log"));
  Played p;
  p.code = client.wait_for(30s);
  p.log = client.log();
  if (p.code == 0) {
    p.metrics = read_client_metrics(dir.file("m.json"));
    p.hashes = framemd5_hashes(dir.file("got.framemd5"));
  }
  return p;
}

}  // namespace

TEST_CASE("flowcast-client plays GStreamer's RTSP server bit-exact over TCP and UDP",
          "[peer][rtsp]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("--transport " << lower);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 2));
  GstRtspServer server(dir, clip);
  const Played p = play(dir, {server.url(), "--transport", lower});
  INFO(p.log);
  REQUIRE(p.code == 0);
  INFO(p.metrics.dump(1));
  CHECK(p.hashes == reference(dir, clip));
  CHECK(p.metrics["transport"] == lower);
  CHECK(p.metrics["session"]["protocol"] == "rtsp");
  CHECK(p.metrics["packets"]["lost"] == 0);
  CHECK(p.metrics["frames"]["corrupt"] == 0);
  CHECK(p.metrics["packets"]["foreign_ssrc"] == 0);
}

TEST_CASE("RTSP credentials: Basic and Digest are answered, and a missing or wrong one is clear",
          "[peer][rtsp]") {
  const std::string scheme = GENERATE("basic", "digest");
  INFO(scheme);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 1, 0));
  GstRtspServer server(dir, clip, {"--user", "viewer", "--password", "s3cret", "--auth", scheme});
  {
    const Played p = play(dir, {server.url("viewer:s3cret@")});
    INFO(p.log);
    REQUIRE(p.code == 0);
    CHECK(p.hashes == reference(dir, clip));
  }
  {
    // The same credentials as options.
    const Played p = play(dir, {server.url(), "--user", "viewer", "--password", "s3cret"});
    INFO(p.log);
    CHECK(p.code == 0);
  }
  {
    const Played p = play(dir, {server.url()});
    INFO(p.log);
    CHECK(p.code == 1);
    CHECK(p.log.find("asks for credentials") != std::string::npos);
    CHECK(p.log.find("--user and --password") != std::string::npos);
  }
  {
    const Played p = play(dir, {server.url("viewer:wrong@")});
    INFO(p.log);
    CHECK(p.code == 1);
    CHECK(p.log.find("refused the credentials of 'viewer'") != std::string::npos);
  }
}

TEST_CASE("RTSP --transport auto falls back to TCP when the server refuses UDP", "[peer][rtsp]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 1, 0));
  GstRtspServer server(dir, clip, {"--protocols", "tcp"});
  const Played p = play(dir, {server.url(), "--transport", "auto"});
  INFO(p.log);
  REQUIRE(p.code == 0);
  CHECK(p.metrics["transport"] == "tcp");
  CHECK(p.hashes == reference(dir, clip));
  // Asked for UDP alone, the refusal says what to try.
  const Played udp = play(dir, {server.url(), "--transport", "udp"});
  CHECK(udp.code == 1);
  CHECK(udp.log.find("try --transport tcp") != std::string::npos);
}

TEST_CASE("an RTSP URL nobody serves, or with nothing at its path, is one clear error",
          "[integration][rtsp]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 1, 0));
  const Played none = play(dir, {"rtsp://127.0.0.1:" + std::to_string(free_port()) + "/stream"});
  CHECK(none.code == 1);
  CHECK(none.log.find("no RTSP server listens on") != std::string::npos);
  GstRtspServer server(dir, clip);
  std::string wrong = server.url();
  wrong.replace(wrong.rfind("/stream"), 7, "/other");
  const Played missing = play(dir, {wrong});
  CHECK(missing.code == 1);
  CHECK(missing.log.find("has no stream at") != std::string::npos);
  // Options that only RTSP takes are refused elsewhere.
  const Played misuse = play(dir, {"127.0.0.1:5004", "--user", "x"});
  CHECK(misuse.code == 2);
  CHECK(misuse.log.find("--user and --password are for rtsp:// sources") != std::string::npos);
}

// Every exit path writes the files it was asked for (DESIGN.md "The metrics
// file"): a session whose RTSP source fails before SETUP is a video start
// failure ended by an error, in the metrics, the timeline and the report,
// and still says why in one line.
TEST_CASE("RTSP failures before SETUP still leave the metrics, the timeline and the report",
          "[peer][rtsp]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 1, 0));
  GstRtspServer gst(dir, clip, {"--user", "viewer", "--password", "s3cret"});
  std::string missing = gst.url("viewer:s3cret@");
  missing.replace(missing.rfind("/stream"), 7, "/nope");
  // GStreamer's RTSP server answers DESCRIBE with 503 when it cannot
  // prepare the stream's media (here, its file is gone).
  GstRtspServer unavailable(dir, dir.file("gone.mp4"));
  struct Failure {
    std::string what, url, says;
  };
  const std::vector<Failure> failures = {
      {"refused", "rtsp://127.0.0.1:" + std::to_string(free_port()) + "/stream",
       "no RTSP server listens on"},
      {"404", missing, "has no stream at"},
      {"401", gst.url(), "asks for credentials"},
      {"503", unavailable.url(), "answered DESCRIBE with 503"},
  };
  for (const auto& f : failures) {
    INFO(f.what << ": " << f.url);
    const std::string metrics = dir.file(f.what + ".json"), report = dir.file(f.what + ".html"),
                      timeline = dir.file(f.what + ".csv");
    Process client({kClient, f.url, "--headless", "--metrics", metrics, "--report", report,
                    "--timeline", timeline},
                   dir.file(f.what + ".log"));
    const auto code = client.wait_for(20s);
    INFO(client.log());
    CHECK(code == 1);
    CHECK(client.log().find(f.says) != std::string::npos);
    CHECK(client.log().find("VIDEO START FAILURE (error)") != std::string::npos);
    REQUIRE(file_exists(metrics));
    const json m = read_client_metrics(metrics);
    INFO(m.dump(1));
    CHECK(m["schema"] == "flowcast.metrics/1");
    CHECK(m["session"]["protocol"] == "rtsp");
    CHECK(m["session"]["video_started"] == false);
    CHECK(m["session"]["start_failure"] == "video_start_failure");
    CHECK(m["session"]["ended_by"] == "error");
    CHECK(m["startup_ms"].is_null());
    CHECK(m["rebuffering_ratio"].is_null());
    CHECK(m["duration_ms"].get<double>() >= 0);
    CHECK(m["session"]["state_ms"]["joining"] == m["duration_ms"]);
    CHECK(m["frames"]["rendered"] == 0);
    REQUIRE(file_exists(report));
    const std::string html = read_file(report);
    CHECK(html.find("<html") != std::string::npos);
    CHECK(html.find("video_start_failure") != std::string::npos);
    REQUIRE(file_exists(timeline));
    CHECK(read_file(timeline).find("joining") != std::string::npos);
  }
}
