// --reference, --snapshot and --frames against a real server: a clean run is
// bit-exact (PSNR at the cap), a lossy one is measured as damaged and leaves
// PNGs of the damage behind.
#include <signal.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Run {
  int code = -1;
  json metrics;
  std::string log;
};

// Streams `input` (a file, or "" for the pattern) with the server's extra
// arguments, and plays it headless with the client's.
Run play(const TempDir& dir, const std::string& input, std::vector<std::string> server_extra,
         std::vector<std::string> client_extra) {
  const auto port = std::to_string(free_port());
  std::vector<std::string> server_args = {kServer, "--port", port, "--duration", "60s"};
  if (!input.empty()) server_args.insert(server_args.begin() + 1, input);
  server_args.insert(server_args.end(), server_extra.begin(), server_extra.end());
  Process server(server_args, dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  std::vector<std::string> client_args = {kClient, "127.0.0.1:" + port, "--headless", "--metrics",
                                          dir.file("client.json")};
  client_args.insert(client_args.end(), client_extra.begin(), client_extra.end());
  Process client(client_args, dir.file("client.log"));
  Run r;
  auto code = client.wait_for(60s);
  r.code = code.value_or(-1);
  r.log = client.log();
  server.signal(SIGTERM);
  server.wait_for(10s);
  if (file_exists(dir.file("client.json")))
    r.metrics = read_client_metrics(dir.file("client.json"));
  return r;
}

size_t csv_rows(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) ++n;
  return n > 0 ? n - 1 : 0;  // without the header
}

bool is_png(const std::string& path) {
  const std::string bytes = read_file(path);
  return bytes.size() > 100 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

}  // namespace

TEST_CASE("a clean TCP run of a clip with --reference is bit-exact: PSNR at the cap",
          "[integration][quality]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 3, 3));
  auto r = play(dir, clip, {}, {"--reference", clip, "--frames", dir.file("frames.csv")});
  INFO(r.log);
  REQUIRE(r.code == 0);
  const json& q = r.metrics["quality"];
  INFO(q.dump(1));
  CHECK(q["reference_matched"] == true);
  CHECK(q["psnr_min"].get<double>() >= 99);
  CHECK(q["psnr_mean"].get<double>() >= 99);
  CHECK(q["mos_mean"].get<double>() == 5.0);
  const auto rendered = r.metrics["frames"]["rendered"].get<uint64_t>();
  CHECK(rendered >= 60);  // of 90: a loaded machine may drop a few as late
  CHECK(q["frames_compared"].get<uint64_t>() == rendered);
  CHECK(q["mos_histogram"]["5"].get<uint64_t>() == rendered);
  REQUIRE(q["per_frame"].size() == rendered);
  // Presentation times of the source: whole frames from 0, rising.
  double last = -1;
  for (const auto& f : q["per_frame"]) {
    const double pts = f["pts_ms"].get<double>();
    const double frames = pts / (1000.0 / 30);
    CHECK(frames == Approx(std::round(frames)).margin(0.01));
    CHECK(pts > last);
    last = pts;
  }
  CHECK(q["per_frame"][0]["pts_ms"].get<double>() < 200);
  CHECK(last > 2500);
  CHECK(csv_rows(dir.file("frames.csv")) == rendered);
  // The open QoE score's picture term rests on the PSNR: every picture at
  // the cap is EvalVid's 5.
  const json& qoe = r.metrics["qoe"];
  CHECK(qoe["picture_basis"] == "psnr");
  CHECK(qoe["picture_mos"].get<double>() == Approx(5));
  CHECK(qoe["score"].get<double>() <= qoe["stall_mos"].get<double>() + 1e-9);
}

TEST_CASE("a --reference H.265 file is decoded as H.265: PSNR at the cap on clean TCP",
          "[integration][quality][h265]") {
  TempDir dir;
  // 3 s of the pattern in H.265 with B-frames, sent as it is (RFC 7798).
  const std::string clip = dir.file("hevc.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 3 "
                    "-c:v libx265 -pix_fmt yuv420p -x265-params "
                    "log-level=error:bframes=3:keyint=30 '" +
                    clip + "'") == 0);
  auto r = play(dir, clip, {}, {"--reference", clip});
  INFO(r.log);
  REQUIRE(r.code == 0);
  const json& q = r.metrics["quality"];
  INFO(q.dump(1));
  CHECK(q["reference_matched"] == true);
  CHECK(q["psnr_min"].get<double>() >= 99);
  CHECK(q["psnr_mean"].get<double>() >= 99);
  const auto rendered = r.metrics["frames"]["rendered"].get<uint64_t>();
  CHECK(rendered >= 60);  // of 90: a loaded machine may drop a few as late
  CHECK(q["frames_compared"].get<uint64_t>() == rendered);
}

