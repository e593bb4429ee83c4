#pragma once
// A snapshot of what the player is doing, taken on the main thread about ten
// times a second: what the overlay draws and the status line prints.
#include <cstdint>
#include <string>

namespace flowcast::client {

struct PlaybackStatus {
  std::string state = "BUFFERING";  // PLAYING, BUFFERING, FROZEN, ENDED
  int buffering_percent = 0;        // towards --buffer / --rebuffer
  std::string transport;
  std::string overflow;
  double t_s = 0;
  double buffer_ms = 0;
  double buffer_capacity_ms = 0;
  double buffer_mark_ms = 0;        // --buffer: what playback needs to start
  uint64_t buffer_bytes = 0;
  uint64_t buffer_capacity_bytes = 0;
  uint64_t kernel_bytes = 0;
  uint64_t kernel_capacity_bytes = 0;
  bool reader_busy = false;         // the network is not being read
  uint64_t stalls = 0;
  double stall_ms = 0;
  int64_t lost = 0;
  uint64_t late = 0;
  uint64_t dropped_kernel = 0;
  uint64_t dropped_buffer = 0;
  uint64_t corrupt = 0;
  uint64_t tainted = 0;
  double latency_ms = 0;            // p50 of the recent frames
  double psnr_db = -1;              // the latest compared picture; < 0: none
  double received_kbps = 0;
};

}  // namespace flowcast::client
