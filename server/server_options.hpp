#pragma once
// flowcast-server's settings, as parsed from the command line (main.cpp).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/util/units.hpp"
#include "media/payload/payload_format.hpp"
#include "server/session/session.hpp"

namespace flowcast::server {

enum class TransportSet { tcp, udp, both };

struct ServerOptions {
  std::optional<std::string> input;  // none: the built-in live test pattern
  TransportSet transport = TransportSet::both;
  std::string bind = "127.0.0.1";
  uint16_t port = 5004;
  // RTSP (RFC 2326) listener; 0: none. When not given on the command line, a
  // taken port only turns RTSP off (with a warning).
  uint16_t rtsp_port = 8554;
  bool rtsp_port_given = false;
  int width = 1280;
  int height = 720;
  int fps = 30;
  int64_t bitrate = 4'000'000;
  int gop = 0;  // 0: two seconds
  // --codec h264|h265: what the pattern is encoded as (libx264 or libx265).
  const media::PayloadFormat* pattern_format = &media::preferred_payload_format();
  bool loop = false;
  // --no-audio: a file's audio track is not sent, the pattern has no sound
  // (DESIGN.md's command line).
  bool no_audio = false;
  bool live = false;
  size_t mtu = 1200;
  int max_clients = 64;
  // --egress-limit: every session's bytes together, in bits per second; past
  // it the server is overloaded (LoadMonitor). None: only the CPU limits.
  std::optional<int64_t> egress_limit_bps;
  std::optional<std::chrono::microseconds> duration;
  std::optional<std::string> metrics_path;
  std::optional<std::string> sdp_path;   // --sdp: the stream's SDP file
  std::optional<common::HostPort> push;  // --push: plain RTP over UDP there
  // Bytes a TCP session may hold unsent before it counts as held back.
  size_t tcp_send_queue_bytes = 256 * 1024;
  bool quiet = false;
  Pacing pacing = Pacing::smooth;
  common::LinkConfig link;  // per session
};

}  // namespace flowcast::server
