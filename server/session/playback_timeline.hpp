#pragma once
// A file session's pacing clock: when each frame is due, from the file's
// decode timestamps (90 kHz), like ffmpeg -re. The timeline starts with the
// first frame, however long a transcoder took to make it, and moves forward
// by the time the session was held back or paused, so the file goes on at
// its own rate instead of bursting to catch up.
//
// Pure: times come in with each call. Threads: the server's network thread.
#include <chrono>
#include <cstdint>
#include <optional>

namespace flowcast::server {

class PlaybackTimeline {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts over at `now`, waiting for a first frame (the session starts, or
  // seeks).
  void restart(Clock::time_point now) {
    start_ = now;
    first_dts_90k_.reset();
  }
  // A frame of decode time `dts_90k` is read: the first one since restart()
  // starts the timeline, due at `now`.
  void anchor(int64_t dts_90k, Clock::time_point now);
  bool anchored() const { return first_dts_90k_.has_value(); }
  // When decode (or presentation) time `time_90k` is due. anchored().
  Clock::time_point due(int64_t time_90k) const;
  // The frame of decode time `dts_90k` was held back until `now`: the
  // timeline moves by its delay.
  void held_until(int64_t dts_90k, Clock::time_point now);
  // The session was paused from `since` until `now`: the timeline moves by
  // the pause (from its start, when that came during the pause).
  void paused_from(Clock::time_point since, Clock::time_point now);
  // The file's decode time due at `at`, in 90 kHz ticks. anchored().
  int64_t time_at(Clock::time_point at) const;

 private:
  Clock::time_point start_{};
  std::optional<int64_t> first_dts_90k_;
};

}  // namespace flowcast::server
