#pragma once
// The session's audio stream on the client, whole: its ReceivePath (receiver
// statistics at the stream's clock, its own jitter buffer under the same
// --buffer, --buffer-max and --overflow as the video's), its own
// PlayoutClock and PlayoutPolicy (playback starts when --buffer of sound is
// held; a stall is an underrun with nothing playable, as the video's), and
// the AudioStage that decodes it onto the output: SDL2's audio device, or
// headless (or with no device to open) the null device at the stream's rate.
//
// Threads: the Player builds it and calls start(), stop(), check_stall(),
// next_check() and buffered_ms() from the render loop; NetworkSource writes its path on the
// network thread; its stage runs the audio thread; figures() is for any
// thread.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "client/audio/audio_stage.hpp"
#include "client/metrics/audio_figures.hpp"
#include "client/playout/playout_clock.hpp"
#include "client/playout/playout_policy.hpp"
#include "client/playout/receive_path.hpp"
#include "client/transport/audio_stream_options.hpp"

namespace flowcast::client {

struct AudioPlaybackConfig {
  ReceiveBufferConfig buffer;  // the video's bounds and policy
  PlayoutConfig playout;       // --buffer and --rebuffer
  bool headless = false;       // the null device
};

class AudioPlayback {
 public:
  // The audio's playout checks for a stall this often while playing (the
  // duration of an Opus or AAC frame, about).
  static constexpr std::chrono::milliseconds kFrame{20};

  // Throws as AudioStage does for a stream it cannot decode.
  AudioPlayback(const AudioStreamOptions& stream, const AudioPlaybackConfig& config);

  ReceivePath& path() { return path_; }
  AudioStage& stage() { return *stage_; }
  const AudioStage& stage() const { return *stage_; }
  PlayoutClock& clock() { return clock_; }
  const PlayoutClock& clock() const { return clock_; }
  // Lets the audio's stall check ask its sender's reports whether the sound
  // it misses was ever sent (PlayoutPolicy::set_sender_clock). Borrows
  // clock; before start().
  void set_sender_clock(const SenderClock* clock) { policy_.set_sender_clock(clock); }

  // Opens the output (the null device when SDL's cannot open, said once on
  // stderr) and starts the audio thread.
  void start();
  void stop();
  // Render thread: begins a stall of the audio's playout when its output
  // ran dry and nothing is playable (PlayoutPolicy::check_stall).
  void check_stall(SteadyTime now);
  // When the loop must call check_stall() again, or see a stall end;
  // nullopt while neither playing nor stalled.
  std::optional<SteadyTime> next_check(SteadyTime now) const;
  // The audio's stream ended (its buffer knows): a stall waits for nothing.
  bool ended() const;
  // Render thread: the sender's reports say it sent no sound past what was
  // played (a track shorter than the video, a hole in it), so a stall
  // begun before they said so waits for nothing either.
  bool sender_idle(SteadyTime now) const;
  // The sound held, in ms: its buffer's media (ReceiveBuffer::Snapshot
  // buffered) and what is queued on the output, not yet heard.
  double buffered_ms() const;
  // The metrics' "audio" block at `now`.
  AudioFigures figures(SteadyTime now) const;

 private:
  AudioStreamOptions stream_;
  ReceivePath path_;
  PlayoutClock clock_;
  PlayoutPolicy policy_;
  std::unique_ptr<AudioStage> stage_;
};

}  // namespace flowcast::client
