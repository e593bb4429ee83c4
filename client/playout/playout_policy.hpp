#pragma once
// The playout rules, in one place (DESIGN.md "Playout and what counts as
// what"): when playback starts, when a gap in the next access unit becomes a
// loss, when a stall starts and when it ends. Time comes from the caller and
// the jitter buffer's state is handed in as a value, so the rules are
// unit-tested with a fake clock and no threads.
//
//  - Startup: playback starts once the front access unit has been held
//    `buffer` (ReceiveBuffer::held_for: its wait plus the median lead of the
//    units behind it), or the buffer is full, or the stream ended.
//  - Due time: base + (timestamp - first) / 90 kHz (PlayoutClock). An access
//    unit is released `decode_lead` before it: the decoder's reordering delay
//    and the decode itself. Once the decode thread has learned what they are
//    for this stream (learn_decode_lead()), the lead is that, if shorter: a
//    packet NACKed is waited for as long as it can still be shown on time.
//  - Loss: an access unit still incomplete at its release time, while later
//    data is held, leaves as it is (a loss, not a delay).
//  - Stall: playing, the render queue ran dry one frame interval after the
//    next picture was due, and the buffer holds nothing playable (and the
//    stream has not ended). Rebuffering ends once `rebuffer` of media is held
//    (timestamp span), and the base moves by the stall's length, but no
//    further than the first picture held needs to be due then (a gap in the
//    source that was taken for a stall is not added to the clock twice).
//    A held stall (the video waiting for the audio's clock,
//    client/audio/stall_follower.hpp) does not end so.
//  - Gap: not a stall while the sender's reports show its media clock ran
//    past the missing picture with nothing in flight (SenderClock): the
//    source has no picture there (a still), and the sender is alive.
//
// Threads: decide() runs on the decode thread with the jitter buffer locked;
// check_stall() on the render thread. The policy has no state of its own
// beyond its configuration; it drives the PlayoutClock, which locks itself.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

#include "client/playout/adaptive_playout.hpp"
#include "client/playout/playout_clock.hpp"
#include "client/playout/sender_clock.hpp"

namespace flowcast::client {

struct PlayoutConfig {
  std::chrono::microseconds buffer{500'000};    // --buffer
  std::chrono::microseconds rebuffer{500'000};  // --rebuffer
  std::chrono::microseconds decode_lead{150'000};
};

// What the policy reads of the jitter buffer at one moment.
struct BufferState {
  bool empty = true;
  bool end_of_stream = false;
  bool full = false;
  bool front_complete = false;             // the next access unit is whole, up to its marker
  bool has_later_data = false;             // packets of a later access unit are held
  std::optional<int64_t> front_timestamp;  // unwrapped 90 kHz
  std::chrono::microseconds held_for{0};   // startup measure (ReceiveBuffer::held_for)
  std::chrono::microseconds buffered{0};   // timestamp span held + one frame
};

struct PlayoutDecision {
  enum class Action {
    wait,             // nothing may leave yet: look again on a change, or at wake_at
    take_complete,    // the next access unit, whole
    take_incomplete,  // the next access unit as it is: a loss
    take_at_end,      // the stream ended: the next access unit as it is
    finished,         // the stream ended and the buffer is empty
  };
  Action action = Action::wait;
  // wait: the time at which waiting alone lets something go (startup's held
  // time, a gap's release); nullopt: only a change to the buffer or the
  // clock does (the buffer wakes its waiter on those).
  std::optional<SteadyTime> wake_at;
};

class PlayoutPolicy {
 public:
  // Borrows clock; it outlives the policy.
  PlayoutPolicy(PlayoutConfig config, PlayoutClock& clock) : config_(config), clock_(clock) {}

  // Decode thread, buffer locked: what to do with the next access unit at
  // `now`. Starts or resumes the clock when the buffer holds enough.
  PlayoutDecision decide(const BufferState& buffer, SteadyTime now) const;

  // Render thread, with nothing queued to render: the last picture shown was
  // `last_pts` and pictures come every `frame_interval_90k`. Begins a stall
  // (cause "underrun") at the missing picture's due time when the rules say
  // so; returns true if it did.
  bool check_stall(SteadyTime now, int64_t last_pts, int64_t frame_interval_90k,
                   bool buffer_playable, bool end_of_stream) const;
  // The earliest time check_stall() may begin a stall for these arguments:
  // the missing picture's due time plus one frame of grace; nullopt while
  // not playing.
  std::optional<SteadyTime> stall_check_time(int64_t last_pts, int64_t frame_interval_90k) const;

  // Lets check_stall() ask the sender's media clock whether a missing
  // picture was ever sent. Borrows clock (it outlives the policy); nullptr:
  // no reports (a plain RTP sender), every missing picture may stall.
  void set_sender_clock(const SenderClock* clock) { sender_clock_ = clock; }
  // Hands every access unit taken to `delay` (the playout delay and the
  // W3C jitter-buffer counters). Borrows it; nullptr: none.
  void set_playout_delay(AdaptivePlayout* delay) { delay_ = delay; }
  // Decode thread: `unit` left the receive buffer at `now`.
  void note_taken(const AccessUnitPayloads& unit, SteadyTime now) const {
    if (delay_) delay_->on_taken(unit, now);
  }

  const PlayoutConfig& config() const { return config_; }
  // Decode thread: the stream's reordering delay plus a decode takes `lead`
  // (DecodeStage measures it); decide() uses it where it is shorter than the
  // configured decode_lead.
  void learn_decode_lead(std::chrono::microseconds lead) const { learned_lead_us_ = lead.count(); }
  // The lead in use.
  std::chrono::microseconds decode_lead() const;
  // Playback has not started: decide() reads BufferState::held_for.
  bool measures_startup() const { return clock_.state() == PlayState::starting; }
  // The sender's clock (its sender reports, RFC 3550 §6.4.1) ran past
  // `timestamp` (90 kHz, the buffer's timeline) with nothing left in
  // flight: what is missing was never sent. False without a sender clock.
  // Any thread.
  bool sender_idle_past(int64_t timestamp, SteadyTime now) const;

 private:
  PlayoutConfig config_;
  PlayoutClock& clock_;
  const SenderClock* sender_clock_ = nullptr;
  AdaptivePlayout* delay_ = nullptr;
  // learn_decode_lead()'s, in µs; -1 until learned. Written by the decode
  // thread, read where decide() runs (the same thread).
  mutable std::atomic<int64_t> learned_lead_us_{-1};
};

}  // namespace flowcast::client
