// flowcast-server's RTSP side (RFC 2326) against real RTSP clients on
// loopback: ffmpeg, GStreamer's rtspsrc and flowcast-client, over RTP
// interleaved on the RTSP connection and over UDP; the link comparison
// through RTSP; and hostile connections that must not disturb a viewer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// flowcast-server playing `input` with RTSP on a free port.
class RtspServer {
 public:
  RtspServer(const TempDir& dir, const std::string& input, std::vector<std::string> extra = {})
      : rtsp_port_(free_port()) {
    std::vector<std::string> argv = {kServer,       input,
                                     "--port",      "0",
                                     "--rtsp-port", std::to_string(rtsp_port_),
                                     "--duration",  "60s",
                                     "--metrics",   dir.file("server.json")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_.emplace(argv, dir.file("server.log"));
    REQUIRE(wait_for_log(*process_, "RTSP at", 10s));
  }
  std::string url() const { return "rtsp://127.0.0.1:" + std::to_string(rtsp_port_) + "/stream"; }
  uint16_t port() const { return rtsp_port_; }
  // Stops the server (SIGTERM) and reads its metrics.
  json finish(const TempDir& dir) {
    process_->signal(SIGTERM);
    REQUIRE(process_->wait_for(10s) == 0);
    return read_json(dir.file("server.json"));
  }
  std::string log() const { return process_->log(); }

 private:
  uint16_t rtsp_port_;
  std::optional<Process> process_;
};

std::vector<std::string> reference(const TempDir& dir, const std::string& clip) {
  REQUIRE(make_reference_framemd5(clip, dir.file("reference.framemd5")));
  return framemd5_hashes(dir.file("reference.framemd5"));
}

// A raw TCP connection to the RTSP port, for what no real client sends.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~RawConnection() { close(fd_); }
  void send(const std::string& bytes) {
    // The server may already have closed: a failed send shows in what is read.
    (void)::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  // Reads until the text holds `needle`, the peer closes, or the deadline.
  std::string read_until(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.find(needle) == std::string::npos && !closed_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      received_.append(buf, static_cast<size_t>(n));
      arrivals_.emplace_back(received_.size(), std::chrono::system_clock::now());
    }
    return received_;
  }
  // When the byte at `offset` of what was received arrived (wall clock).
  std::chrono::system_clock::time_point arrival(size_t offset) const {
    for (const auto& [end, at] : arrivals_)
      if (offset < end) return at;
    return std::chrono::system_clock::time_point::max();
  }
  bool closed() const { return closed_; }
  // Waits for the server to close the connection (reading what it sends).
  bool closed_within(std::chrono::milliseconds timeout) {
    read_until("\x01never\x01", timeout);
    return closed_;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  std::string received_;
  // The end offset of each read, and when it arrived.
  std::vector<std::pair<size_t, std::chrono::system_clock::time_point>> arrivals_;
  bool closed_ = false;
};

// A UDP socket bound to address:port that counts what arrives.
class UdpWatch {
 public:
  UdpWatch(const std::string& address, uint16_t port) {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~UdpWatch() { close(fd_); }
  int received(std::chrono::milliseconds within) {
    int count = 0;
    const auto deadline = std::chrono::steady_clock::now() + within;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return count;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return count;
      char buf[2048];
      if (recv(fd_, buf, sizeof buf, 0) > 0) ++count;
    }
  }

