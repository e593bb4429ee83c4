#include "client/audio/audio_stage.hpp"

#include <pthread.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "client/audio/beep_flash.hpp"
#include "media/codec/audio_decoder.hpp"

namespace flowcast::client {

using Clock = std::chrono::steady_clock;

namespace {

// A hole in the timeline longer than this is not concealed sample by
// sample: the sound after it is placed at its due time (silence before it).
constexpr int64_t kMaxConcealed90k = 90 * static_cast<int64_t>(media::kMaxAudioFrameMs);

media::AudioStreamParameters decoder_parameters(const AudioStreamOptions& s) {
  media::AudioStreamParameters p;
  p.codec_id = s.format->codec_id;
  p.sample_rate = s.clock_rate;
  p.channels = s.channels;
  p.config = s.config;
  return p;
}

}  // namespace

AudioStage::AudioStage(const AudioStreamOptions& stream, ReceiveBuffer& buffer,
                       const PlayoutPolicy& policy, PlayoutClock& clock,
                       std::unique_ptr<AudioSink> sink)
    : stream_(stream), buffer_(buffer), policy_(policy), clock_(clock), sink_(std::move(sink)) {
  if (!stream_.format || stream_.format->media != "audio" || !stream_.format->make_depacketizer)
    throw std::invalid_argument("the audio stream has no audio payload format");
  if (stream_.clock_rate == 0 || stream_.channels == 0)
    throw std::invalid_argument("the audio stream's rate or channels are unknown");
}

AudioStage::~AudioStage() {
  stop();
}

void AudioStage::start() {
  sink_->open(stream_.clock_rate, stream_.channels);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "fc-audio");  // for top -H, /proc/PID/task
    run();
  });
}

void AudioStage::stop() {
  stop_ = true;
  buffer_.wake();
  if (thread_.joinable()) thread_.join();
  note_beeps_played();
  sink_->close();
}

void AudioStage::mute(bool muted) {
  sink_->mute(muted);
}

std::string AudioStage::decoder_name() const {
  std::lock_guard lock(mutex_);
  return decoder_name_;
}

std::optional<int64_t> AudioStage::taken_through() const {
  std::lock_guard lock(mutex_);
  return taken_through_;
}

std::vector<SteadyTime> AudioStage::beeps_heard() const {
  std::lock_guard lock(mutex_);
  return beeps_heard_;
}

void AudioStage::note_beeps_played() {
  std::lock_guard lock(mutex_);
  if (beeps_found_.empty()) return;
  // Played by now: presented_at() tells when it was (exact for the null
  // sink; a device's estimate), before a later underrun could move it.
  const uint64_t played = sink_->played_samples();
  auto it = beeps_found_.begin();
  for (; it != beeps_found_.end() && *it < played; ++it)
    if (beeps_heard_.size() < kMaxBeeps) beeps_heard_.push_back(sink_->presented_at(*it));
  beeps_found_.erase(beeps_found_.begin(), it);
}

AudioCounters AudioStage::counters() const {
  AudioCounters c;
  {
    std::lock_guard lock(mutex_);
    c = counters_;
  }
  c.underruns = sink_->underruns();
  c.level = sink_->level();
  return c;
}

