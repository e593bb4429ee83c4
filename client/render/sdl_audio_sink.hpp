#pragma once
// The sound card through SDL2's audio queue: SDL_OpenAudioDevice for signed
// 16-bit samples in the machine's byte order (AUDIO_S16SYS) at the stream's
// rate and channels (SDL converts when the device differs), fed with
// SDL_QueueAudio. What SDL's device thread has taken from the queue has
// reached the output (played_samples()); it is heard within the device's
// own buffer of about 10 ms (kept in presented_at()). Muting clears the
// queue and puts back as much silence, so timing never moves.
// SDL_AUDIODRIVER=dummy gives a device that consumes in real time with no
// sound card. Threads as AudioSink; SDL's own device lock guards the queue.
#include <mutex>
#include <optional>

#include "client/render/audio_sink.hpp"

namespace flowcast::client {

class SdlAudioSink : public AudioSink {
 public:
  SdlAudioSink() = default;
  ~SdlAudioSink() override;
  SdlAudioSink(const SdlAudioSink&) = delete;
  SdlAudioSink& operator=(const SdlAudioSink&) = delete;

  // Throws AudioSinkError with SDL's reason when there is no audio device
  // ("run headless, or set SDL_AUDIODRIVER").
  void open(uint32_t rate, uint32_t channels) override;
  size_t queue(std::span<const int16_t> pcm) override;
  uint64_t queued_samples() const override;
  uint64_t played_samples() const override;
  AudioTime presented_at(uint64_t sample_index) const override;
  AudioUnderruns underruns() const override;
  void pause(bool paused) override;
  void mute(bool muted) override;
  void close() override;

  // The device's buffer, in sample frames (SDL's obtained spec.samples).
  uint32_t device_buffer_samples() const { return buffer_samples_.load(); }

 private:
  // Sample frames still in SDL's queue.
  uint64_t held_samples() const;

  // SDL_AudioDeviceID, 0 when closed; read by every thread, set by the
  // audio thread (SDL answers a closed one as empty).
  std::atomic<uint32_t> device_{0};
  std::atomic<uint32_t> buffer_samples_{0};
  bool subsystem_ = false;  // audio thread only
  std::atomic<uint64_t> queued_{0};
  // The most played_samples() has said: it never goes back.
  mutable std::atomic<uint64_t> played_{0};
  std::vector<int16_t> silence_;  // audio thread only

  mutable std::mutex mutex_;
  // --- Protected by mutex_: the underrun accounting. When the queue will
  // run dry if nothing more comes (set by queue()), and the underruns ended.
  std::optional<AudioTime> dry_at_;
  AudioUnderruns underruns_;
};

}  // namespace flowcast::client