 private:
  int fd_ = -1;
};

std::string request(const std::string& method, const std::string& url, int cseq,
                    const std::string& extra = "") {
  return method + " " + url + " RTSP/1.0\r\nCSeq: " + std::to_string(cseq) + "\r\n" + extra +
         "\r\n";
}

// An interleaved frame (RFC 2326 §10.12) as received: its channel, its
// bytes, and where it began in the connection's bytes.
struct Interleaved {
  uint8_t channel = 0;
  std::vector<uint8_t> data;
  size_t offset = 0;
};

// The interleaved frames in `received` from `from` on, up to the first
// RTSP message or the end; the responses before `from` are skipped by the
// caller (everything after a PLAY's answer is frames until a request).
std::vector<Interleaved> interleaved_from(const std::string& received, size_t from) {
  std::vector<Interleaved> frames;
  size_t at = from;
  while (at + 4 <= received.size()) {
    if (received[at] != '$') {
      // An RTSP answer in between: skip its head (no body in these tests).
      const auto end = received.find("\r\n\r\n", at);
      if (end == std::string::npos) break;
      at = end + 4;
      continue;
    }
    const size_t size =
        (static_cast<uint8_t>(received[at + 2]) << 8) | static_cast<uint8_t>(received[at + 3]);
    if (at + 4 + size > received.size()) break;
    Interleaved f;
    f.channel = static_cast<uint8_t>(received[at + 1]);
    f.data.assign(received.begin() + static_cast<std::ptrdiff_t>(at + 4),
                  received.begin() + static_cast<std::ptrdiff_t>(at + 4 + size));
    f.offset = at;
    frames.push_back(std::move(f));
    at += 4 + size;
  }
  return frames;
}

bool holds_bye(const Interleaved& f) {
  const auto rtcp = flowcast::common::parse_rtcp(f.data);
  return f.channel == 1 && rtcp && !rtcp->byes.empty();
}

// Reads until an RTCP BYE arrives among the frames from `from` on, the
// connection closes, or `timeout` passes; returns those frames.
std::vector<Interleaved> frames_until_bye(RawConnection& c, size_t from,
                                          std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto frames = interleaved_from(c.received(), from);
  while (std::none_of(frames.begin(), frames.end(), holds_bye) && !c.closed() &&
         std::chrono::steady_clock::now() < deadline) {
    c.read_until("\x01never\x01", 200ms);
    frames = interleaved_from(c.received(), from);
  }
  return frames;
}

// The RTP packets among `frames` (channel 0), and their distinct RTP
// timestamps: the pictures.
std::vector<Interleaved> rtp_of(const std::vector<Interleaved>& frames) {
  std::vector<Interleaved> rtp;
  for (const auto& f : frames)
    if (f.channel == 0 && f.data.size() > 12) rtp.push_back(f);
  return rtp;
}
uint32_t rtp_timestamp(const Interleaved& f) {
  return (uint32_t{f.data[4]} << 24) | (uint32_t{f.data[5]} << 16) | (uint32_t{f.data[6]} << 8) |
         f.data[7];
}
std::set<uint32_t> pictures_of(const std::vector<Interleaved>& rtp) {
  std::set<uint32_t> pictures;
  for (const auto& f : rtp) pictures.insert(rtp_timestamp(f));
  return pictures;
}

// A session set up (interleaved 0-1) and played.
struct Played {
  std::string session;     // the Session header line to send with later requests
  size_t stream_from = 0;  // where the bytes after the PLAY answer begin
};

// SETUP then PLAY with `play_headers`; leaves the PLAY answer read.
Played setup_and_play(RawConnection& c, const std::string& url,
                      const std::string& play_headers = "") {
  const size_t before = c.received().size();
  c.send(
      request("SETUP", url + "/track1", 1, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
  c.read_until("CSeq: 1\r\n", 5s);
  const std::string setup = c.read_until("\r\n\r\n", 5s).substr(before);
  REQUIRE(setup.rfind("RTSP/1.0 200 OK", 0) == 0);
  std::smatch id;
  REQUIRE(std::regex_search(setup, id, std::regex("Session: ([0-9A-F]+)")));
  const std::string session = "Session: " + id[1].str() + "\r\n";
  c.send(request("PLAY", url, 2, session + play_headers));
  c.read_until("CSeq: 2", 5s);
  const size_t answer = c.received().find("CSeq: 2", before);
  return {session, c.received().find("\r\n\r\n", answer) + 4};
}

}  // namespace

TEST_CASE("ffmpeg plays flowcast-server's RTSP stream bit-exact over TCP and UDP",
          "[peer][rtsp][rtsp-server]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("-rtsp_transport " << lower);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 2));
  RtspServer server(dir, clip);
  Process ffmpeg({"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", lower, "-i", server.url(),
                  "-an", "-fps_mode", "passthrough", "-f", "framemd5", dir.file("got.framemd5")},
                 dir.file("ffmpeg.log"));
  const auto code = ffmpeg.wait_for(30s);
  INFO(ffmpeg.log());
  INFO(server.log());
  REQUIRE(code == 0);
  CHECK(framemd5_hashes(dir.file("got.framemd5")) == reference(dir, clip));
  const json metrics = server.finish(dir);
  INFO(metrics.dump(1));
  REQUIRE(metrics["sessions"].size() == 1);
  CHECK(metrics["sessions"][0]["protocol"] == "rtsp");
  CHECK(metrics["sessions"][0]["transport"] == lower);
  CHECK(metrics["rtsp"]["requests"].get<int>() >= 4);
  CHECK(metrics["rtsp"]["bad_requests"] == 0);
}

TEST_CASE("an H.265 file goes out over RTSP as it is: ffmpeg plays it bit-exact",
          "[peer][rtsp][rtsp-server]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("-rtsp_transport " << lower);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 2 "
                    "-c:v libx265 -x265-params log-level=error -bf 2 -g 30 -pix_fmt yuv420p "
                    "-tag:v hvc1 '" +
                    clip + "'") == 0);
  RtspServer server(dir, clip);
  Process ffmpeg({"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", lower, "-i", server.url(),
                  "-an", "-fps_mode", "passthrough", "-f", "framemd5", dir.file("got.framemd5")},
                 dir.file("ffmpeg.log"));
  const auto code = ffmpeg.wait_for(30s);
  INFO(ffmpeg.log());
  INFO(server.log());
  REQUIRE(code == 0);
  CHECK(framemd5_hashes(dir.file("got.framemd5")) == reference(dir, clip));
}

