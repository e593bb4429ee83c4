#include "client/playout/playout_clock.hpp"

#include <algorithm>

namespace flowcast::client {

using std::chrono::microseconds;

namespace {
// A picture this much later than the one a stall waited for means the
// source had a gap there.
constexpr microseconds kSourceGap{1'000'000};
}  // namespace

const char* to_string(PlayState s) {
  switch (s) {
    case PlayState::starting:
      return "buffering";
    case PlayState::playing:
      return "playing";
    case PlayState::stalled:
      return "stalled";
    case PlayState::ended:
      return "ended";
  }
  return "?";
}

void PlayoutClock::start(SteadyTime now, int64_t first_ts) {
  std::lock_guard lock(mutex_);
  if (state_ != PlayState::starting) return;
  base_ = now;
  started_ = now;
  first_ts_ = first_ts;
  state_ = PlayState::playing;
}

void PlayoutClock::begin_stall(SteadyTime due, std::string cause, bool held) {
  std::lock_guard lock(mutex_);
  if (state_ != PlayState::playing) return;
  state_ = PlayState::stalled;
  held_ = held;
  stalls_.push_back(StallEvent{due, microseconds(0), std::move(cause)});
}

bool PlayoutClock::resume(SteadyTime now) {
  std::lock_guard lock(mutex_);
  if (state_ != PlayState::stalled || held_) return false;
  auto& ev = stalls_.back();
  ev.duration = std::chrono::duration_cast<microseconds>(now - ev.start);
  if (ev.duration.count() < 0) ev.duration = microseconds(0);
  base_ += ev.duration;
  ev.shift = ev.duration;
  state_ = PlayState::playing;
  return true;
}

void PlayoutClock::hold() {
  std::lock_guard lock(mutex_);
  if (state_ == PlayState::stalled) held_ = true;
}

void PlayoutClock::unhold() {
  std::lock_guard lock(mutex_);
  held_ = false;
}

bool PlayoutClock::held() const {
  std::lock_guard lock(mutex_);
  return state_ == PlayState::stalled && held_;
}

void PlayoutClock::resume_by(SteadyTime now, microseconds shift) {
  std::lock_guard lock(mutex_);
  if (state_ != PlayState::stalled) return;
  auto& ev = stalls_.back();
  ev.duration = std::max(microseconds(0), std::chrono::duration_cast<microseconds>(now - ev.start));
  ev.shift = std::max(microseconds(0), shift);
  base_ += ev.shift;
  held_ = false;
  state_ = PlayState::playing;
}

bool PlayoutClock::resume_for(SteadyTime now, int64_t front_ts) {
  std::lock_guard lock(mutex_);
  if (state_ != PlayState::stalled || held_) return false;
  auto& ev = stalls_.back();
  ev.duration = std::max(microseconds(0), std::chrono::duration_cast<microseconds>(now - ev.start));
  const SteadyTime due = base_ + microseconds((front_ts - first_ts_) * 1000 / 90);
  // Within a second of the missing picture the front is that picture, or one
  // the decoder's reordering puts beside it: the base moves by the stall.
  // Further on, the source had no picture in between, and the front's
  // timestamp already counts that time.
  auto shift = ev.duration;
  if (due - ev.start > kSourceGap)
    shift = std::clamp(std::chrono::duration_cast<microseconds>(now - due), microseconds(0),
                       ev.duration);
  base_ += shift;
  ev.shift = shift;
  state_ = PlayState::playing;
  return true;
}

void PlayoutClock::end(SteadyTime now) {
  std::lock_guard lock(mutex_);
  if (state_ == PlayState::ended) return;
  if (state_ == PlayState::stalled) {
    // A stall cut short by the end of the run still counts, up to now.
    auto& ev = stalls_.back();
    ev.duration = std::chrono::duration_cast<microseconds>(now - ev.start);
  }
  held_ = false;
  if (state_ == PlayState::starting) started_ = now;
  ended_ = now;
  state_ = PlayState::ended;
}

void PlayoutClock::shift(microseconds delta) {
  std::lock_guard lock(mutex_);
  if (state_ == PlayState::playing) base_ += delta;
}

PlayState PlayoutClock::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::optional<SteadyTime> PlayoutClock::due(int64_t ts) const {
  std::lock_guard lock(mutex_);
  if (state_ == PlayState::starting) return std::nullopt;
  return base_ + microseconds((ts - first_ts_) * 1000 / 90);
}

std::vector<StallEvent> PlayoutClock::stalls() const {
  std::lock_guard lock(mutex_);
  return stalls_;
}

size_t PlayoutClock::stall_count() const {
  std::lock_guard lock(mutex_);
  return stalls_.size();
}

microseconds PlayoutClock::stall_time(SteadyTime now) const {
  std::lock_guard lock(mutex_);
  microseconds total(0);
  for (size_t i = 0; i < stalls_.size(); ++i) {
    bool open = i + 1 == stalls_.size() && state_ == PlayState::stalled;
    total += open ? std::chrono::duration_cast<microseconds>(now - stalls_[i].start)
                  : stalls_[i].duration;
  }
  return total;
}

microseconds PlayoutClock::play_time(SteadyTime now) const {
  SteadyTime end;
  {
    std::lock_guard lock(mutex_);
    if (state_ == PlayState::starting) return microseconds(0);
    end = state_ == PlayState::ended ? ended_ : now;
    if (end < started_) return microseconds(0);
  }
  auto total = std::chrono::duration_cast<microseconds>(end - started_);
  auto play = total - stall_time(end);
  return play.count() > 0 ? play : microseconds(0);
}

double rebuffering_ratio(microseconds play, microseconds stall) {
  auto sum = play + stall;
  if (sum.count() <= 0) return 0.0;
  return static_cast<double>(stall.count()) / static_cast<double>(sum.count());
}

}  // namespace flowcast::client