std::optional<int64_t> AudioStage::media_time_at(SteadyTime when) const {
  std::optional<std::pair<uint64_t, int64_t>> anchor;
  {
    std::lock_guard lock(mutex_);
    anchor = anchor_;
  }
  if (!anchor) return std::nullopt;
  const double rate = stream_.clock_rate;
  const auto since = std::chrono::duration<double>(when - sink_->presented_at(anchor->first));
  const double index = static_cast<double>(anchor->first) + since.count() * rate;
  if (index < 0 || index > static_cast<double>(sink_->queued_samples())) return std::nullopt;
  return anchor->second +
         static_cast<int64_t>((index - static_cast<double>(anchor->first)) * 90'000.0 / rate);
}

void AudioStage::run() {
  media::AudioDecoder decoder(decoder_parameters(stream_));
  {
    std::lock_guard lock(mutex_);
    decoder_name_ = std::string(decoder.decoder_name());
  }
  auto depacketizer = stream_.format->make_depacketizer();
  const uint32_t rate = stream_.clock_rate;
  const uint32_t channels = stream_.channels;
  // Positions are in samples of the stream, from the buffer's timeline
  // (90 kHz) rounded: the receive path rounded the other way, so a
  // position comes back within a sample or two (kSlack) of where the last
  // frame ended.
  const auto to_samples = [rate](int64_t ticks_90k) {
    return static_cast<int64_t>(std::llround(static_cast<double>(ticks_90k) * rate / 90'000.0));
  };
  const auto to_90k = [rate](int64_t samples) {
    return static_cast<int64_t>(std::llround(static_cast<double>(samples) * 90'000.0 / rate));
  };
  const int64_t slack = rate / 90'000 + 2;
  BeepDetector beeps(rate, channels);
  // Where the sound handed on so far ends.
  std::optional<int64_t> next_position;
  bool last_concealed = false;

  // Queues one block whose first sample is at `position`, keeping it on the
  // clock (see the class comment).
  const auto play = [&](media::AudioBlock block, int64_t position) {
    if (block.samples == 0) return;
    std::span<const int16_t> pcm(block.pcm.data(), block.samples * channels);
    uint64_t inserted = 0;
    uint64_t removed = 0;
    if (auto due = clock_.due(to_90k(position))) {
      const auto end = sink_->presented_at(sink_->queued_samples());
      const bool running = sink_->queued_duration() > std::chrono::nanoseconds::zero();
      if (*due > end + kLateTolerance || (!running && *due > end)) {
        // Sound due later than the output would play it: silence first.
        const auto gap = std::chrono::duration<double>(*due - end).count();
        const auto n = static_cast<size_t>(gap * rate);
        std::vector<int16_t> silence(n * channels, 0);
        sink_->queue(silence);
        if (running) inserted = n;
      } else if (end > *due + kLateTolerance) {
        // The output would play it too late: drop its start.
        const auto late = std::chrono::duration<double>(end - *due).count();
        removed = std::min<uint64_t>(block.samples, static_cast<uint64_t>(late * rate));
        pcm = pcm.subspan(removed * channels);
        position += static_cast<int64_t>(removed);
      }
    }
    const uint64_t first_index = sink_->queued_samples();
    sink_->queue(pcm);
    const std::vector<uint64_t> found = beeps.push(pcm, first_index);
    std::lock_guard lock(mutex_);
    beeps_found_.insert(beeps_found_.end(), found.begin(), found.end());
    if (!pcm.empty()) anchor_ = std::make_pair(first_index, to_90k(position));
    counters_.total_samples_received += block.samples;
    counters_.total_samples_duration_s += static_cast<double>(block.samples) / rate;
    counters_.inserted_samples_for_deceleration += inserted;
    counters_.removed_samples_for_acceleration += removed;
    if (block.concealed) {
      counters_.concealed_samples += block.samples;
      if (block.concealed_silently) counters_.silent_concealed_samples += block.samples;
      if (!last_concealed) ++counters_.concealment_events;
    }
    last_concealed = block.concealed;
  };
  const auto conceal = [&](int64_t samples, int64_t position) {
    while (samples > 0) {
      const auto n = std::min<int64_t>(samples, to_samples(kMaxConcealed90k));
      media::AudioBlock block = decoder.conceal(static_cast<size_t>(n));
      const auto got = static_cast<int64_t>(block.samples);
      play(std::move(block), position);
      if (got == 0) break;
      samples -= got;
      position += got;
    }
  };

  while (!stop_) {
    note_beeps_played();
    auto au = buffer_.wait_next(policy_, stop_);
    if (!au) break;
    policy_.note_taken(*au, Clock::now());
    for (size_t i = 0; i < au->payloads.size(); ++i)
      depacketizer->push(au->payloads[i], au->gap_before[i]);
    media::DepacketizedUnit unit = depacketizer->finish();
    int64_t position = to_samples(au->timestamp);
    {
      std::lock_guard lock(mutex_);
      ++counters_.units_taken;
      if (!au->complete || !unit.complete) ++counters_.units_incomplete;
    }
    if (next_position) {
      const int64_t hole = position - *next_position;
      if (hole > slack && hole <= to_samples(kMaxConcealed90k)) {
        conceal(hole, *next_position);
      } else if (hole < -static_cast<int64_t>(rate) / 50) {
        // Behind what was played by more than 20 ms: already heard.
        continue;
      } else if (std::abs(hole) <= slack) {
        position = *next_position;  // rounding: it follows on
      }
    }
    // The frames the depacketizer found, one after another.
    std::vector<size_t> sizes = unit.frame_sizes;
    if (sizes.empty() && !unit.annexb.empty()) sizes.push_back(unit.annexb.size());
    size_t offset = 0;
    for (size_t size : sizes) {
      if (offset + size > unit.annexb.size()) break;
      std::span<const uint8_t> frame(unit.annexb.data() + offset, size);
      offset += size;
      media::AudioBlock block = decoder.decode(frame, position);
      {
        std::lock_guard lock(mutex_);
        ++counters_.frames_decoded;
        counters_.frames_rejected = decoder.rejected();
      }
      const auto got = static_cast<int64_t>(block.samples);
      play(std::move(block), position);
      position += got;
    }
    next_position = position;
    std::lock_guard lock(mutex_);
    taken_through_ = to_90k(position);
  }
}

}  // namespace flowcast::client
