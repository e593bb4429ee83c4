#include "client/render/audio_sink.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace flowcast::client {

void AudioLevelMeter::reset(uint32_t rate, uint32_t channels) {
  const size_t values =
      std::max<size_t>(1, size_t{rate} * channels * static_cast<size_t>(kWindow.count()) / 1000);
  window_.assign(values, 0);
  next_ = 0;
  filled_ = 0;
  rms_.store(0, std::memory_order_relaxed);
  peak_.store(0, std::memory_order_relaxed);
}

void AudioLevelMeter::add(std::span<const int16_t> pcm) {
  if (window_.empty() || pcm.empty()) return;
  // Only the last window's worth of a long block counts.
  if (pcm.size() > window_.size()) pcm = pcm.last(window_.size());
  for (int16_t v : pcm) {
    window_[next_] = v;
    next_ = (next_ + 1) % window_.size();
  }
  filled_ = std::min(window_.size(), filled_ + pcm.size());
  double energy = 0;
  int peak = 0;
  // The filled part of the ring, wherever it starts: ~4800 values at 48
  // kHz stereo, once a block.
  for (size_t i = 0; i < filled_; ++i) {
    const int v = window_[i];
    energy += double(v) * v;
    peak = std::max(peak, std::abs(v));
  }
  rms_.store(static_cast<float>(std::sqrt(energy / static_cast<double>(filled_)) / 32768.0),
             std::memory_order_relaxed);
  peak_.store(static_cast<float>(peak / 32768.0), std::memory_order_relaxed);
}

std::chrono::nanoseconds AudioSink::queued_duration() const {
  const uint64_t queued = queued_samples();
  const uint64_t played = played_samples();
  return duration_of(queued > played ? queued - played : 0);
}

void AudioSink::begin(uint32_t rate, uint32_t channels) {
  if (rate < 8000 || rate > 192000)
    throw std::invalid_argument("an audio output of " + std::to_string(rate) +
                                " Hz is outside 8000-192000");
  if (channels < 1 || channels > kMaxSinkChannels)
    throw std::invalid_argument("an audio output of " + std::to_string(channels) +
                                " channels is outside 1-" + std::to_string(kMaxSinkChannels));
  rate_.store(rate, std::memory_order_relaxed);
  channels_.store(channels, std::memory_order_relaxed);
  paused_.store(false, std::memory_order_relaxed);
  muted_.store(false, std::memory_order_relaxed);
  meter_.reset(rate, channels);
}

size_t AudioSink::room(size_t values) const {
  const uint32_t ch = channels();
  if (ch == 0) return 0;
  const uint64_t max = uint64_t{rate()} * static_cast<uint64_t>(kMaxQueuedAudio.count());
  const uint64_t queued = queued_samples();
  const uint64_t played = played_samples();
  const uint64_t held = queued > played ? queued - played : 0;
  return static_cast<size_t>(std::min<uint64_t>(values / ch, max > held ? max - held : 0));
}

std::chrono::nanoseconds AudioSink::duration_of(uint64_t samples) const {
  const uint32_t r = rate();
  if (r == 0) return std::chrono::nanoseconds{0};
  // Whole seconds apart, so that hours of samples do not overflow; rounded
  // up, so that the last of them has played by then.
  return std::chrono::seconds{samples / r} +
         std::chrono::nanoseconds{((samples % r) * 1'000'000'000ull + r - 1) / r};
}

}  // namespace flowcast::client