TEST_CASE("UDP through a lossy link: PSNR and MOS drop, and the damage is in the snapshots",
          "[integration][quality]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "640x360", 30, 4, 2, "2M"));
  const std::string snaps = dir.file("snaps");
  auto r = play(dir, clip, {"--link-loss", "3", "--link-seed", "7"},
                {"--transport", "udp", "--reference", clip, "--snapshot", snaps, "--snapshot-max",
                 "6", "--frames", dir.file("frames.csv"), "--report", dir.file("report.html")});
  INFO(r.log);
  REQUIRE(r.code == 0);
  const json& q = r.metrics["quality"];
  INFO(r.metrics.dump(1));
  REQUIRE(r.metrics["packets"]["lost"].get<int64_t>() > 0);
  CHECK(q["reference_matched"] == true);
  CHECK(q["psnr_min"].get<double>() < 35);
  CHECK(q["mos_mean"].get<double>() < 5);
  CHECK(q["psnr_mean"].get<double>() < 99);
  CHECK(q["frames_compared"].get<uint64_t>() > 0);
  // The histogram adds up to the pictures compared.
  uint64_t sum = 0;
  for (auto& [score, n] : q["mos_histogram"].items()) sum += n.get<uint64_t>();
  CHECK(sum == q["frames_compared"].get<uint64_t>());
  // The QoE score sees the smearing that P.1203 would not: the picture term
  // from the PSNR falls below 5, and the score with it.
  const json& qoe = r.metrics["qoe"];
  CHECK(qoe["picture_basis"] == "psnr");
  CHECK(qoe["picture_mos"].get<double>() < 5);
  CHECK(qoe["score"].get<double>() < qoe["stall_mos"].get<double>());
  CHECK_THAT(r.log, Catch::Contains("QoE score"));

  const json& shots = r.metrics["snapshots"];
  REQUIRE(shots.is_array());
  CHECK(shots.size() <= 6);
  std::set<std::string> kinds;
  for (const auto& s : shots) {
    kinds.insert(s["kind"].get<std::string>());
    // Named from the metrics file's folder.
    const std::string file = s["file"].get<std::string>();
    CHECK(file.rfind("/", 0) != 0);
    CHECK(is_png(dir.file(file)));
  }
  CHECK(kinds.count("damaged") == 1);
  CHECK(kinds.count("worst") == 1);
  CHECK(kinds.count("worst-reference") == 1);
  CHECK(kinds.count("clean") == 1);
  for (const auto& s : shots)
    if (s["kind"] == "worst") CHECK(s["psnr"].get<double>() == Approx(q["psnr_min"].get<double>()));
  CHECK(csv_rows(dir.file("frames.csv")) == r.metrics["frames"]["rendered"].get<uint64_t>());

  // --report: the run's page, with the PSNR chart and the snapshots inline.
  const std::string html = read_file(dir.file("report.html"));
  CHECK(html.find("id=\"summary\"") != std::string::npos);
  CHECK(html.find("id=\"chart-psnr\"") != std::string::npos);
  CHECK(html.find("data:image/png;base64,") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
}

TEST_CASE("a stream that is not the reference gives no PSNR and says so",
          "[integration][quality]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 0));
  // The server plays the built-in pattern at the clip's size.
  auto r = play(dir, "", {"--pattern", "320x240@30", "--bitrate", "500k"},
                {"--reference", clip, "--duration", "2s"});
  REQUIRE(r.code == 0);
  INFO(r.log);
  CHECK(r.log.find("no PSNR") != std::string::npos);
  const json& q = r.metrics["quality"];
  CHECK(q["reference_matched"] == false);
  CHECK(q["psnr_mean"].is_null());
  CHECK(q["psnr_min"].is_null());
}

TEST_CASE("a --reference that is missing or not a video is a usage error",
          "[integration][quality]") {
  TempDir dir;
  const std::string text = dir.file("notes.txt");
  std::ofstream(text) << "not a video\n";
  for (const std::string& bad : {dir.file("missing.mp4"), text}) {
    Process client({kClient, "127.0.0.1:9", "--headless", "--reference", bad},
                   dir.file("client.log"));
    auto code = client.wait_for(20s);
    INFO(bad << ": " << client.log());
    CHECK(code == 2);
    CHECK(client.log().find("--reference") != std::string::npos);
  }
}

TEST_CASE("a --snapshot folder that cannot be created is a usage error", "[integration][quality]") {
  TempDir dir;
  const std::string file = dir.file("a-file");
  std::ofstream(file) << "x";
  Process client({kClient, "127.0.0.1:9", "--headless", "--snapshot", file + "/sub"},
                 dir.file("client.log"));
  CHECK(client.wait_for(20s) == 2);
  CHECK(client.log().find("--snapshot") != std::string::npos);
}
