// What any player gets from flowcast-server's live pattern: packets in the
// order they were numbered. RTP sequence order is send order (RFC 3550
// §5.1); flowcast-client's jitter buffer would hide a server that reorders
// its own packets, ffmpeg shows it as broken pictures. Both are asked here,
// over flowcast's TCP and UDP and over RTSP interleaved and UDP, with both
// pacing modes, on a quiet loopback where nothing else reorders.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// The lines of ffmpeg's log that say a picture could not be decoded as sent.
std::vector<std::string> decoder_errors(const std::string& log) {
  static const char* kSigns[] = {"decode_slice_header error", "Frame num change", "corrupt",
                                 "error while decoding",      "concealing",       "missing picture",
                                 "Could not find ref",        "out of order"};
  std::vector<std::string> found;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    const std::string line = log.substr(start, end - start);
    for (const char* sign : kSigns)
      if (line.find(sign) != std::string::npos) {
        found.push_back(line);
        break;
      }
    start = end + 1;
  }
  return found;
}

// flowcast-server's live pattern with RTSP beside flowcast's own port.
struct LiveServer {
  uint16_t port = free_port();
  uint16_t rtsp_port = free_port();
  std::unique_ptr<Process> process;

  LiveServer(const TempDir& dir, std::vector<std::string> extra) {
    std::vector<std::string> argv = {kServer,
                                     "--port",
                                     std::to_string(port),
                                     "--rtsp-port",
                                     std::to_string(rtsp_port),
                                     "--duration",
                                     "40s",
                                     "--metrics",
                                     dir.file("server.json"),
                                     "--sdp",
                                     dir.file("live.sdp")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = std::make_unique<Process>(argv, dir.file("server.log"));
    REQUIRE(wait_for_log(*process, "RTSP at", 10s));
    // The SDP is written at the encoder's first keyframe: from then on a
    // DESCRIBE is answered (before, 503 with Retry-After).
    REQUIRE(wait_for_log(*process, "wrote the SDP", 10s));
  }
  std::string url() const { return "rtsp://127.0.0.1:" + std::to_string(rtsp_port) + "/stream"; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
};

// ffmpeg reading the RTSP stream for `seconds`, decoding every picture.
std::unique_ptr<Process> ffmpeg_rtsp(const TempDir& dir, const LiveServer& server,
                                     const std::string& transport, int seconds) {
  return std::make_unique<Process>(
      std::vector<std::string>{"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", transport,
                               "-i", server.url(), "-t", std::to_string(seconds), "-f", "framemd5",
                               "-y", dir.file("ffmpeg-" + transport + ".framemd5")},
      dir.file("ffmpeg-" + transport + ".log"));
}

}  // namespace

TEST_CASE("the live pattern reaches every player in the order it was numbered",
          "[peer][integration][pacing][rtsp][long]") {
  const std::string pacing = GENERATE("smooth", "burst");
  INFO("--pacing " << pacing);
  TempDir dir;
  // 4 Mbit/s: frames of a dozen packets and more, paced in several bursts
  // each (a keyframe in many); 360p keeps seven real-time peers light.
  LiveServer server(dir, {"--pacing", pacing, "--pattern", "640x360@30", "--bitrate", "4M"});
  struct Viewer {
    std::string name;
    std::vector<std::string> where;
    std::unique_ptr<Process> process;
  };
  std::vector<Viewer> viewers;
  viewers.push_back({"tcp", {server.address(), "--transport", "tcp"}, nullptr});
  viewers.push_back({"udp", {server.address(), "--transport", "udp"}, nullptr});
  viewers.push_back({"rtsp-tcp", {server.url(), "--transport", "tcp"}, nullptr});
  viewers.push_back({"rtsp-udp", {server.url(), "--transport", "udp"}, nullptr});
  for (auto& v : viewers) {
    std::vector<std::string> argv = {kClient};
    argv.insert(argv.end(), v.where.begin(), v.where.end());
    for (const std::string& a :
         {std::string("--headless"), std::string("--duration"), std::string("8s"),
          std::string("--metrics"), dir.file(v.name + ".json")})
      argv.push_back(a);
    v.process = std::make_unique<Process>(argv, dir.file(v.name + ".log"));
  }
  auto ffmpeg_tcp = ffmpeg_rtsp(dir, server, "tcp", 8);
  auto ffmpeg_udp = ffmpeg_rtsp(dir, server, "udp", 8);

  for (auto& v : viewers) {
    INFO(v.name << ": " << v.process->log());
    REQUIRE(v.process->wait_for(40s).value_or(-1) == 0);
    const json m = read_client_metrics(dir.file(v.name + ".json"));
    INFO(m["packets"].dump());
    // Enough pictures for the order to mean something (8 s hold 240; seven
    // real-time peers on a busy machine render fewer, which is not what
    // this case asks).
    CHECK(m["frames"]["rendered"].get<int>() > 120);
    CHECK(m["packets"]["reordered"] == 0);
  }
  for (auto* f : {ffmpeg_tcp.get(), ffmpeg_udp.get()}) {
    INFO(f->log());
    REQUIRE(f->wait_for(40s).value_or(-1) == 0);
    CHECK(decoder_errors(f->log()).empty());
  }
  CHECK(framemd5_hashes(dir.file("ffmpeg-tcp.framemd5")).size() > 150);
}

TEST_CASE("ffmpeg decodes the H.265 live pattern over RTSP without an error",
          "[peer][integration][pacing][rtsp][h265][long]") {
  TempDir dir;
  LiveServer server(dir, {"--codec", "h265", "--pattern", "640x360@30", "--bitrate", "2M"});
  INFO(server.process->log());
  auto ffmpeg_tcp = ffmpeg_rtsp(dir, server, "tcp", 10);
  auto ffmpeg_udp = ffmpeg_rtsp(dir, server, "udp", 10);
  for (auto* f : {ffmpeg_tcp.get(), ffmpeg_udp.get()}) {
    INFO(f->log());
    REQUIRE(f->wait_for(40s).value_or(-1) == 0);
    CHECK(decoder_errors(f->log()).empty());
  }
  // Ten seconds of pictures, whatever rate the encoder kept.
  CHECK(framemd5_hashes(dir.file("ffmpeg-tcp.framemd5")).size() > 100);
}
