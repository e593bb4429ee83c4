#include "client/render/null_audio_sink.hpp"

namespace flowcast::client {

NullAudioSink::NullAudioSink(Now now) : now_(std::move(now)) {}

void NullAudioSink::open(uint32_t rate, uint32_t channels) {
  close();
  begin(rate, channels);
  std::lock_guard lock(mutex_);
  open_ = true;
  queued_ = 0;
  run_played_ = 0;
  underruns_ = {};
}

uint64_t NullAudioSink::samples_in(std::chrono::nanoseconds elapsed) const {
  if (elapsed.count() <= 0) return 0;
  // Whole seconds apart, so that hours of playing do not overflow.
  const auto ns = static_cast<uint64_t>(elapsed.count());
  const uint64_t r = rate();
  return ns / 1'000'000'000u * r + ns % 1'000'000'000u * r / 1'000'000'000u;
}

void NullAudioSink::advance(AudioTime now) const {
  if (!running_) return;
  const uint64_t held = queued_ - run_played_;
  // The queue runs dry at the instant its last sample has played; the
  // underrun starts after it.
  const AudioTime dry = run_start_ + duration_of(held);
  if (now <= dry) return;
  dry_since_.emplace(dry);
  run_played_ = queued_;
  running_ = false;
  ++underruns_.count;
}

size_t NullAudioSink::queue(std::span<const int16_t> pcm) {
  const size_t take = room(pcm.size());
  std::lock_guard lock(mutex_);
  if (!open_ || take == 0) return 0;
  const AudioTime now = now_();
  advance(now);
  meter_.add(pcm.first(take * channels()));
  if (dry_since_) {
    underruns_.duration += now - *dry_since_;
    dry_since_.reset();
  }
  if (!running_ && !paused()) {
    running_ = true;
    run_start_ = now;
  }
  queued_ += take;
  return take;
}

uint64_t NullAudioSink::queued_samples() const {
  std::lock_guard lock(mutex_);
  return queued_;
}

uint64_t NullAudioSink::played_samples() const {
  std::lock_guard lock(mutex_);
  const AudioTime now = now_();
  advance(now);
  if (!running_) return run_played_;
  return run_played_ + samples_in(now - run_start_);
}

AudioTime NullAudioSink::presented_at(uint64_t sample_index) const {
  std::lock_guard lock(mutex_);
  const AudioTime now = now_();
  advance(now);
  const AudioTime base = running_ ? run_start_ : now;
  if (sample_index >= run_played_) return base + duration_of(sample_index - run_played_);
  return base - duration_of(run_played_ - sample_index);
}

AudioUnderruns NullAudioSink::underruns() const {
  std::lock_guard lock(mutex_);
  const AudioTime now = now_();
  advance(now);
  AudioUnderruns out = underruns_;
  if (dry_since_) out.duration += now - *dry_since_;
  return out;
}

void NullAudioSink::pause(bool paused) {
  std::lock_guard lock(mutex_);
  if (!open_ || paused == this->paused()) return;
  const AudioTime now = now_();
  advance(now);
  paused_.store(paused, std::memory_order_relaxed);
  if (paused) {
    if (running_) run_played_ += samples_in(now - run_start_);
    running_ = false;
    // Paused is not starving: an underrun going on ends here.
    if (dry_since_) {
      underruns_.duration += now - *dry_since_;
      dry_since_.reset();
    }
  } else if (queued_ > run_played_) {
    running_ = true;
    run_start_ = now;
  }
}

void NullAudioSink::mute(bool muted) {
  // Nothing is heard either way: only the flag.
  muted_.store(muted, std::memory_order_relaxed);
}

void NullAudioSink::close() {
  std::lock_guard lock(mutex_);
  if (!open_) return;
  const AudioTime now = now_();
  advance(now);
  if (running_) run_played_ += samples_in(now - run_start_);
  running_ = false;
  if (dry_since_) {
    underruns_.duration += now - *dry_since_;
    dry_since_.reset();
  }
  // What was queued and not played is dropped: the counts stay readable.
  queued_ = run_played_;
  open_ = false;
}

}  // namespace flowcast::client
