#pragma once
// Where decoded sound goes: an output device (SdlAudioSink) or, headless, a
// null device that consumes samples at the stream's rate against a clock
// (NullAudioSink), so that timing is the same. Interleaved signed 16-bit
// PCM in; out, for the player's clock and A/V sync, how many samples have
// reached the output and when a given sample will.
//
// A sample index counts sample frames (one value per channel) taken by
// queue() since open(), from 0.
//
// Threads: open(), queue(), pause(), mute() and close() from one thread
// (the audio thread); played_samples(), queued_samples(),
// queued_duration(), presented_at(), underruns() and level() from any
// thread.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace flowcast::client {

using AudioTime = std::chrono::steady_clock::time_point;

// The most channels an output takes (7.1), and the most sound queued: what
// queue() would put beyond it is dropped (the audio thread keeps far less).
inline constexpr uint32_t kMaxSinkChannels = 8;
inline constexpr std::chrono::seconds kMaxQueuedAudio{2};

// The output cannot open; the message is for the user.
class AudioSinkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Loudness of the last ~50 ms queued, every channel together, as a share of
// full scale (0 to 1).
struct AudioLevel {
  float rms = 0;
  float peak = 0;
};

// The queue ran dry while playing (not paused): how often, and for how long
// in all, an underrun still going counted up to now. A queue that empties
// at the end of the stream counts too unless the caller pauses or closes
// first.
struct AudioUnderruns {
  uint64_t count = 0;
  std::chrono::nanoseconds duration{0};
};

// The level meter: RMS and peak of a sliding window of the last ~50 ms of
// samples. add() from one thread, level() from any (atomics).
class AudioLevelMeter {
 public:
  static constexpr std::chrono::milliseconds kWindow{50};
  void reset(uint32_t rate, uint32_t channels);
  void add(std::span<const int16_t> pcm);
  AudioLevel level() const {
    return {rms_.load(std::memory_order_relaxed), peak_.load(std::memory_order_relaxed)};
  }

 private:
  std::vector<int16_t> window_;  // a ring of the last values; audio thread only
  size_t next_ = 0;
  size_t filled_ = 0;
  std::atomic<float> rms_{0};
  std::atomic<float> peak_{0};
};

class AudioSink {
 public:
  virtual ~AudioSink() = default;

  // Opens the output for `channels` interleaved values a sample frame at
  // `rate` Hz, playing (not paused, not muted), with nothing queued and
  // the sample index at 0. Throws std::invalid_argument for a rate outside
  // 8000-192000 or channels outside 1-kMaxSinkChannels, AudioSinkError when
  // the output cannot open. An open sink closes first.
  virtual void open(uint32_t rate, uint32_t channels) = 0;
  // Queues PCM after what is queued: samples * channels values (a trailing
  // part of a sample frame is ignored). Returns the sample frames taken:
  // all, but for what would queue more than kMaxQueuedAudio. Never blocks;
  // nothing before open().
  virtual size_t queue(std::span<const int16_t> pcm) = 0;
  // Sample frames taken by queue() since open(): the index the next one
  // will have.
  virtual uint64_t queued_samples() const = 0;
  // Sample frames that have reached the output since open() (a device: its
  // driver took them; the null sink: its clock consumed them). Never more
  // than queued_samples(); never goes back.
  virtual uint64_t played_samples() const = 0;
  // When the sample frame of this index reaches the listener, on the
  // steady clock: now plus what plays before it (and a device's own buffer)
  // at the rate for a sample still queued; the null sink is exact. For a
  // sample already played, an estimate in the past. While paused: as if
  // playing resumed now.
  virtual AudioTime presented_at(uint64_t sample_index) const = 0;
  virtual AudioUnderruns underruns() const = 0;
  // Stops and resumes consuming samples; what is queued stays.
  virtual void pause(bool paused) = 0;
  // Muted, the output plays silence in place of the samples, timing and
  // counts unchanged (what is already queued is silenced too).
  virtual void mute(bool muted) = 0;
  // Closes the output and drops what is queued (queued_samples() falls to
  // played_samples()); the counts stay readable until open().
  virtual void close() = 0;

  // What is queued and not played, at the rate (0 before open()).
  std::chrono::nanoseconds queued_duration() const;
  // The meter of what was queued (before muting: it shows the sound).
  AudioLevel level() const { return meter_.level(); }
  uint32_t rate() const { return rate_.load(std::memory_order_relaxed); }
  uint32_t channels() const { return channels_.load(std::memory_order_relaxed); }
  bool paused() const { return paused_.load(std::memory_order_relaxed); }
  bool muted() const { return muted_.load(std::memory_order_relaxed); }

 protected:
  // Checks open()'s arguments and sets the fields below for them.
  void begin(uint32_t rate, uint32_t channels);
  // The sample frames of this many values that queue() may take now.
  size_t room(size_t values) const;
  // The duration of this many sample frames at the rate, rounded up to ns.
  std::chrono::nanoseconds duration_of(uint64_t samples) const;

  AudioLevelMeter meter_;
  std::atomic<uint32_t> rate_{0};
  std::atomic<uint32_t> channels_{0};
  std::atomic<bool> paused_{false};
  std::atomic<bool> muted_{false};
};

}  // namespace flowcast::client
