// Files are served as they are timed: the real flowcast-server and
// flowcast-client on loopback, with files the ffmpeg command line makes in
// the shapes that break players (no timestamps, timestamps that jump back, a
// long still, a transcoded codec at a rate that rounds to 0, a variable
// frame rate, a last picture held for seconds, Matroska's missing decode
// times), against ffmpeg's own decode of the same file.
#include <signal.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"
#include "support/sanitized.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// One client run against a server playing `file`.
struct Played {
  int exit_code = -1;
  double wall_s = 0;  // from the client's launch to its exit
  std::vector<std::string> hashes;
  std::vector<double> times_s;  // presentation times, from the first picture
  json client;                  // flowcast.metrics/1
  json server;                  // flowcast.server-metrics/1
  std::string server_log;
};

// Presentation times of a framemd5 file, in seconds from its first picture:
// the pts column in the "#tb 0:" time base.
std::vector<double> framemd5_times(const std::string& path) {
  std::istringstream in(read_file(path));
  std::string line;
  double tb = 0;
  std::vector<double> times;
  while (std::getline(in, line)) {
    if (line.rfind("#tb 0: ", 0) == 0) {
      const auto slash = line.find('/');
      tb = std::stod(line.substr(7, slash - 7)) / std::stod(line.substr(slash + 1));
    } else if (!line.empty() && line[0] != '#') {
      std::istringstream fields(line);
      std::string stream, dts, pts;
      std::getline(fields, stream, ',');
      std::getline(fields, dts, ',');
      std::getline(fields, pts, ',');
      times.push_back(std::stod(pts) * tb);
    }
  }
  for (auto& t : times) t -= times.empty() ? 0 : times.front();
  return times;
}

Played play(const TempDir& dir, const std::string& file, const std::string& transport) {
  const auto port = std::to_string(free_port());
  Process server(
      {kServer, file, "--port", port, "--duration", "30s", "--metrics", dir.file("server.json")},
      dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  const auto launched = std::chrono::steady_clock::now();
  Process client({kClient, "127.0.0.1:" + port, "--transport", transport, "--headless", "--quiet",
                  "--framemd5", dir.file("got.framemd5"), "--metrics", dir.file("client.json")},
                 dir.file("client.log"));
  Played p;
  p.exit_code = client.wait_for(30s).value_or(-1);
  p.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - launched).count();
  INFO(client.log());
  // The server writes its metrics as it stops.
  server.signal(SIGTERM);
  REQUIRE(server.wait_for(10s).has_value());
  p.server_log = server.log();
  p.hashes = framemd5_hashes(dir.file("got.framemd5"));
  p.times_s = framemd5_times(dir.file("got.framemd5"));
  p.client = read_client_metrics(dir.file("client.json"));
  p.server = read_json(dir.file("server.json"));
  return p;
}

std::string reference(const TempDir& dir, const std::string& file) {
  const std::string ref = dir.file("reference.framemd5");
  REQUIRE(make_reference_framemd5(file, ref));
  return ref;
}

void make(const std::string& command) {
  INFO(command);
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y " + command) == 0);
}

void check_times(const std::vector<double>& got, const std::vector<double>& expected,
                 double tolerance_s) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("picture " << i << ": " << got[i] << " s, the source's " << expected[i] << " s");
    CHECK(std::abs(got[i] - expected[i]) <= tolerance_s);
  }
}

void raw_stream_without_timestamps(const std::string& transport) {
  TempDir dir;
  // 4 s at 30 fps with B-frames: decode order is not presentation order, and
  // the file says neither.
  const std::string file = dir.file("clip.264");
  make(
      "-f lavfi -i testsrc2=size=320x240:rate=30 -t 4 -c:v libx264 -preset veryfast -bf 2 -g 30 "
      "-pix_fmt yuv420p '" +
      file + "'");
  const auto expected = framemd5_hashes(reference(dir, file));
  REQUIRE(expected.size() == 120);

  const Played p = play(dir, file, transport);
  INFO("wall " << p.wall_s << " s");
  CHECK(p.exit_code == 0);
  CHECK(p.hashes == expected);
  // Paced in real time: the file's 4 s plus the 500 ms buffer, at least.
  CHECK(p.wall_s >= 4.2);
  // And not slower: from the first picture to exit, the file's 4 s. Launch
  // (process start, connecting, the buffer's fill) is bounded apart, loosely:
  // under the sanitizers on a busy machine it alone can take a second.
  CHECK(p.wall_s <= 6.0);
  REQUIRE(p.client["startup_ms"].is_number());
  const double from_first_picture_s =
      (p.client["duration_ms"].get<double>() - p.client["startup_ms"].get<double>()) / 1000;
  INFO("from the first picture to exit " << from_first_picture_s << " s");
  CHECK(from_first_picture_s >= 3.9);
  CHECK(from_first_picture_s <= 4.4);
  CHECK(p.client["stalls"]["count"] == 0);
  CHECK(p.client["packets"]["lost"] == 0);
  // One picture every 1/30 s, in presentation order.
  std::vector<double> every_frame;
  for (int i = 0; i < 120; ++i) every_frame.push_back(i / 30.0);
  check_times(p.times_s, every_frame, 0.001);
  // Said once, when the server opened the file.
  const std::string note = "has no timestamps: its pictures are timed at 30 fps";
  const auto first = p.server_log.find(note);
  CHECK(first != std::string::npos);
  CHECK(p.server_log.find(note, first + 1) == std::string::npos);
}

