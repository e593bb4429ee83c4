#pragma once
// One playout clock for both transports. Playback starts once enough media is
// held; a frame is due at base + (timestamp - first) / 90 kHz; a stall moves
// the base by its length. Records the stall events and play time.
// A stall may be held: only resume_by() or unhold() free it, not the
// decode thread's resume() or resume_for() (the video's clock waiting for
// the audio's, client/audio/stall_follower.hpp).
//
// Threads: the decode thread starts and resumes, the render thread detects
// stalls; every method locks the clock's own mutex. Time comes from the
// caller, so tests drive it without sleeping.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace flowcast::client {

using SteadyTime = std::chrono::steady_clock::time_point;

enum class PlayState { starting, playing, stalled, ended };
const char* to_string(PlayState s);

// A stall's cause (docs/METRICS.md, stalls.events[].cause): the video's
// buffer ran dry, or the audio's while the video could go on.
inline constexpr const char* kCauseUnderrun = "underrun";
inline constexpr const char* kCauseAudioUnderrun = "audio_underrun";

struct StallEvent {
  SteadyTime start;
  std::chrono::microseconds duration{0};
  std::string cause;  // kCauseUnderrun, kCauseAudioUnderrun
  // How far the base moved when it ended (0 while it lasts).
  std::chrono::microseconds shift{0};
};

class PlayoutClock {
 public:
  // Playback begins at `now`, with `first_ts` due at once.
  void start(SteadyTime now, int64_t first_ts);
  // The frame due at `due` was not there and the buffer was empty; `held`:
  // the stall is held from its start (see above).
  void begin_stall(SteadyTime due, std::string cause, bool held = false);
  // Enough media is held again: the base moves by the stall's length.
  // False (nothing done) when not stalled or the stall is held.
  bool resume(SteadyTime now);
  // The same, but the base moves no further than `front_ts` needs to be due
  // at `now`: when what ended the stall is a picture later than the missing
  // one (the source had a gap there), its timestamp already holds the gap.
  bool resume_for(SteadyTime now, int64_t front_ts);
  // Holds the stall in progress (nothing when not stalled).
  void hold();
  // Frees a held stall without ending it: resume() and resume_for() end it.
  void unhold();
  // Ends a stall, held or not, at `now`; the base moves by `shift` (at
  // least 0): another clock's, so both stay aligned.
  void resume_by(SteadyTime now, std::chrono::microseconds shift);
  bool held() const;
  void end(SteadyTime now);
  // While playing, every due time moves by `delta` (later when positive):
  // the adaptive playout delay slewing. Otherwise nothing.
  void shift(std::chrono::microseconds delta);

  PlayState state() const;
  std::optional<SteadyTime> due(int64_t ts) const;  // nullopt before start
  std::vector<StallEvent> stalls() const;
  size_t stall_count() const;  // stalls().size(), without the copy
  // Time spent playing (from start, without stalls) and stalled, up to now.
  std::chrono::microseconds play_time(SteadyTime now) const;
  std::chrono::microseconds stall_time(SteadyTime now) const;

 private:
  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  PlayState state_ = PlayState::starting;
  SteadyTime base_{};
  SteadyTime started_{};
  SteadyTime ended_{};
  int64_t first_ts_ = 0;
  bool held_ = false;  // the stall in progress is held
  std::vector<StallEvent> stalls_;
};

// stall time / (play time + stall time), as ExoPlayer's rebuffer ratio; 0
// when nothing played.
double rebuffering_ratio(std::chrono::microseconds play, std::chrono::microseconds stall);

}  // namespace flowcast::client
