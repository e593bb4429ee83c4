#pragma once
// The audio thread ("fc-audio"): the audio stream's decode and output. It
// takes the audio's access units (RTP timestamps: an Opus packet, an AAC
// packet's access units) from the audio's ReceiveBuffer as the audio's
// PlayoutPolicy lets them go, depacketizes them (the format's depacketizer
// hands each frame's size), decodes them (media::AudioDecoder), and queues
// the sound on the AudioSink (SDL's device, or the null device headless) so
// that each sample reaches the listener when the audio's PlayoutClock says
// its media time is due:
//  - the first sound, and the first after an underrun, is preceded by
//    silence up to its due time (not counted: nothing was played late);
//  - a stretch of the timeline that no packet filled (lost, late, or
//    discarded by the overflow policy) is concealed: the decoder's own
//    concealment where it has one (Opus through libopus), else silence
//    (W3C webrtc-stats concealedSamples, silentConcealedSamples,
//    concealmentEvents);
//  - sound that would reach the listener more than kLateTolerance after its
//    due time (the sink ran ahead: a stall moved the clock on) loses
//    samples at its start (removedSamplesForAcceleration); sound due more
//    than kLateTolerance after the sink would play it gets silence before it
//    (insertedSamplesForDeceleration).
// It records, for each stretch queued, which media time each sample index
// carries, so media_time_at() tells what the listener hears at a time: the
// A/V offset's audio side. It also looks for the beep of the pattern's
// beep-and-flash test in what it queues (BeepDetector) and notes when each
// beep's first sample reaches the output (beeps_heard()).
//
// Threads: start() spawns the audio thread; stop() and the readers are for
// any thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "client/audio/beep_flash.hpp"
#include "client/playout/playout_clock.hpp"
#include "client/playout/playout_policy.hpp"
#include "client/playout/receive_buffer.hpp"
#include "client/render/audio_sink.hpp"
#include "client/transport/audio_stream_options.hpp"
#include "media/codec/audio_decoder.hpp"

namespace flowcast::client {

// The W3C webrtc-stats counters of an inbound audio stream (RTCInboundRtpStreamStats,
// §8.6 of webrtc-stats), in sample frames: samples of all channels at one
// instant count once, as the spec says for several channels.
struct AudioCounters {
  // Samples decoded or concealed and handed to the output (includes
  // concealed_samples).
  uint64_t total_samples_received = 0;
  // Samples synthesized for lost or rejected input (W3C concealedSamples).
  uint64_t concealed_samples = 0;
  // Of those, silent ones (W3C silentConcealedSamples).
  uint64_t silent_concealed_samples = 0;
  // Concealed samples synthesized after a sample that was not (W3C
  // concealmentEvents).
  uint64_t concealment_events = 0;
  // Samples added to slow playout down (W3C insertedSamplesForDeceleration).
  uint64_t inserted_samples_for_deceleration = 0;
  // Samples removed to speed playout up (W3C removedSamplesForAcceleration).
  uint64_t removed_samples_for_acceleration = 0;
  // totalSamplesReceived in seconds at the stream's rate (W3C totalSamplesDuration).
  double total_samples_duration_s = 0;
  uint64_t frames_decoded = 0;   // coded frames handed to the decoder
  uint64_t frames_rejected = 0;  // refused by it (concealed), or beyond kMaxFramesPerUnit
  uint64_t frames_rejected_beyond_unit = 0;  // of those, beyond kMaxFramesPerUnit (dropped)
  uint64_t units_taken = 0;                  // access units taken from the buffer
  uint64_t units_incomplete = 0;             // of those, missing packets
  AudioUnderruns underruns;                  // the output ran dry while playing
  AudioLevel level;                          // the last ~50 ms queued
};

class AudioStage {
 public:
  // Sound further than this from its due time is moved (see above).
  static constexpr std::chrono::milliseconds kLateTolerance{40};
  // Sound is queued on the output this long before it is due (the access
  // units leave the buffer earlier; the audio thread waits), so the output
  // holds little more than this and its level meter shows what is heard.
  static constexpr std::chrono::milliseconds kOutputLead{60};
  // The most silence put before one block: a sender's timestamps may step
  // far ahead, and what it makes the client allocate stays bounded.
  static constexpr std::chrono::milliseconds kMaxInserted{500};
  // The coded frames decoded of one access unit at most (an RFC 3640
  // packet may hold many); the rest are dropped as rejected, not concealed.
  static constexpr size_t kMaxFramesPerUnit = 64;
  // Stretches of sound queued that media_time_at() remembers.
  static constexpr size_t kMaxStretches = 256;

