#pragma once
// GStreamer's RTSP server (tests/peers/gst_rtsp_server.py, run with Debian's
// /usr/bin/python3: the python3 first on PATH may lack gi) on a free port, as
// a real peer for flowcast-client: serving a file, or live test sources
// (video, an Opus or AAC sound beside it, or the sound alone).
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace flowcast::test {

inline const std::string kGstRtspPeer =
    std::string(FLOWCAST_SOURCE_DIR) + "/tests/peers/gst_rtsp_server.py";

// The script's --test-source: `seconds` of videotestsrc (H.264, 320x240,
// 30 fps, pt 96) unless !video, and of audiotestsrc when audio is "opus"
// (48 kHz) or "aac" (44.1 kHz), stereo, pt 97; live, then EOS.
struct GstTestSource {
  double seconds = 3;
  std::string audio;  // "", "opus" or "aac"
  bool video = true;
};

// GStreamer's RTSP server on a free port, serving at /stream; killed with
// the object.
class GstRtspServer {
 public:
  // Serving the MP4 file `clip`; `extra` are more of the script's options.
  GstRtspServer(const TempDir& dir, const std::string& clip, std::vector<std::string> extra = {})
      : GstRtspServer(dir, join({"--file", clip}, extra)) {}
  GstRtspServer(const TempDir& dir, const GstTestSource& source,
                std::vector<std::string> extra = {})
      : GstRtspServer(dir, join(test_source_options(source), extra)) {}

  std::string url(const std::string& credentials = "") const {
    return "rtsp://" + credentials + "127.0.0.1:" + std::to_string(port_) + "/stream";
  }

 private:
  GstRtspServer(const TempDir& dir, std::vector<std::string> options) : port_(free_port()) {
    std::vector<std::string> argv = {"/usr/bin/python3", kGstRtspPeer, "--port",
                                     std::to_string(port_)};
    argv.insert(argv.end(), options.begin(), options.end());
    process_.emplace(argv, dir.file("gst-rtsp-server-" + std::to_string(port_) + ".log"));
    REQUIRE(wait_for_log(*process_, "ready", std::chrono::seconds(10)));
  }
  static std::vector<std::string> join(std::vector<std::string> a,
                                       const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  static std::vector<std::string> test_source_options(const GstTestSource& s) {
    std::vector<std::string> o = {"--test-source", std::to_string(s.seconds)};
    if (!s.audio.empty()) o.insert(o.end(), {"--audio", s.audio});
    if (!s.video) o.push_back("--no-video");
    return o;
  }

  uint16_t port_;
  std::optional<Process> process_;
};

}  // namespace flowcast::test