TEST_CASE("GStreamer's rtspsrc decodes every picture of flowcast-server's RTSP stream",
          "[peer][rtsp][rtsp-server]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("protocols=" << lower);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 2));
  RtspServer server(dir, clip);
  // fakesink's last-message, printed by -v, has one "chain" line per picture.
  Process gst({"gst-launch-1.0", "-v", "rtspsrc", "location=" + server.url(), "protocols=" + lower,
               "!", "rtph264depay", "!", "avdec_h264", "!", "fakesink", "silent=false"},
              dir.file("gst.log"));
  const auto code = gst.wait_for(30s);
  const std::string log = gst.log();
  INFO(server.log());
  REQUIRE(code == 0);
  size_t pictures = 0;
  for (size_t at = log.find("last-message = chain"); at != std::string::npos;
       at = log.find("last-message = chain", at + 1))
    ++pictures;
  CHECK(pictures == 60);
  // Played to its end without a word of complaint: the connection and the
  // session last until the player's own TEARDOWN.
  CHECK(log.find("WARNING") == std::string::npos);
  CHECK(log.find("Could not read from resource") == std::string::npos);
  const json metrics = server.finish(dir);
  INFO(metrics.dump(1));
  CHECK(metrics["sessions"][0]["transport"] == lower);
  CHECK(metrics["rtsp"]["error_responses"] == 0);
  CHECK(metrics["rtsp"]["connections"] == 1);
}

TEST_CASE("a DESCRIBE sent before the live pattern's first keyframe gets the SDP, not 503",
          "[integration][rtsp-server]") {
  // The H.265 encoder at 1280x720 takes a while over its first picture; a
  // client that connects as soon as the server says where it listens waits
  // for the description instead of being refused (ffmpeg gives up on 503).
  TempDir dir;
  const uint16_t rtsp_port = free_port();
  const std::string url = "rtsp://127.0.0.1:" + std::to_string(rtsp_port) + "/stream";
  Process server({kServer, "--pattern", "1280x720@30", "--codec", "h265", "--port", "0",
                  "--rtsp-port", std::to_string(rtsp_port), "--duration", "30s"},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "RTSP at", 10s));
  RawConnection c(rtsp_port);
  c.send(request("DESCRIBE", url, 1, "Accept: application/sdp\r\n"));
  const std::string answer = c.read_until("a=control", 20s);
  INFO(answer);
  INFO(server.log());
  CHECK(answer.rfind("RTSP/1.0 200 OK", 0) == 0);
  CHECK(answer.find("H265/90000") != std::string::npos);
  server.signal(SIGTERM);
  CHECK(server.wait_for(10s) == 0);
}

