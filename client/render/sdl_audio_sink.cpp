#include "client/render/sdl_audio_sink.hpp"

#include <SDL.h>

#include <string>

namespace flowcast::client {
namespace {

// A device buffer of about 10 ms, a power of two as SDL wants: 512 frames
// at 44.1 and 48 kHz, 128 at 8 kHz.
uint16_t buffer_frames(uint32_t rate) {
  uint16_t frames = 64;
  while (frames < rate / 100 && frames < 8192) frames = static_cast<uint16_t>(frames * 2);
  return frames;
}

}  // namespace

SdlAudioSink::~SdlAudioSink() {
  close();
}

void SdlAudioSink::open(uint32_t rate, uint32_t channels) {
  close();
  begin(rate, channels);
  if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0)
    throw AudioSinkError(std::string("no sound: SDL audio would not start (") + SDL_GetError() +
                         "); run headless, or set SDL_AUDIODRIVER");
  subsystem_ = true;
  SDL_AudioSpec want{};
  want.freq = static_cast<int>(rate);
  want.format = AUDIO_S16SYS;
  want.channels = static_cast<uint8_t>(channels);
  want.samples = buffer_frames(rate);
  SDL_AudioSpec have{};
  // No allowed changes: SDL converts to whatever the device plays.
  device_ = SDL_OpenAudioDevice(nullptr, 0, &want, &have, 0);
  if (device_.load() == 0) {
    const std::string reason = SDL_GetError();
    close();
    throw AudioSinkError("no sound: the audio device would not open (" + reason +
                         "); run headless, or set SDL_AUDIODRIVER");
  }
  buffer_samples_ = have.samples;
  queued_.store(0);
  played_.store(0);
  {
    std::lock_guard lock(mutex_);
    dry_at_.reset();
    underruns_ = {};
  }
  SDL_PauseAudioDevice(device_, 0);
}

uint64_t SdlAudioSink::held_samples() const {
  const uint32_t frame_bytes = channels() * sizeof(int16_t);
  const uint32_t device = device_.load();
  if (device == 0 || frame_bytes == 0) return 0;
  return SDL_GetQueuedAudioSize(device) / frame_bytes;
}

size_t SdlAudioSink::queue(std::span<const int16_t> pcm) {
  if (device_ == 0) return 0;
  const size_t take = room(pcm.size());
  if (take == 0) return 0;
  const size_t values = take * channels();
  meter_.add(pcm.first(values));
  const AudioTime now = std::chrono::steady_clock::now();
  const bool dry = held_samples() == 0;
  std::span<const int16_t> data = pcm.first(values);
  if (muted()) {
    silence_.assign(values, 0);
    data = silence_;
  }
  if (SDL_QueueAudio(device_, data.data(), static_cast<uint32_t>(values * sizeof(int16_t))) != 0)
    return 0;  // SDL is out of memory: nothing taken
  queued_.fetch_add(take);
  std::lock_guard lock(mutex_);
  if (dry && dry_at_ && !paused() && now > *dry_at_) {
    // The device played silence from when the queue ran dry until now.
    ++underruns_.count;
    underruns_.duration += now - *dry_at_;
  }
  dry_at_ = now + duration_of(held_samples());
  return take;
}

uint64_t SdlAudioSink::queued_samples() const {
  return queued_.load();
}

uint64_t SdlAudioSink::played_samples() const {
  // Read the queue before the total: a queue() between the two makes the
  // count low for a moment, never high.
  const uint64_t held = held_samples();
  const uint64_t queued = queued_.load();
  const uint64_t candidate = queued > held ? queued - held : 0;
  uint64_t seen = played_.load();
  while (candidate > seen && !played_.compare_exchange_weak(seen, candidate)) {
  }
  return std::max(seen, candidate);
}

AudioTime SdlAudioSink::presented_at(uint64_t sample_index) const {
  const AudioTime now = std::chrono::steady_clock::now();
  const uint64_t played = played_samples();
  // Taken by the driver is not yet heard: the device buffer plays first.
  const AudioTime at = now + duration_of(buffer_samples_.load());
  if (sample_index >= played) return at + duration_of(sample_index - played);
  return at - duration_of(played - sample_index);
}

AudioUnderruns SdlAudioSink::underruns() const {
  const AudioTime now = std::chrono::steady_clock::now();
  const bool dry = held_samples() == 0;
  std::lock_guard lock(mutex_);
  AudioUnderruns out = underruns_;
  if (dry && dry_at_ && !paused() && now > *dry_at_) {
    ++out.count;
    out.duration += now - *dry_at_;
  }
  return out;
}

void SdlAudioSink::pause(bool paused) {
  if (device_ == 0 || paused == this->paused()) return;
  const AudioTime now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (paused && dry_at_ && now > *dry_at_ && held_samples() == 0) {
      // An underrun going on ends at the pause.
      ++underruns_.count;
      underruns_.duration += now - *dry_at_;
    }
    dry_at_.reset();
  }
  paused_.store(paused);
  SDL_PauseAudioDevice(device_, paused ? 1 : 0);
  if (!paused) {
    // Resumed with nothing queued is not a queue that ran dry.
    const uint64_t held = held_samples();
    std::lock_guard lock(mutex_);
    if (held > 0) dry_at_ = now + duration_of(held);
  }
}

void SdlAudioSink::mute(bool muted) {
  if (muted == this->muted()) return;
  muted_.store(muted);
  if (!muted || device_ == 0) return;
  // Silence in place of what is queued, as many bytes, under the device's
  // lock so that its thread never finds the queue empty in between.
  SDL_LockAudioDevice(device_);
  const uint32_t bytes = SDL_GetQueuedAudioSize(device_);
  SDL_ClearQueuedAudio(device_);
  silence_.assign(bytes / sizeof(int16_t), 0);
  SDL_QueueAudio(device_, silence_.data(), bytes);
  SDL_UnlockAudioDevice(device_);
}

void SdlAudioSink::close() {
  if (device_.load() != 0) {
    // Count what was dropped as never queued, so played <= queued holds.
    const uint64_t held = held_samples();
    SDL_CloseAudioDevice(device_.exchange(0));
    queued_.fetch_sub(std::min<uint64_t>(held, queued_.load()));
    std::lock_guard lock(mutex_);
    dry_at_.reset();
  }
  if (subsystem_) {
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
    subsystem_ = false;
  }
}

}  // namespace flowcast::client
