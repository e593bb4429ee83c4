#pragma once
// What the tests of flowcast-server's RTSP side share: the server on a free
// RTSP port, a raw TCP connection for what no real client sends (and the
// interleaved frames, RFC 2326 §10.12, it reads), a UDP socket that counts
// what arrives, and a session set up and played by hand.
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
#include <optional>
#include <regex>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/rtp/rtcp.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "integration/ffmpeg_peer.hpp"
#include "support/binaries.hpp"
#include "support/process.hpp"

namespace flowcast::test {

using namespace std::chrono_literals;
using nlohmann::json;

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

inline std::string request(const std::string& method, const std::string& url, int cseq,
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
inline std::vector<Interleaved> interleaved_from(const std::string& received, size_t from) {
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

inline bool holds_bye(const Interleaved& f) {
  const auto rtcp = flowcast::common::parse_rtcp(f.data);
  return f.channel == 1 && rtcp && !rtcp->byes.empty();
}

// Reads until an RTCP BYE arrives among the frames from `from` on, the
// connection closes, or `timeout` passes; returns those frames.
inline std::vector<Interleaved> frames_until_bye(RawConnection& c, size_t from,
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
inline std::vector<Interleaved> rtp_of(const std::vector<Interleaved>& frames) {
  std::vector<Interleaved> rtp;
  for (const auto& f : frames)
    if (f.channel == 0 && f.data.size() > 12) rtp.push_back(f);
  return rtp;
}
inline uint32_t rtp_timestamp(const Interleaved& f) {
  return (uint32_t{f.data[4]} << 24) | (uint32_t{f.data[5]} << 16) | (uint32_t{f.data[6]} << 8) |
         f.data[7];
}
inline std::set<uint32_t> pictures_of(const std::vector<Interleaved>& rtp) {
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
inline Played setup_and_play(RawConnection& c, const std::string& url,
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

// The RTP sequence numbers of the interleaved frames on channel 0 in what an
// RTSP connection received, in order.
inline std::vector<uint16_t> rtp_sequences(const std::string& received) {
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

}  // namespace flowcast::test