TEST_CASE("an RTSP session outlives its file: BYE, then PAUSE, PLAY again and TEARDOWN",
          "[integration][rtsp][rtsp-server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 0));
  RtspServer server(dir, clip);
  const std::string url = server.url();
  RawConnection c(server.port());
  c.send(request("DESCRIBE", url, 0, "Accept: application/sdp\r\n"));
  // RFC 2326 Appendix C.1.5: the file's length, for players to show.
  CHECK(c.read_until("a=control", 5s).find("a=range:npt=0-2.000") != std::string::npos);
  const size_t described = c.received().size();
  const auto [session, playing] = setup_and_play(c, url);
  CHECK(c.received().substr(described).find("Range: npt=0.000-2.000") != std::string::npos);

  // The file's end is an RTCP BYE; the connection stays open.
  const auto first = frames_until_bye(c, playing, 8s);
  REQUIRE(std::any_of(first.begin(), first.end(), holds_bye));
  c.read_until("\x01never\x01", 1s);
  CHECK_FALSE(c.closed());

  c.send(request("PAUSE", url, 3, session));
  CHECK(c.read_until("CSeq: 3", 5s).find("RTSP/1.0 200 OK\r\nCSeq: 3") != std::string::npos);
  // PLAY at the end starts the file again, and says so.
  const size_t before_replay = c.received().size();
  c.send(request("PLAY", url, 4, session));
  c.read_until("CSeq: 4", 5s);
  const std::string replay = c.received().substr(before_replay);
  CHECK(replay.find("RTSP/1.0 200 OK\r\nCSeq: 4") != std::string::npos);
  CHECK(replay.find("Range: npt=0.000-2.000") != std::string::npos);
  const size_t replaying = c.received().find("\r\n\r\n", before_replay) + 4;
  const auto again = frames_until_bye(c, replaying, 8s);
  REQUIRE(std::any_of(again.begin(), again.end(), holds_bye));
  const auto rtp = rtp_of(again);
  CHECK(pictures_of(rtp).size() == 60);  // the whole 2 s file again
  CHECK(rtp.size() >= 60);

  c.send(request("TEARDOWN", url, 5, session));
  CHECK(c.read_until("CSeq: 5", 5s).find("RTSP/1.0 200 OK\r\nCSeq: 5") != std::string::npos);
  const json metrics = server.finish(dir);
  INFO(metrics.dump(1));
  CHECK(metrics["rtsp"]["error_responses"] == 0);
}

TEST_CASE("RTSP PLAY with a Range starts a file at the keyframe at or before it",
          "[integration][rtsp][rtsp-server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  // A keyframe every 2 s: at 0, 2, 4 and 6 s of 8.
  REQUIRE(make_clip(clip, "320x240", 30, 8, 0));
  RtspServer server(dir, clip);
  const std::string url = server.url();
  RawConnection c(server.port());
  const size_t playing = setup_and_play(c, url, "Range: npt=5-\r\n").stream_from;
  const std::string& got = c.received();
  CHECK(got.find("Range: npt=4.000-8.000") != std::string::npos);
  std::smatch info;
  REQUIRE(
      std::regex_search(got, info, std::regex("RTP-Info: url=[^;]+;seq=(\\d+);rtptime=(\\d+)")));
  const auto seq = static_cast<uint16_t>(std::stoul(info[1].str()));
  const auto rtptime = static_cast<uint32_t>(std::stoul(info[2].str()));
  // Until the BYE: 4 s of pictures from the keyframe at 4 s.
  const auto rtp = rtp_of(frames_until_bye(c, playing, 10s));
  REQUIRE(!rtp.empty());
  const auto& first = rtp.front().data;
  CHECK(((first[2] << 8) | first[3]) == seq);
  // The first picture is the one RTP-Info names: at npt 4.000.
  CHECK(rtp_timestamp(rtp.front()) == rtptime);
  // It opens a keyframe: SPS (7), a STAP-A of parameter sets (24) or an IDR (5).
  const auto parsed = flowcast::common::parse_rtp(first);
  REQUIRE(parsed);
  REQUIRE(parsed->payload.size() > 2);
  const int nal = parsed->payload[0] & 0x1f;
  INFO("NAL unit type " << nal);
  CHECK((nal == 7 || nal == 24 || nal == 5));
  CHECK(pictures_of(rtp).size() == 120);
  CHECK(server.finish(dir)["rtsp"]["error_responses"] == 0);
}

