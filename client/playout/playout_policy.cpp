#include "client/playout/playout_policy.hpp"

#include <algorithm>

namespace flowcast::client {

namespace {
// A waiting decode thread looks again at least this often, so a stop or a
// clock change is never missed for long.
constexpr std::chrono::milliseconds kRecheck{50};
}  // namespace

PlayoutDecision PlayoutPolicy::decide(const BufferState& b, SteadyTime now) const {
  using Action = PlayoutDecision::Action;
  const PlayState state = clock_.state();
  if (state == PlayState::starting || state == PlayState::stalled) {
    if (b.empty) {
      if (b.end_of_stream) return {Action::finished, std::nullopt};
      return {Action::wait, now + kRecheck};
    }
    // Startup counts how long the front has waited (so the median latency is
    // the buffer asked, B-frames or not), which grows between packets too;
    // rebuffering counts the media held.
    const bool starting = state == PlayState::starting;
    const auto need = starting ? config_.buffer : config_.rebuffer;
    const auto held = starting ? b.held_for : b.buffered;
    // A full buffer cannot wait for more, and an ended stream will get none.
    if (held < need && !b.end_of_stream && !b.full) {
      auto wake = now + kRecheck;
      if (starting) wake = std::min(wake, now + (need - held));
      return {Action::wait, wake};
    }
    if (starting)
      clock_.start(now, *b.front_timestamp);
    else
      clock_.resume_for(now, *b.front_timestamp);
  }
  if (b.front_complete) return {Action::take_complete, std::nullopt};
  if (b.empty) {
    if (b.end_of_stream) return {Action::finished, std::nullopt};
    return {Action::wait, now + kRecheck};
  }
  auto due = clock_.due(*b.front_timestamp);
  if (due) *due -= config_.decode_lead;
  // Due, and later data is here: the missing packets are a loss.
  if (b.has_later_data && due && now >= *due) return {Action::take_incomplete, std::nullopt};
  if (b.end_of_stream) return {Action::take_at_end, std::nullopt};
  // A gap, not yet due: wait for the missing packets or the due time. One
  // already due waits for the next packet instead (it may complete the
  // access unit, or be later data): a deadline in the past would spin.
  if (due && *due > now) return {Action::wait, std::min(*due, now + kRecheck)};
  return {Action::wait, now + kRecheck};
}

bool PlayoutPolicy::sender_idle_past(int64_t timestamp, SteadyTime now) const {
  if (!sender_clock_) return false;
  const auto idle = sender_clock_->idle_through(now);
  return idle && timestamp <= *idle;
}

bool PlayoutPolicy::check_stall(SteadyTime now, int64_t last_pts, int64_t frame_interval_90k,
                                bool buffer_playable, bool end_of_stream) const {
  if (clock_.state() != PlayState::playing) return false;
  auto expected = clock_.due(last_pts + frame_interval_90k);
  if (!expected) return false;
  // One frame of grace for the decoder, then it is the network's fault.
  const auto grace = std::chrono::microseconds(frame_interval_90k * 1000 / 90);
  if (now < *expected + grace) return false;
  if (end_of_stream || buffer_playable) return false;
  if (sender_idle_past(last_pts + frame_interval_90k, now)) return false;
  clock_.begin_stall(*expected, "underrun");
  return true;
}

}  // namespace flowcast::client
