#include "client/playout/playout_policy.hpp"

#include <algorithm>

namespace flowcast::client {

PlayoutDecision PlayoutPolicy::decide(const BufferState& b, SteadyTime now) const {
  using Action = PlayoutDecision::Action;
  const PlayState state = clock_.state();
  if (state == PlayState::starting || state == PlayState::stalled) {
    if (b.empty) {
      if (b.end_of_stream) return {Action::finished, std::nullopt};
      return {Action::wait, std::nullopt};
    }
    // Startup counts how long the front has waited (so the median latency is
    // the buffer asked, B-frames or not), which grows between packets too;
    // rebuffering counts the media held.
    const bool starting = state == PlayState::starting;
    const auto need = starting ? config_.buffer : config_.rebuffer;
    const auto held = starting ? b.held_for : b.buffered;
    // A full buffer cannot wait for more, and an ended stream will get none.
    if (held < need && !b.end_of_stream && !b.full) {
      // The time held grows by itself at startup; media held only as it
      // arrives.
      if (starting) return {Action::wait, now + (need - held)};
      return {Action::wait, std::nullopt};
    }
    if (starting)
      clock_.start(now, *b.front_timestamp);
    else if (!clock_.resume_for(now, *b.front_timestamp) && clock_.state() != PlayState::playing)
      // Held: the clock waits for the audio's (PlayoutClock::hold); the
      // buffer is woken when it is freed.
      return {Action::wait, std::nullopt};
  }
  if (b.front_complete) return {Action::take_complete, std::nullopt};
  if (b.empty) {
    if (b.end_of_stream) return {Action::finished, std::nullopt};
    return {Action::wait, std::nullopt};
  }
  auto due = clock_.due(*b.front_timestamp);
  if (due) *due -= decode_lead();
  // Due, and later data is here: the missing packets are a loss.
  if (b.has_later_data && due && now >= *due) return {Action::take_incomplete, std::nullopt};
  if (b.end_of_stream) return {Action::take_at_end, std::nullopt};
  // A gap, not yet due: wait for the missing packets or the due time. One
  // already due waits for the next packet instead (it may complete the
  // access unit, or be later data): a deadline in the past would spin.
  if (due && *due > now) return {Action::wait, *due};
  return {Action::wait, std::nullopt};
}

std::chrono::microseconds PlayoutPolicy::decode_lead() const {
  const int64_t learned = learned_lead_us_.load();
  if (learned < 0) return config_.decode_lead;
  return std::min(config_.decode_lead, std::chrono::microseconds(learned));
}

bool PlayoutPolicy::sender_idle_past(int64_t timestamp, SteadyTime now) const {
  if (!sender_clock_) return false;
  const auto idle = sender_clock_->idle_through(now);
  return idle && timestamp <= *idle;
}

std::optional<SteadyTime> PlayoutPolicy::stall_check_time(int64_t last_pts,
                                                          int64_t frame_interval_90k) const {
  if (clock_.state() != PlayState::playing) return std::nullopt;
  const auto expected = clock_.due(last_pts + frame_interval_90k);
  if (!expected) return std::nullopt;
  // One frame of grace for the decoder, then it is the network's fault.
  return *expected + std::chrono::microseconds(frame_interval_90k * 1000 / 90);
}

bool PlayoutPolicy::check_stall(SteadyTime now, int64_t last_pts, int64_t frame_interval_90k,
                                bool buffer_playable, bool end_of_stream) const {
  const auto check_at = stall_check_time(last_pts, frame_interval_90k);
  if (!check_at || now < *check_at) return false;
  const auto expected = clock_.due(last_pts + frame_interval_90k);
  if (!expected || end_of_stream || buffer_playable) return false;
  if (sender_idle_past(last_pts + frame_interval_90k, now)) return false;
  clock_.begin_stall(*expected, kCauseUnderrun);
  return true;
}

}  // namespace flowcast::client
