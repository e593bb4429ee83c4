#include "client/audio/audio_playback.hpp"

#include <cstdio>

#include "client/render/null_audio_sink.hpp"
#include "client/render/sdl_audio_sink.hpp"

namespace flowcast::client {

namespace {

PlayoutConfig audio_playout(PlayoutConfig c) {
  c.decode_lead = AudioStage::kOutputLead;
  return c;
}

// SDL's device, or the null one headless or when no device opens.
std::unique_ptr<AudioSink> make_sink(const AudioStreamOptions& stream, bool headless) {
  if (headless) return std::make_unique<NullAudioSink>();
  auto sdl = std::make_unique<SdlAudioSink>();
  try {
    // Tried here, opened for good by the stage's start().
    sdl->open(stream.clock_rate, stream.channels);
    sdl->close();
    return sdl;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flowcast-client: %s; the sound is played to a null device instead\n",
                 e.what());
  }
  return std::make_unique<NullAudioSink>();
}

double ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

AudioPlayback::AudioPlayback(const AudioStreamOptions& stream, const AudioPlaybackConfig& config)
    : stream_(stream),
      path_(config.buffer, stream.clock_rate),
      policy_(audio_playout(config.playout), clock_),
      stage_(std::make_unique<AudioStage>(stream_, path_.buffer(), policy_, clock_,
                                          make_sink(stream_, config.headless))) {}

void AudioPlayback::start() {
  stage_->start();
}

void AudioPlayback::stop() {
  clock_.end(std::chrono::steady_clock::now());
  stage_->stop();
}

void AudioPlayback::check_stall(SteadyTime now) {
  if (clock_.state() != PlayState::playing) return;
  const auto through = stage_->taken_through();
  if (!through || stage_->output_queued() > std::chrono::nanoseconds::zero()) return;
  const auto view = path_.buffer().playout_view();
  // The last frame taken ended at `through`: check_stall counts from the
  // frame before it.
  constexpr int64_t frame_90k = 90 * kFrame.count();
  if (policy_.check_stall(now, *through - frame_90k, frame_90k, view.playable, view.end_of_stream))
    path_.buffer().wake();
}

std::optional<SteadyTime> AudioPlayback::next_check(SteadyTime now) const {
  const PlayState state = clock_.state();
  if (state != PlayState::playing && state != PlayState::stalled) return std::nullopt;
  return now + kFrame;
}

bool AudioPlayback::ended() const {
  return path_.buffer().playout_view().end_of_stream;
}

bool AudioPlayback::sender_idle(SteadyTime now) const {
  const auto through = stage_->taken_through();
  return through && policy_.sender_idle_past(*through, now);
}

double AudioPlayback::buffered_ms() const {
  return ms(path_.buffer().snapshot().buffered) + ms(stage_->output_queued());
}

AudioFigures AudioPlayback::figures(SteadyTime now) const {
  AudioFigures f;
  f.codec = std::string(stream_.format->encoding_name);
  f.decoder = stage_->decoder_name();
  f.sample_rate = stream_.clock_rate;
  f.channels = stream_.channels;
  const ReceiveCounters rc = path_.counters();
  f.packets = {.received = rc.received,
               .lost = rc.cumulative_lost,
               .late = rc.late,
               .duplicate = rc.duplicate,
               .dropped_buffer = rc.dropped_overflow,
               .jitter = rc.jitter};
  const AudioCounters c = stage_->counters();
  f.totalSamplesReceived = c.total_samples_received;
  f.concealedSamples = c.concealed_samples;
  f.silentConcealedSamples = c.silent_concealed_samples;
  f.concealmentEvents = c.concealment_events;
  f.insertedSamplesForDeceleration = c.inserted_samples_for_deceleration;
  f.removedSamplesForAcceleration = c.removed_samples_for_acceleration;
  f.totalSamplesDuration = c.total_samples_duration_s;
  f.frames_decoded = c.frames_decoded;
  f.frames_rejected = c.frames_rejected;
  f.underruns = c.underruns.count;
  f.underrun_ms = ms(c.underruns.duration);
  f.stalls = clock_.stall_count();
  f.stall_ms = ms(clock_.stall_time(now));
  return f;
}

}  // namespace flowcast::client
