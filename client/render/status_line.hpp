#pragma once
// The terminal side of the player: a live status line on stderr (refreshed in
// place about 4 times a second on a terminal; otherwise one plain line a
// second and one more whenever the session's state changes, so a log holds
// every state the session entered; nothing with --quiet), and the summary
// table at exit.
// Main thread only.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "client/metrics/metrics_document.hpp"
#include "client/render/playback_status.hpp"

namespace flowcast::client {

// One line with the same figures as the overlay, at most `width` characters
// (0: no limit). It gives the long form when it fits, a compact one (short
// labels) when not, and then leaves out the least important fields (PSNR,
// drops, the transport, latency, kernel, ...) until it fits: on a terminal it
// never wraps, so the refresh in place stays on one line.
std::string format_status(const PlaybackStatus& s, size_t width = 0);
// The summary table of a run, from its metrics.
std::string format_summary(const MetricsDocument& metrics);

class StatusLine {
 public:
  // out: where to print (stderr); tty: refresh in place, as wide as the
  // terminal (TIOCGWINSZ, read at every refresh, so a resize is followed).
  StatusLine(FILE* out, bool tty, bool quiet);
  // Prints if it is time to: on a terminal every 250 ms; otherwise every
  // second, and at once when s.state differs from the state last printed
  // (the caller's cadence, 10 Hz, bounds those lines). now: steady clock.
  void update(const PlaybackStatus& s, std::chrono::steady_clock::time_point now);
  // Says something on a line of its own (an event), above the status line.
  void note(const std::string& message);
  // Ends the in-place line so what follows starts on a fresh one.
  void finish();

 private:
  size_t width() const;
  FILE* out_;
  bool tty_;
  bool quiet_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point next_{};
  std::optional<SessionState> printed_state_;
};

}  // namespace flowcast::client
