#pragma once
// ffmpeg and ffprobe as the peers of flowcast's binaries, as the tests run
// them: ffmpeg decoding an RTSP URL or an SDP to framemd5, sending a clip
// as plain RTP (RFC 3550) with the SDP it writes, ffprobe reading a
// DESCRIBE; and flowcast-server --push's SDP for a file.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/binaries.hpp"
#include "support/process.hpp"

namespace flowcast::test {

// A framemd5 file's hashes by stream index (0 the video, 1 the audio).
inline std::map<int, std::vector<std::string>> hashes_by_stream(const std::string& path) {
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

// ffmpeg's own decode of a clip's video: the hashes of its framemd5, the
// bit-exact reference.
inline std::vector<std::string> reference(const TempDir& dir, const std::string& clip) {
  REQUIRE(make_reference_framemd5(clip, dir.file("reference.framemd5")));
  return framemd5_hashes(dir.file("reference.framemd5"));
}

// ffmpeg's input options to play an RTSP URL over `lower` ("tcp", "udp").
inline std::vector<std::string> rtsp_input(const std::string& url, const std::string& lower) {
  return {"-rtsp_transport", lower, "-i", url};
}
// ffmpeg's input options to receive the RTP streams an SDP file describes.
inline std::vector<std::string> sdp_input(const std::string& sdp) {
  return {"-protocol_whitelist", "file,udp,rtp", "-i", sdp};
}

// ffmpeg decoding `input` (its input options and -i) to DIR/<name>.framemd5,
// one line a decoded frame (-fps_mode passthrough, not the CLI's frame rate
// conversion, as the reference has): the video only, or (`all_streams`)
// every stream. Its output, nothing but errors, in DIR/<name>.log.
class FfmpegDecoder : public Process {
 public:
  FfmpegDecoder(const TempDir& dir, const std::vector<std::string>& input, bool all_streams,
                const std::string& name = "ffmpeg")
      : Process(arguments(input, all_streams, dir.file(name + ".framemd5")),
                dir.file(name + ".log")),
        framemd5_(dir.file(name + ".framemd5")) {}
  // Every frame's hash, of all streams, in order.
  std::vector<std::string> hashes() const { return framemd5_hashes(framemd5_); }
  std::map<int, std::vector<std::string>> hashes_by_stream() const {
    return flowcast::test::hashes_by_stream(framemd5_);
  }

 private:
  static std::vector<std::string> arguments(const std::vector<std::string>& input, bool all_streams,
                                            const std::string& out) {
    std::vector<std::string> argv = {"ffmpeg", "-nostdin", "-v", "error"};
    argv.insert(argv.end(), input.begin(), input.end());
    if (all_streams)
      argv.insert(argv.end(), {"-map", "0"});
    else
      argv.push_back("-an");
    argv.insert(argv.end(), {"-fps_mode", "passthrough", "-f", "framemd5", "-y", out});
    return argv;
  }
  std::string framemd5_;
};

// ffmpeg sending `clip` in real time (-re) as RTP to 127.0.0.1:port, its
// video only, or (`audio`) its sound too, to port + 2, as a second stream;
// writing its SDP to `sdp` when that is not empty.
inline std::vector<std::string> rtp_sender(const std::string& clip, uint16_t port, bool audio,
                                           const std::string& sdp = "") {
  const std::string video_url = "rtp://127.0.0.1:" + std::to_string(port);
  std::vector<std::string> argv = {"ffmpeg", "-nostdin", "-v", "error", "-re", "-i", clip};
  if (audio)
    argv.insert(argv.end(),
                {"-map", "0:v", "-c", "copy", "-f", "rtp", video_url, "-map", "0:a", "-c", "copy",
                 "-f", "rtp", "rtp://127.0.0.1:" + std::to_string(port + 2)});
  else
    argv.insert(argv.end(), {"-an", "-c", "copy", "-f", "rtp"});
  if (!sdp.empty()) argv.insert(argv.end(), {"-sdp_file", sdp});
  if (!audio) argv.push_back(video_url);
  return argv;
}

// The SDP ffmpeg writes to send `clip` to port (as rtp_sender does), from a
// run while nobody listens: the SDP is the same for the same clip and
// addresses, and ffmpeg writes it only as it starts sending, so a receiver
// that needs it can start (and bind) before the real sender. Its text.
inline std::string rtp_sender_sdp(const std::string& clip, uint16_t port, bool audio,
                                  const std::string& sdp) {
  const std::string video_url = "rtp://127.0.0.1:" + std::to_string(port);
  if (audio)
    REQUIRE(run_shell("ffmpeg -nostdin -v error -t 0.1 -i '" + clip + "' -map 0:v -c copy -f rtp " +
                      video_url + " -map 0:a -c copy -f rtp rtp://127.0.0.1:" +
                      std::to_string(port + 2) + " -sdp_file '" + sdp + "' > /dev/null") == 0);
  else
    REQUIRE(run_shell("ffmpeg -nostdin -v error -i '" + clip + "' -an -c copy -f rtp -sdp_file '" +
                      sdp + "' -frames:v 1 " + video_url + " > /dev/null") == 0);
  return read_file(sdp);
}

// The SDP flowcast-server --push HOST:PORT writes for the file `clip`, from
// a run that stops at once: for a file it is the same every time (but for
// the clock in o=), so a receiver can start with it before the real push.
// Its text.
inline std::string push_sdp(const TempDir& dir, const std::string& clip, const std::string& push,
                            const std::string& sdp) {
  Process first({kServer, clip, "--port", std::to_string(free_port()), "--push", push, "--sdp", sdp,
                 "--duration", "100ms"},
                dir.file("first.log"));
  const auto code = first.wait_for(std::chrono::seconds(10));
  INFO(first.log());
  REQUIRE(code == 0);
  return read_file(sdp);
}

// What ffprobe finds in an RTSP DESCRIBE (over TCP): a line a stream, with
// the `entries` of -show_entries stream= ("codec_type,codec_name").
inline std::string probe_streams(const TempDir& dir, const std::string& url,
                                 const std::string& entries) {
  const std::string out = dir.file("probe.txt");
  REQUIRE(run_shell("ffprobe -v error -rtsp_transport tcp -show_entries stream=" + entries +
                    " -of csv=p=0 '" + url + "' > '" + out + "'") == 0);
  return read_file(out);
}

}  // namespace flowcast::test
