#pragma once
// flowcast-load's options, as main.cpp parses them (CLI11) and LoadRun uses
// them. Times are in microseconds, rates in viewers per second.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace flowcast::bench {

enum class LoadTransport { udp, tcp };

struct LoadOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 5004;
  LoadTransport transport = LoadTransport::udp;
  int viewers = 100;
  // Joins are spread: viewer i starts joining at i / join_rate seconds.
  double join_rate = 200;
  // How long the run goes on after the last viewer started to join; then
  // every viewer leaves (BYE) and the tool exits.
  std::chrono::microseconds duration = std::chrono::seconds(10);
  // Viewers that misbehave: the last `stalled` ones. Over TCP they never read
  // their socket (they still send receiver reports) and take the smallest
  // receive buffer, so the stall reaches the server soon; over UDP they never
  // send RTCP, so the server should end them after 5 s.
  int stalled = 0;
  // No server: bind UDP ports passive_port .. passive_port + viewers - 1 on
  // 127.0.0.1 and count what arrives (a sender with a list of clients).
  std::optional<uint16_t> passive_port;
  // The warm-up: packets count in the measured window from this long after
  // a viewer's join.
  std::chrono::microseconds measure_after = std::chrono::seconds(2);
  // SO_RCVBUF asked for on every socket, in bytes (the kernel doubles it
  // for its bookkeeping, and caps it at net.core.rmem_max).
  int rcvbuf_bytes = 256 * 1024;
  std::string json_path;  // empty: no JSON file
  bool quiet = false;     // no summary on stderr
};

}  // namespace flowcast::bench