  // Borrows buffer, policy and clock (the audio's own); owns sink. Opens
  // the decoder. Throws std::invalid_argument for a stream it cannot play
  // (no audio payload format, a rate outside 8000-192000 Hz, channels
  // outside 1-8), media::AvError when FFmpeg has no decoder for it or it
  // does not open (an AAC config it cannot read).
  AudioStage(const AudioStreamOptions& stream, ReceiveBuffer& buffer, const PlayoutPolicy& policy,
             PlayoutClock& clock, std::unique_ptr<AudioSink> sink);
  ~AudioStage();

  // Opens the output and starts the audio thread. Throws AudioSinkError
  // when the output cannot open.
  void start();
  // Stops and joins; closes the output. Idempotent.
  void stop();
  // Mutes or unmutes the output (timing unchanged): done by the audio
  // thread at its next block. Any thread.
  void mute(bool muted) { mute_requested_ = muted; }
  bool muted() const { return mute_requested_.load(); }
  // Moves the audio's playout by `delta` (later when positive): its clock
  // moves, and the audio thread inserts that much silence (later) or drops
  // that much sound (earlier) before its next block, counted as W3C
  // insertedSamplesForDeceleration / removedSamplesForAcceleration. Any
  // thread; what is not done yet adds up.
  void retime(std::chrono::microseconds delta) { retime_us_ += delta.count(); }

  AudioCounters counters() const;
  // What the listener hears at `when`: the media time (90 kHz ticks on the
  // audio buffer's timeline) of the sample that reaches the output then;
  // nullopt before any sound, in silence put in, or past what was queued.
  std::optional<int64_t> media_time_at(SteadyTime when) const;
  const AudioStreamOptions& stream() const { return stream_; }
  // The decoder's name ("libopus", "aac").
  std::string decoder_name() const { return decoder_name_; }
  // Where the sound taken so far ends, on the buffer's timeline (90 kHz):
  // the start of an access unit once taken, its end once played; nullopt
  // before any. Any thread.
  std::optional<int64_t> taken_through() const;
  // When the first sample of each beep found in the sound (BeepDetector)
  // reached the output, in order, up to now; the first kMaxBeeps. Any
  // thread.
  std::vector<SteadyTime> beeps_heard() const;
  static constexpr size_t kMaxBeeps = 100'000;
  // What is queued on the output and not yet played.
  std::chrono::nanoseconds output_queued() const { return sink_->queued_duration(); }

 private:
  // A stretch of the output: from `start` to `end` (steady clock), the
  // sound of media time `ts_90k` on (nullopt: silence put in).
  struct Stretch {
    SteadyTime start;
    SteadyTime end;
    std::optional<int64_t> ts_90k;
  };

  void run();
  // Waits until `until` or stop(); false when stopped.
  bool wait_until(SteadyTime until);
  // Queues pcm (whole sample frames) on the output as a stretch of media
  // time ts_90k (nullopt: silence).
  void queue(std::span<const int16_t> pcm, std::optional<int64_t> ts_90k);

  const AudioStreamOptions stream_;
  ReceiveBuffer& buffer_;
  const PlayoutPolicy& policy_;
  PlayoutClock& clock_;
  std::unique_ptr<AudioSink> sink_;
  std::unique_ptr<media::AudioDecoder> decoder_;
  BeepDetector beeps_;  // audio thread only
  std::string decoder_name_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> mute_requested_{false};
  std::atomic<int64_t> retime_us_{0};
  std::mutex wait_mutex_;
  std::condition_variable wait_cv_;

  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  AudioCounters counters_;
  std::deque<Stretch> stretches_;
  std::optional<int64_t> taken_through_;
  std::vector<SteadyTime> beeps_heard_;  // when each beep found reaches the output
};

}  // namespace flowcast::client
