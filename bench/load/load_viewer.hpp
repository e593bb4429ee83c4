#pragma once
// One viewer of a flowcast-load run (LoadRun): where it is in joining and
// leaving, its socket, what it counted, and its row of the results file
// (flowcast.load/1, load_report.hpp).
//
// Units: times on the steady Clock; the row's in ms since the run started.
// Threads: LoadRun's one thread.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/load/load_report.hpp"
#include "bench/load/receive_counter.hpp"
#include "common/rtp/handshake.hpp"
#include "common/rtp/rfc4571.hpp"

namespace flowcast::bench {

// waiting for its turn, handshaking (UDP: HELLO sent), connecting (TCP),
// joined, then ended; or refused (full), not answered in time (timed_out),
// or not connected (failed).
enum class ViewerState { waiting, handshaking, connecting, joined, full, timed_out, failed, ended };

// A viewer that heard nothing for this long when it left went silent.
inline constexpr auto kViewerSilence = std::chrono::seconds(2);

struct LoadViewer {
  int index = 0;
  int fd = -1;
  bool stalled = false;
  ViewerState state = ViewerState::waiting;
  uint32_t own_ssrc = 0;
  std::string local_address;
  Clock::time_point join_at{};  // when its join starts
  Clock::time_point join_started{};
  std::optional<Clock::time_point> joined_at;
  Clock::time_point next_hello{};
  Clock::time_point next_report{};
  std::optional<Clock::time_point> ended_at;
  std::string end_reason;
  bool ended_by_server = false;
  common::Cookie cookie{};
  ReceiveCounter counter;
  common::Rfc4571Deframer deframer;  // TCP
  std::vector<uint8_t> outbox;       // TCP: framed RTCP not yet written
  uint64_t dropped_kernel = 0;       // SO_RXQ_OVFL, cumulative
  uint64_t receiver_reports = 0;
};

// The results file's word for a state (ViewerRow::state): "joined" (also
// once ended), "full", "handshake_timeout", "connect_failed", "waiting"...
const char* state_name(ViewerState state);

// The viewer's row. start: when the run started (the row's times count from
// it); stop: when the run ended, where the measured window of a viewer still
// there ends. passive: the run had no server (no viewer can go silent).
ViewerRow viewer_row(const LoadViewer& v, Clock::time_point start, Clock::time_point stop,
                     bool passive);

}  // namespace flowcast::bench
