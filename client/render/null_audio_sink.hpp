#pragma once
// The headless output: consumes queued samples at the stream's rate against
// a clock, as a device would, so that the player's timing, underruns and
// A/V sync are the same without a sound card. Exact: a sample of index i
// queued while playing is presented at the instant the ones before it have
// taken at the rate. Threads as AudioSink; its state is guarded by one
// mutex (the clock is read under it).
#include <functional>
#include <mutex>
#include <optional>

#include "client/render/audio_sink.hpp"

namespace flowcast::client {

class NullAudioSink : public AudioSink {
 public:
  using Now = std::function<AudioTime()>;
  // now: the clock consumption runs on (steady_clock by default; a fake one
  // in tests). It is called from every method, on the caller's thread.
  explicit NullAudioSink(Now now = [] { return std::chrono::steady_clock::now(); });

  void open(uint32_t rate, uint32_t channels) override;
  size_t queue(std::span<const int16_t> pcm) override;
  uint64_t queued_samples() const override;
  uint64_t played_samples() const override;
  AudioTime presented_at(uint64_t sample_index) const override;
  AudioUnderruns underruns() const override;
  void pause(bool paused) override;
  void mute(bool muted) override;
  void close() override;

 private:
  // Brings the state to `now`: consumption, and an underrun when the queue
  // ran dry before it. Caller holds mutex_.
  void advance(AudioTime now) const;
  // Sample frames consumed in `elapsed` of playing.
  uint64_t samples_in(std::chrono::nanoseconds elapsed) const;

  Now now_;
  mutable std::mutex mutex_;
  // --- Protected by mutex_ (advance() updates them from const readers).
  bool open_ = false;
  uint64_t queued_ = 0;
  // Playing since run_start_, when run_played_ samples had played; not
  // running: paused, dry, closed or never fed.
  mutable bool running_ = false;
  mutable AudioTime run_start_{};
  mutable uint64_t run_played_ = 0;
  // The underrun going on: since when the queue is dry.
  mutable std::optional<AudioTime> dry_since_;
  mutable AudioUnderruns underruns_;  // those ended, and the count of the current one
};

}  // namespace flowcast::client