void joined_transport_streams(const std::string& transport) {
  TempDir dir;
  // Two 3 s MPEG-TS files with the same start time, joined with cat: the
  // second half's timestamps go 3 s back.
  const std::string a = dir.file("a.ts"), b = dir.file("b.ts"), file = dir.file("joined.ts");
  make(
      "-f lavfi -i testsrc2=size=320x240:rate=25 -t 3 -c:v libx264 -preset veryfast -g 25 "
      "-pix_fmt yuv420p '" +
      a + "'");
  make(
      "-f lavfi -i testsrc=size=320x240:rate=25 -t 3 -c:v libx264 -preset veryfast -g 25 "
      "-pix_fmt yuv420p '" +
      b + "'");
  REQUIRE(run_shell("cat '" + a + "' '" + b + "' > '" + file + "'") == 0);
  const auto expected = framemd5_hashes(reference(dir, file));
  REQUIRE(expected.size() == 150);

  const Played p = play(dir, file, transport);
  INFO("wall " << p.wall_s << " s");
  CHECK(p.exit_code == 0);
  CHECK(p.hashes == expected);
  CHECK(p.wall_s >= 6.0);
  CHECK(p.wall_s <= 7.5);
  CHECK(p.client["stalls"]["count"] == 0);
  REQUIRE(p.server["sessions"].size() == 1);
  CHECK(p.server["sessions"][0]["timestamp_discontinuities"] == 1);
  // The RTP timestamps kept moving forward: 150 pictures 40 ms apart.
  std::vector<double> every_frame;
  for (int i = 0; i < 150; ++i) every_frame.push_back(i * 0.04);
  check_times(p.times_s, every_frame, 0.001);
}

void long_still(const std::string& transport) {
  TempDir dir;
  // 10 pictures at 10 fps, a 7 s still, 10 more: a 9 s file.
  const std::string file = dir.file("still.mp4");
  make(
      "-f lavfi -t 2 -i testsrc2=size=320x240:rate=10 "
      "-vf \"setpts='if(gte(N,10),PTS+7/TB,PTS)'\" -fps_mode passthrough -c:v libx264 "
      "-preset veryfast -g 10 -pix_fmt yuv420p '" +
      file + "'");
  const std::string ref = reference(dir, file);
  const auto expected = framemd5_hashes(ref);
  REQUIRE(expected.size() == 20);

  const Played p = play(dir, file, transport);
  INFO("wall " << p.wall_s << " s");
  CHECK(p.exit_code == 0);
  CHECK(p.hashes == expected);
  CHECK(p.wall_s >= 9.0);
  CHECK(p.wall_s < 10.5);
  // The still is neither a stall nor the end of the stream.
  CHECK(p.client["stalls"]["count"] == 0);
  check_times(p.times_s, framemd5_times(ref), 0.001);
  REQUIRE(p.server["sessions"].size() == 1);
  // Sender reports at least every second, still or not.
  CHECK(p.server["sessions"][0]["sender_reports"].get<double>() >= 9);
}

