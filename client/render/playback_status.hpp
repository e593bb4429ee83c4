#pragma once
// A snapshot of what the player is doing, taken on the main thread about ten
// times a second: what the overlay draws and the status line prints.
#include <cstdint>
#include <optional>
#include <string>

#include "client/metrics/session_state.hpp"

namespace flowcast::client {

struct PlaybackStatus {
  // The session's state (metrics_document.hpp), shown in capitals.
  SessionState state = SessionState::joining;
  int buffering_percent = 0;  // JOINING, REBUFFERING: towards --buffer / --rebuffer
  uint16_t waiting_port = 0;  // WAITING: the UDP port listened on
  bool damaged_now = false;   // PLAYING: the picture shown is damaged
  double frozen_ms = 0;       // FROZEN: how long the picture has not changed
  std::string transport;
  std::string overflow;
  double t_s = 0;
  double buffer_ms = 0;
  double buffer_capacity_ms = 0;
  double buffer_mark_ms = 0;  // --buffer: what playback needs to start; adaptive: the target
  uint64_t buffer_bytes = 0;
  uint64_t buffer_capacity_bytes = 0;
  uint64_t kernel_bytes = 0;
  uint64_t kernel_capacity_bytes = 0;
  bool reader_busy = false;  // the network is not being read
  uint64_t stalls = 0;
  double stall_ms = 0;
  uint64_t freezes = 0;  // W3C freezes so far
  double freeze_ms = 0;
  int64_t lost = 0;       // RFC 3550 cumulative lost
  uint64_t received = 0;  // packets
  uint64_t late = 0;
  uint64_t dropped_kernel = 0;
  uint64_t dropped_buffer = 0;
  uint64_t rendered = 0;             // pictures shown
  uint64_t damaged = 0;              // shown corrupt or tainted, each once
  uint64_t corrupt = 0;              // shown with the decoder's error flag
  uint64_t tainted = 0;              // shown after a loss, before the next keyframe
  uint64_t dropped_late = 0;         // decoded, not shown: the next picture was already due
  std::optional<double> latency_ms;  // p50 of the recent frames; none without send times
  double psnr_db = -1;               // the latest compared picture; < 0: none
  double received_kbps = 0;
  // With sound: the A/V offset of the last picture shown (ms, + audio
  // early; none before one was measured), the output's level (RMS of the
  // last 50 ms, 0 to 1), and whether `m` muted it.
  bool audio = false;
  std::optional<double> av_offset_ms;
  double audio_level = 0;
  bool muted = false;

  // lost / (received + lost), in percent (RFC 3550's fraction lost, over
  // the whole session); 0 before any packet.
  double loss_percent() const {
    const double expected = static_cast<double>(received) + static_cast<double>(lost);
    return expected > 0 ? 100.0 * static_cast<double>(lost) / expected : 0.0;
  }
  // The state as shown: "REBUFFERING 40%", "FROZEN 1.2s", "PLAYING damaged",
  // "WAITING for RTP on UDP port 5004".
  std::string state_text() const;
};

}  // namespace flowcast::client
