#pragma once
// The session's figures at its end (DESIGN.md "Sessions and their states"):
// which of CTA-2066's outcomes it had, its time in each state, which stalls
// count as rebuffering and the rebuffering ratio. A pure function of what the
// player recorded, so every edge of a session is unit-tested with time points
// built by hand.
//
// Rules, with their sources:
//  - startup (CTA-2066 video start time, ExoPlayer's joining state): launch
//    to the first picture shown; null when none was. With --listen the
//    client cannot ask for the stream, so it counts from the first packet
//    received, and the time before it is `waiting`.
//  - No picture shown: a video start failure (CTA-2066 5.4) when the stream
//    or an error ended the session, an exit before video start (5.5) when the
//    viewer did (--duration, q, a signal). The whole session is joining; the
//    rebuffering ratio is null.
//  - A stall that was still in progress when the stream's end became known
//    (BYE, TEARDOWN, the sender closing or going silent, a lost connection)
//    is not a stall: the player was waiting for a stream that had ended. Its
//    time is `ended`, it is left out of stalls and of the ratio.
//  - rebuffering ratio: stall time / (play time + stall time), ExoPlayer's
//    PlaybackStats.getRebufferTimeRatio().
//  - States never overlap: joining, then ended (the waiting above), then
//    rebuffering (a counted stall), then frozen (a W3C webrtc-stats freeze
//    that no stall caused, i.e. one that overlaps none), and playing for the
//    rest.
//
// Plain values; any thread.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "client/metrics/metrics_document.hpp"

namespace flowcast::client {

using SteadyTime = std::chrono::steady_clock::time_point;

struct TimeInterval {
  SteadyTime start;
  SteadyTime end;
};

// What the player recorded over one session.
struct SessionRecord {
  SteadyTime launched;
  SteadyTime finished;                      // when the session ended
  std::optional<SteadyTime> first_picture;  // the first picture shown
  // --listen: the first packet. Joining (and startup) begin there; the time
  // before it is `waiting` for a sender, not the session's startup.
  std::optional<SteadyTime> joining_from;
  std::vector<TimeInterval> stalls;           // every stall, closed at `finished` at the latest
  std::chrono::microseconds play_time{0};     // playing, stalls excluded (the playout clock's)
  std::vector<TimeInterval> freezes;          // W3C freezes: gaps between shown pictures
  std::optional<SteadyTime> stream_end_seen;  // when the stream's end became known
  EndedBy ended_by = EndedBy::error;
  std::string protocol = "flowcast";
};

// How long after the stream's end became known a stall may have closed and
// still be the wait for that end: the end reaches the render loop (which
// notices it) and the decode thread (which closes the stall) separately.
inline constexpr std::chrono::milliseconds kStreamEndTolerance{50};

struct SessionOutcome {
  SessionFigures session;
  std::optional<double> startup_ms;
  std::vector<size_t> counted_stalls;  // indices into SessionRecord::stalls
  double stall_ms = 0;                 // of the counted stalls
  std::optional<double> rebuffering_ratio;
};

SessionOutcome account_session(const SessionRecord& record);

}  // namespace flowcast::client