void edit_list_cut_mid_gop(const std::string& transport) {
  TempDir dir;
  // Cut with -c copy 0.6 s into a 1 s GOP: the MP4's edit list hides the 15
  // pictures from the keyframe on, which the decoder still needs.
  const std::string source = dir.file("source.mp4"), file = dir.file("cut.mp4");
  make(
      "-f lavfi -i testsrc2=size=320x240:rate=25 -t 5 -c:v libx264 -preset veryfast -bf 2 -g 25 "
      "-pix_fmt yuv420p '" +
      source + "'");
  make("-ss 1.6 -i '" + source + "' -c copy -t 2.4 '" + file + "'");
  const std::string ref = reference(dir, file);
  const auto expected = framemd5_hashes(ref);
  REQUIRE(expected.size() >= 60);
  REQUIRE(expected.size() < 75);

  const Played p = play(dir, file, transport);
  INFO("wall " << p.wall_s << " s");
  CHECK(p.exit_code == 0);
  // What ffmpeg shows, and not the pictures the edit list hides.
  CHECK(p.hashes == expected);
  CHECK(p.client["frames"]["decoded"] == expected.size());
  check_times(p.times_s, framemd5_times(ref), 0.001);
  // The hidden pictures take no time: the cut's 2.4 s plus the buffer (had
  // they been paced, 0.6 s more). A sanitized build starts slower.
  CHECK(p.wall_s >= 2.8);
  CHECK(p.wall_s <= (kSanitized ? 4.2 : 3.6));
  CHECK(p.client["stalls"]["count"] == 0);
}

void transcoded_keeps_times(const std::string& transport, const std::string& filter,
                            size_t pictures, double min_wall_s, double max_wall_s) {
  TempDir dir;
  const std::string file = dir.file("clip.webm");
  make("-f lavfi " + filter + " -c:v libvpx-vp9 -deadline realtime '" + file + "'");
  const std::string ref = reference(dir, file);
  const auto source_times = framemd5_times(ref);
  REQUIRE(source_times.size() == pictures);

  const Played p = play(dir, file, transport);
  INFO("wall " << p.wall_s << " s");
  CHECK(p.exit_code == 0);
  CHECK(p.server_log.find("transcoded to H.264") != std::string::npos);
  CHECK(p.wall_s >= min_wall_s);
  CHECK(p.wall_s <= max_wall_s);
  CHECK(p.client["stalls"]["count"] == 0);
  // Every picture, each at its own time (within a frame of a 10 fps part).
  check_times(p.times_s, source_times, 0.1);
}