TEST_CASE("RTCP crosses the emulated link: sender reports are no earlier than the media",
          "[integration][rtsp][rtsp-server][link]") {
  // With --link-delay 200ms every RTP packet arrives 200 ms after it left;
  // a sender report that skipped the link would arrive at once, ahead of
  // the media it describes (RFC 3550 §6.4.1).
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 4, 0));
  RtspServer server(dir, clip, {"--link-delay", "200ms"});
  RawConnection c(server.port());
  const size_t playing = setup_and_play(c, server.url()).stream_from;
  c.read_until("\x01never\x01", 2500ms);
  size_t reports = 0;
  for (const auto& f : interleaved_from(c.received(), playing)) {
    if (f.channel != 1) continue;
    const auto rtcp = flowcast::common::parse_rtcp(f.data);
    REQUIRE(rtcp);
    for (const auto& sr : rtcp->sender_reports) {
      // The NTP time is the server's wall clock when it sent the report.
      constexpr uint64_t kUnixToNtp = 2'208'988'800ULL;
      const auto sent = std::chrono::system_clock::time_point(
          std::chrono::microseconds(((sr.ntp_time >> 32) - kUnixToNtp) * 1'000'000 +
                                    (((sr.ntp_time & 0xFFFFFFFFULL) * 1'000'000) >> 32)));
      const auto delay = c.arrival(f.offset) - sent;
      INFO("sender report after "
           << std::chrono::duration_cast<std::chrono::milliseconds>(delay).count() << " ms");
      CHECK(delay >= 190ms);
      ++reports;
    }
  }
  CHECK(reports >= 4);  // four a second
}