void last_picture_held(const std::string& transport) {
  TempDir dir;
  // One picture every 3 s, at 0, 3, 6 and 9 s: the file is 12 s long, the
  // last picture shown for its 3 s.
  const std::string file = dir.file("slow.webm");
  make("-f lavfi -i testsrc2=size=320x240:rate=1/3 -t 12 -c:v libvpx-vp9 -deadline realtime '" +
       file + "'");
  const std::string ref = reference(dir, file);
  check_times(framemd5_times(ref), {0, 3, 6, 9}, 0.001);

  const Played p = play(dir, file, transport);
  INFO("wall " << p.wall_s << " s");
  CHECK(p.exit_code == 0);
  // Transcoded to H.264: the same four pictures, not the same bits.
  CHECK(p.hashes.size() == 4);
  check_times(p.times_s, {0, 3, 6, 9}, 0.1);
  REQUIRE(p.server["sessions"].size() == 1);
  const json& session = p.server["sessions"][0];
  INFO(session.dump(1));
  CHECK(session["end_reason"] == "end of stream");
  // The session lasts the file: it ends as the last picture's 3 s do.
  CHECK(session["duration_ms"].get<double>() >= 11'500);
  CHECK(session["duration_ms"].get<double>() <= 12'500);
  CHECK(p.wall_s >= 12.0);
  CHECK(p.client["stalls"]["count"] == 0);
}

void mkv_without_first_decode_times(const std::string& transport) {
  TempDir dir;
  // Matroska stores presentation times only: with two B-frames libavformat
  // derives no decode time for the first two blocks.
  const std::string file = dir.file("bframes.mkv");
  make(
      "-f lavfi -i testsrc2=size=320x240:rate=30 -t 4 -c:v libx264 -preset veryfast -bf 2 -g 30 "
      "-pix_fmt yuv420p '" +
      file + "'");
  const std::string packets = dir.file("packets.csv");
  REQUIRE(
      run_shell("ffprobe -v error -select_streams v -show_entries packet=pts,dts -of csv=p=0 '" +
                file + "' > '" + packets + "'") == 0);
  {
    std::istringstream in(read_file(packets));
    std::string first, second, third;
    std::getline(in, first);
    std::getline(in, second);
    std::getline(in, third);
    INFO("pts,dts of the first packets: " << first << " | " << second << " | " << third);
    REQUIRE(first == "0,N/A");
    REQUIRE(second.find(",N/A") != std::string::npos);
    REQUIRE(third.find("N/A") == std::string::npos);
  }
  const std::string ref = reference(dir, file);
  const auto expected = framemd5_hashes(ref);
  REQUIRE(expected.size() == 120);

  const Played p = play(dir, file, transport);
  INFO("wall " << p.wall_s << " s");
  CHECK(p.exit_code == 0);
  // Every picture ffmpeg shows, each on time, none late.
  CHECK(p.hashes == expected);
  CHECK(p.client["frames"]["rendered"] == 120);
  CHECK(p.client["frames"]["dropped_late"] == 0);
  check_times(p.times_s, framemd5_times(ref), 0.001);
  REQUIRE(p.server["sessions"].size() == 1);
  CHECK(p.server["sessions"][0]["timestamp_discontinuities"] == 0);
  CHECK(p.client["stalls"]["count"] == 0);
}

}  // namespace

TEST_CASE("a file's last picture is held for its duration before the end",
          "[integration][timing][long]") {
  // 12 s of streaming: one transport is enough, the end is the session's.
  last_picture_held("tcp");
}

TEST_CASE("an MKV whose first packets have no decode time plays every picture over TCP",
          "[integration][timing]") {
  mkv_without_first_decode_times("tcp");
}

TEST_CASE("an MKV whose first packets have no decode time plays every picture over UDP",
          "[integration][timing]") {
  mkv_without_first_decode_times("udp");
}

TEST_CASE("a raw H.264 stream without timestamps plays in real time over TCP",
          "[integration][timing]") {
  raw_stream_without_timestamps("tcp");
}

TEST_CASE("a raw H.264 stream without timestamps plays in real time over UDP",
          "[integration][timing]") {
  raw_stream_without_timestamps("udp");
}

TEST_CASE("MPEG-TS files joined with cat play through their jump over TCP",
          "[integration][timing][long]") {
  joined_transport_streams("tcp");
}

TEST_CASE("MPEG-TS files joined with cat play through their jump over UDP",
          "[integration][timing][long]") {
  joined_transport_streams("udp");
}

TEST_CASE("a 7 s still is neither a stall nor an end over TCP", "[integration][timing][long]") {
  long_still("tcp");
}

TEST_CASE("a 7 s still is neither a stall nor an end over UDP", "[integration][timing][long]") {
  long_still("udp");
}

TEST_CASE("a transcoded file at one picture every 2.5 s keeps its times over TCP",
          "[integration][timing][long]") {
  // The rate, 0.4 fps, rounds to 0. Pictures at 0, 2.5 and 5 s: the file
  // ends at 7.5 s, when its last picture's 2.5 s are over.
  transcoded_keeps_times("tcp", "-i testsrc2=size=320x240:rate=2/5 -t 7", 3, 7.5, 8.8);
}

TEST_CASE("a transcoded file at one picture every 2.5 s keeps its times over UDP",
          "[integration][timing][long]") {
  transcoded_keeps_times("udp", "-i testsrc2=size=320x240:rate=2/5 -t 7", 3, 7.5, 8.8);
}

TEST_CASE("a transcoded variable-frame-rate file stays variable over TCP",
          "[integration][timing]") {
  // 10 pictures at 10 fps, a 2 s still, 10 more.
  transcoded_keeps_times("tcp",
                         "-t 2 -i testsrc2=size=320x240:rate=10 "
                         "-vf \"setpts='if(gte(N,10),PTS+2/TB,PTS)'\" -fps_mode passthrough",
                         20, 3.9, 5.0);
}

TEST_CASE("a transcoded variable-frame-rate file stays variable over UDP",
          "[integration][timing]") {
  transcoded_keeps_times("udp",
                         "-t 2 -i testsrc2=size=320x240:rate=10 "
                         "-vf \"setpts='if(gte(N,10),PTS+2/TB,PTS)'\" -fps_mode passthrough",
                         20, 3.9, 5.0);
}

TEST_CASE("an MP4 cut mid-GOP shows what ffmpeg shows over TCP", "[integration][timing]") {
  edit_list_cut_mid_gop("tcp");
}

TEST_CASE("an MP4 cut mid-GOP shows what ffmpeg shows over UDP", "[integration][timing]") {
  edit_list_cut_mid_gop("udp");
}