TEST_CASE("flowcast-client plays flowcast-server over RTSP bit-exact over TCP and UDP",
          "[integration][rtsp][rtsp-server]") {
  const std::string lower = GENERATE("tcp", "udp");
  INFO("--transport " << lower);
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 2));
  RtspServer server(dir, clip);
  Process client({kClient, server.url(), "--transport", lower, "--headless", "--framemd5",
                  dir.file("got.framemd5"), "--metrics", dir.file("m.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(30s);
  INFO(client.log());
  INFO(server.log());
  REQUIRE(code == 0);
  const json m = read_client_metrics(dir.file("m.json"));
  INFO(m.dump(1));
  CHECK(framemd5_hashes(dir.file("got.framemd5")) == reference(dir, clip));
  CHECK(m["session"]["protocol"] == "rtsp");
  CHECK(m["transport"] == lower);
  CHECK(m["packets"]["lost"] == 0);
  const json s = server.finish(dir);
  INFO(s.dump(1));
  REQUIRE(s["sessions"].size() == 1);
  CHECK(s["sessions"][0]["protocol"] == "rtsp");
  CHECK(s["sessions"][0]["receiver_reports"].get<int>() > 0);
}

// The RTP sequence numbers of the interleaved frames on channel 0 in what an
// RTSP connection received, in order.
std::vector<uint16_t> rtp_sequences(const std::string& received) {
  flowcast::common::RtspStreamReader reader;
  std::vector<flowcast::common::RtspStreamReader::Item> items;
  reader.feed(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(received.data()), received.size()),
      items);
  std::vector<uint16_t> sequences;
  for (const auto& item : items) {
    const auto* frame = std::get_if<flowcast::common::InterleavedFrame>(&item);
    if (frame && frame->channel == 0 && frame->data.size() >= 12)
      sequences.push_back(static_cast<uint16_t>((frame->data[2] << 8) | frame->data[3]));
  }
  return sequences;
}

TEST_CASE("RTSP PAUSE holds a file and PLAY goes on from there",
          "[integration][rtsp][rtsp-server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 4, 0));
  RtspServer server(dir, clip);
  RawConnection c(server.port());
  const std::string url = server.url();
  c.send(
      request("SETUP", url + "/track1", 1, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
  const std::string setup = c.read_until("\r\n\r\n", 5s);
  REQUIRE(setup.rfind("RTSP/1.0 200 OK", 0) == 0);
  CHECK(setup.find("interleaved=0-1") != std::string::npos);
  CHECK(setup.find("timeout=60") != std::string::npos);
  std::smatch id;
  REQUIRE(std::regex_search(setup, id, std::regex("Session: ([0-9A-F]+)")));
  const std::string session = "Session: " + id[1].str() + "\r\n";
  c.send(request("PLAY", url, 2, session));
  c.read_until("RTP-Info", 5s);
  std::this_thread::sleep_for(1s);
  c.send(request("PAUSE", url, 3, session));
  c.read_until("CSeq: 3", 5s);
  // What was crossing the link when PAUSE came arrives; then no RTP (the
  // RTCP sender reports go on).
  c.read_until("\x01never\x01", 300ms);
  const size_t paused = c.received().size();
  const size_t rtp_at_pause = rtp_sequences(c.received()).size();
  c.read_until("\x01never\x01", 1500ms);
  const auto before = rtp_sequences(c.received());
  CHECK(before.size() == rtp_at_pause);
  REQUIRE(before.size() > 10);
  c.send(request("PLAY", url, 4, session));
  c.read_until("CSeq: 4", 5s);
  c.read_until("\x01never\x01", 1s);
  const auto after = rtp_sequences(c.received());
  CHECK(after.size() > before.size() + 10);
  // The file goes on where it stopped: RTP-Info names the next sequence
  // number, and none is skipped.
  std::smatch info;
  const std::string tail = c.received().substr(paused);
  REQUIRE(std::regex_search(tail, info, std::regex("RTP-Info: url=[^;]+;seq=(\\d+);rtptime=\\d+")));
  CHECK(std::stoi(info[1].str()) == static_cast<uint16_t>(before.back() + 1));
  size_t skipped = 0;
  for (size_t i = 1; i < after.size(); ++i)
    if (after[i] != static_cast<uint16_t>(after[i - 1] + 1)) ++skipped;
  CHECK(skipped == 0);
  CHECK(tail.find("Range: npt=") != std::string::npos);
  c.send(request("TEARDOWN", url, 5, session));
  CHECK(c.read_until("CSeq: 5", 5s).find("CSeq: 5") != std::string::npos);
}

TEST_CASE("hostile RTSP connections are answered or closed, and a viewer plays on clean",
          "[integration][rtsp][rtsp-server][hostile]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 14, 0));
  RtspServer server(dir, clip);
  Process viewer({kClient, server.url(), "--transport", "tcp", "--headless", "--framemd5",
                  dir.file("got.framemd5"), "--metrics", dir.file("m.json")},
                 dir.file("client.log"));
  const std::string url = server.url();

  // Sends half a request and stops: closed after the request timeout (10 s).
  RawConnection half(server.port());
  half.send("DESCRIBE " + url + " RTSP/1.0\r\nCSeq: 1\r\nAcc");
  const auto half_since = std::chrono::steady_clock::now();

  {  // A malformed request line: 400, then the connection ends.
    RawConnection c(server.port());
    c.send("HELLO THERE\r\n\r\n");
    CHECK(c.read_until("\r\n\r\n", 5s).rfind("RTSP/1.0 400", 0) == 0);
    CHECK(c.closed_within(5s));
  }
  {  // No CSeq: 400, and the connection goes on.
    RawConnection c(server.port());
    c.send("OPTIONS " + url + " RTSP/1.0\r\n\r\n");
    CHECK(c.read_until("\r\n\r\n", 5s).rfind("RTSP/1.0 400", 0) == 0);
    c.send(request("OPTIONS", url, 2));
    CHECK(c.read_until("Public:", 5s).find("GET_PARAMETER") != std::string::npos);
    c.send(request("FROBNICATE", url, 3));
    CHECK(c.read_until("CSeq: 3", 5s).find("RTSP/1.0 501") != std::string::npos);
    c.send(request("PLAY", url, 4, "Session: 0123456789ABCDEF\r\n"));
    CHECK(c.read_until("CSeq: 4", 5s).find("RTSP/1.0 454") != std::string::npos);
    c.send(request("SETUP", url, 5, "Transport: RTP/AVP;multicast;port=5000-5001\r\n"));
    CHECK(c.read_until("CSeq: 5", 5s).find("RTSP/1.0 461") != std::string::npos);
  }
  {  // An oversized header: 400 or closed, never an answer to it.
    RawConnection c(server.port());
    c.send("OPTIONS " + url + " RTSP/1.0\r\nCSeq: 1\r\nX-Big: " + std::string(20000, 'a') +
           "\r\n\r\n");
    const bool closed = c.closed_within(5s);
    CHECK(closed);
    CHECK(c.received().find("200 OK") == std::string::npos);
  }
  {  // UDP media aimed at another address: refused, and nothing goes there.
    const uint16_t port = free_port();
    UdpWatch elsewhere("127.0.0.2", port);
    RawConnection c(server.port());
    c.send(request("SETUP", url + "/track1", 1,
                   "Transport: RTP/AVP;unicast;destination=127.0.0.2;client_port=" +
                       std::to_string(port) + "-" + std::to_string(port + 1) + "\r\n"));
    CHECK(c.read_until("\r\n\r\n", 5s).rfind("RTSP/1.0 461", 0) == 0);
    c.send(request("PLAY", url, 2));
    c.read_until("CSeq: 2", 5s);
    CHECK(elsewhere.received(500ms) == 0);
  }
  {  // client_port on another address's behalf: the stream goes to the asker only.
    const uint16_t port = free_port();
    UdpWatch other("127.0.0.2", port);
    UdpWatch asker("127.0.0.1", port);
    RawConnection c(server.port());
    c.send(request("SETUP", url + "/track1", 1,
                   "Transport: RTP/AVP;unicast;client_port=" + std::to_string(port) + "-" +
                       std::to_string(port + 1) + "\r\n"));
    const std::string setup = c.read_until("\r\n\r\n", 5s);
    REQUIRE(setup.rfind("RTSP/1.0 200", 0) == 0);
    std::smatch id;
    REQUIRE(std::regex_search(setup, id, std::regex("Session: ([0-9A-F]+)")));
    c.send(request("PLAY", url, 2, "Session: " + id[1].str() + "\r\n"));
    CHECK(asker.received(1s) > 0);
    CHECK(other.received(200ms) == 0);
  }
  CHECK(half.closed_within(15s));
  const double half_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - half_since).count();
  CHECK(half_s >= 9.0);
  CHECK(half_s < 13.0);

  const auto code = viewer.wait_for(30s);
  INFO(viewer.log());
  INFO(server.log());
  REQUIRE(code == 0);
  const json m = read_client_metrics(dir.file("m.json"));
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["stalls"]["count"] == 0);
  CHECK(framemd5_hashes(dir.file("got.framemd5")) == reference(dir, clip));
  const json s = server.finish(dir);
  INFO(s.dump(1));
  CHECK(s["rtsp"]["bad_requests"].get<int>() >= 3);
  CHECK(s["rtsp"]["timed_out"].get<int>() >= 1);
}

TEST_CASE("RTSP sessions count against --max-clients, and --transport bounds SETUP",
          "[integration][rtsp][rtsp-server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 0));
  RtspServer server(dir, clip, {"--max-clients", "1", "--transport", "tcp"});
  const std::string url = server.url();
  RawConnection first(server.port());
  first.send(request("SETUP", url + "/track1", 1,
                     "Transport: RTP/AVP;unicast;client_port=40000-40001\r\n"));
  // Only TCP is served: UDP is an unsupported transport.
  CHECK(first.read_until("CSeq: 1", 5s).find("RTSP/1.0 461") != std::string::npos);
  first.send(
      request("SETUP", url + "/track1", 2, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
  CHECK(first.read_until("CSeq: 2", 5s).find("RTSP/1.0 200") != std::string::npos);
  RawConnection second(server.port());
  second.send(
      request("SETUP", url + "/track1", 1, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
  CHECK(second.read_until("CSeq: 1", 5s).find("RTSP/1.0 503") != std::string::npos);
  const json s = server.finish(dir);
  INFO(s.dump(1));
  CHECK(s["refused_full"] == 1);
  CHECK(s["sessions"].size() == 1);
}

TEST_CASE("over RTSP interleaved, a consumer pause holds the file back and loses nothing",
          "[integration][rtsp][rtsp-server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 6 "
                    "-c:v libx264 -preset veryfast -b:v 2M -maxrate 2M -bufsize 1M -bf 2 -g 60 "
                    "-pix_fmt yuv420p '" +
                    clip + "'") == 0);
  RtspServer server(dir, clip);
  Process client({kClient, server.url(), "--transport", "tcp", "--headless", "--buffer", "500ms",
                  "--buffer-max", "1s", "--consumer-pause", "2s+2s", "--framemd5",
                  dir.file("got.framemd5"), "--metrics", dir.file("c.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(40s);
  INFO(client.log());
  REQUIRE(code == 0);
  const json m = read_json(dir.file("c.json"));
  INFO(m.dump(1));
  CHECK(m["stalls"]["count"].get<int>() >= 1);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(framemd5_hashes(dir.file("got.framemd5")) == reference(dir, clip));
  const json s = server.finish(dir);
  INFO(s.dump(1));
  // The client's closed window held the server back on the RTSP connection
  // (the kernel's send buffer, then the connection's queue, hold the file).
  const json& session = s["sessions"][0];
  CHECK(session["protocol"] == "rtsp");
  CHECK(session["rwnd_limited_ms"].get<double>() + session["held_back_ms"].get<double>() > 100);
}

namespace {

struct LinkResult {
  json client;
  json server;
};

// A 10 s clip at about 2 Mbit/s through the server's emulated link, played
// by flowcast-client over RTSP with --buffer 1s (as tests/integration/
// test_link.cpp does over flowcast's own protocol).
LinkResult play_rtsp_through_link(const std::string& transport,
                                  const std::vector<std::string>& link_args) {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 10 "
                    "-c:v libx264 -preset veryfast -b:v 2M -maxrate 2M -bufsize 1M -bf 2 -g 60 "
                    "-pix_fmt yuv420p '" +
                    clip + "'") == 0);
  RtspServer server(dir, clip, link_args);
  Process client({kClient, server.url(), "--transport", transport, "--headless", "--buffer", "1s",
                  "--metrics", dir.file("client.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(60s);
  INFO(client.log());
  REQUIRE(code == 0);
  return {read_client_metrics(dir.file("client.json")), server.finish(dir)};
}

}  // namespace

TEST_CASE("through RTSP, a link capped at 70% of the bitrate: TCP stalls and loses nothing",
          "[integration][link][rtsp][rtsp-server][long]") {
  auto r = play_rtsp_through_link("tcp", {"--link-rate", "1.4M"});
  INFO(r.client.dump(1));
  INFO(r.server.dump(1));
  CHECK(r.client["transport"] == "tcp");
  CHECK(r.client["stalls"]["count"].get<int>() >= 1);
  CHECK(r.client["packets"]["lost"] == 0);
  CHECK(r.client["frames"]["corrupt"] == 0);
  CHECK(r.server["link"]["dropped_queue"] == 0);
  CHECK(r.server["link"]["delayed"].get<int>() > 0);
  CHECK(r.server["sessions"][0]["protocol"] == "rtsp");
  CHECK(r.server["sessions"][0]["held_back_ms"].get<double>() > 0);
}

TEST_CASE("through RTSP, a link capped at 70% of the bitrate: UDP loses and never stalls",
          "[integration][link][rtsp][rtsp-server][long]") {
  auto r = play_rtsp_through_link("udp", {"--link-rate", "1.4M"});
  INFO(r.client.dump(1));
  INFO(r.server.dump(1));
  CHECK(r.client["transport"] == "udp");
  CHECK(r.client["stalls"]["count"] == 0);
  CHECK(r.client["packets"]["lost"].get<int>() > 0);
  CHECK(r.client["frames"]["corrupt"].get<int>() + r.client["frames"]["tainted"].get<int>() > 0);
  const int link_dropped =
      r.server["link"]["dropped_queue"].get<int>() + r.server["link"]["dropped_loss"].get<int>();
  CHECK(link_dropped > 0);
  CHECK(std::abs(r.client["packets"]["lost"].get<int>() - link_dropped) <= 10);
  CHECK(r.server["sessions"][0]["protocol"] == "rtsp");
}

TEST_CASE("flowcast-server relays GStreamer's RTSP server live, and adds no loss",
          "[peer][rtsp][rtsp-server][relay]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  // A keyframe every half second: a viewer joins the live relay at the next.
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 6 "
                    "-c:v libx264 -g 15 -bf 0 -pix_fmt yuv420p '" +
                    clip + "'") == 0);
  const uint16_t gst_port = free_port();
  Process gst(
      {"/usr/bin/python3", std::string(FLOWCAST_SOURCE_DIR) + "/tests/peers/gst_rtsp_server.py",
       "--port", std::to_string(gst_port), "--file", clip},
      dir.file("gst-rtsp-server.log"));
  REQUIRE(wait_for_log(gst, "ready", 10s));
  const std::string source = "rtsp://127.0.0.1:" + std::to_string(gst_port) + "/stream";
  const auto port = std::to_string(free_port());
  Process server({kServer, source, "--port", port, "--rtsp-port", "0", "--duration", "30s",
                  "--metrics", dir.file("server.json")},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 15s));
  CHECK(server.log().find("relayed live") != std::string::npos);
  Process client({kClient, "127.0.0.1:" + port, "--transport", "tcp", "--headless", "--metrics",
                  dir.file("m.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(30s);
  INFO(client.log());
  INFO(server.log());
  REQUIRE(code == 0);
  const json m = read_client_metrics(dir.file("m.json"));
  INFO(m.dump(1));
  // The relay ends with its source, about 6 s in: most of it is shown.
  CHECK(m["frames"]["rendered"].get<int>() >= 60);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["frames"]["corrupt"] == 0);
  REQUIRE(server.wait_for(10s) == 0);
  CHECK(server.log().find("the source ended") != std::string::npos);
}
