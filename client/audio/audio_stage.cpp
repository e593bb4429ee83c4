#include "client/audio/audio_stage.hpp"

#include <pthread.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace flowcast::client {

using Clock = std::chrono::steady_clock;

namespace {

// A hole in the timeline longer than this is not concealed sample by
// sample: the sound after it is placed at its due time (silence before it).
constexpr int64_t kMaxConcealed90k = 90 * static_cast<int64_t>(media::kMaxAudioFrameMs);

media::AudioStreamParameters decoder_parameters(const AudioStreamOptions& s) {
  if (!s.format || s.format->media != "audio" || !s.format->make_depacketizer)
    throw std::invalid_argument("the audio stream has no audio payload format");
  if (s.clock_rate < 8000 || s.clock_rate > 192'000)
    throw std::invalid_argument("an audio rate of " + std::to_string(s.clock_rate) +
                                " Hz; 8000 to 192000 Hz are played");
  if (s.channels == 0 || s.channels > kMaxSinkChannels)
    throw std::invalid_argument(std::to_string(s.channels) + " audio channels; 1 to " +
                                std::to_string(kMaxSinkChannels) + " are played");
  media::AudioStreamParameters p;
  p.codec_id = s.format->codec_id;
  p.sample_rate = s.clock_rate;
  p.channels = s.channels;
  p.config = s.config;
  return p;
}

std::chrono::nanoseconds samples_duration(uint64_t samples, uint32_t rate) {
  return std::chrono::nanoseconds(static_cast<int64_t>(samples * 1'000'000'000ULL / rate));
}

}  // namespace

AudioStage::AudioStage(const AudioStreamOptions& stream, ReceiveBuffer& buffer,
                       const PlayoutPolicy& policy, PlayoutClock& clock,
                       std::unique_ptr<AudioSink> sink)
    : stream_(stream),
      buffer_(buffer),
      policy_(policy),
      clock_(clock),
      sink_(std::move(sink)),
      decoder_(std::make_unique<media::AudioDecoder>(decoder_parameters(stream_))),
      beeps_(stream_.clock_rate, stream_.channels),
      decoder_name_(decoder_->decoder_name()) {}

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
  {
    std::lock_guard lock(wait_mutex_);
    stop_ = true;
  }
  wait_cv_.notify_all();
  buffer_.wake();
  if (thread_.joinable()) thread_.join();
  sink_->close();
}

bool AudioStage::wait_until(SteadyTime until) {
  std::unique_lock lock(wait_mutex_);
  wait_cv_.wait_until(lock, until, [this] { return stop_.load(); });
  return !stop_;
}

std::optional<int64_t> AudioStage::taken_through() const {
  std::lock_guard lock(mutex_);
  return taken_through_;
}

std::vector<SteadyTime> AudioStage::beeps_heard() const {
  const SteadyTime now = Clock::now();
  std::lock_guard lock(mutex_);
  std::vector<SteadyTime> heard;
  for (SteadyTime t : beeps_heard_)
    if (t <= now) heard.push_back(t);
  return heard;
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
  std::lock_guard lock(mutex_);
  // The latest stretch begun by then.
  for (auto it = stretches_.rbegin(); it != stretches_.rend(); ++it) {
    if (it->start > when) continue;
    if (when >= it->end || !it->ts_90k) return std::nullopt;
    return *it->ts_90k +
           std::chrono::duration_cast<std::chrono::microseconds>(when - it->start).count() * 9 /
               100;
  }
  return std::nullopt;
}

void AudioStage::queue(std::span<const int16_t> pcm, std::optional<int64_t> ts_90k) {
  const uint32_t channels = stream_.channels;
  if (pcm.size() < channels) return;
  // Where it plays: after what is queued.
  const uint64_t first_index = sink_->queued_samples();
  const SteadyTime start = sink_->presented_at(first_index);
  const size_t taken = sink_->queue(pcm);
  if (taken == 0) return;
  const SteadyTime end = start + samples_duration(taken, stream_.clock_rate);
  // The pattern's beeps in the sound (not in silence put in): each found
  // reaches the output where this stretch puts it.
  std::vector<uint64_t> found;
  if (ts_90k) found = beeps_.push(pcm.first(taken * channels), first_index);
  std::lock_guard lock(mutex_);
  for (uint64_t index : found)
    if (beeps_heard_.size() < kMaxBeeps)
      beeps_heard_.push_back(start + samples_duration(index - first_index, stream_.clock_rate));
  // A stretch that continues the last one's media time needs no entry.
  if (!stretches_.empty()) {
    Stretch& last = stretches_.back();
    const bool continues =
        last.ts_90k && ts_90k &&
        std::abs(
            *last.ts_90k +
            std::chrono::duration_cast<std::chrono::microseconds>(last.end - last.start).count() *
                9 / 100 -
            *ts_90k) <= 2 &&
        std::chrono::abs(start - last.end) < std::chrono::milliseconds(1);
    if (continues || (!last.ts_90k && !ts_90k && start == last.end)) {
      last.end = end;
      return;
    }
  }
  stretches_.push_back({start, end, ts_90k});
  if (stretches_.size() > kMaxStretches) stretches_.pop_front();
}

void AudioStage::run() {
  media::AudioDecoder& decoder = *decoder_;
  auto depacketizer = stream_.format->make_depacketizer();
  const uint32_t rate = stream_.clock_rate;
  const uint32_t channels = stream_.channels;
  // Positions are in samples of the stream, from the buffer's timeline
  // (90 kHz) rounded: the receive path rounded the other way, so a
  // position comes back within a sample or two (slack) of where the last
  // frame ended.
  const auto to_samples = [rate](int64_t ticks_90k) {
    return static_cast<int64_t>(std::llround(static_cast<double>(ticks_90k) * rate / 90'000.0));
  };
  const auto to_90k = [rate](int64_t samples) {
    return static_cast<int64_t>(std::llround(static_cast<double>(samples) * 90'000.0 / rate));
  };
  const int64_t slack = rate / 90'000 + 2;
  const auto max_inserted = static_cast<size_t>(rate * kMaxInserted.count() / 1000);
  // Where the sound handed on so far ends.
  std::optional<int64_t> next_position;
  bool last_concealed = false;
  bool muted = false;

  // Queues one block whose first sample is at `position`, keeping it on the
  // clock (see the class comment).
  const auto play = [&](media::AudioBlock block, int64_t position) {
    if (block.samples == 0) return;
    if (muted != mute_requested_.load()) {
      muted = mute_requested_.load();
      sink_->mute(muted);
    }
    std::span<const int16_t> pcm(block.pcm.data(), block.samples * channels);
    uint64_t inserted = 0;
    uint64_t removed = 0;
    // A move of the playout asked for (retime()): its silence or its cut.
    if (const int64_t retime = retime_us_.exchange(0); retime != 0) {
      clock_.shift(std::chrono::microseconds(retime));
      const auto n = std::min<size_t>(max_inserted,
                                      static_cast<size_t>(std::llabs(retime) * rate / 1'000'000));
      if (retime > 0) {
        const std::vector<int16_t> silence(n * channels, 0);
        queue(silence, std::nullopt);
        inserted += n;
      } else {
        const size_t cut = std::min<size_t>(n, block.samples);
        pcm = pcm.subspan(cut * channels);
        position += static_cast<int64_t>(cut);
        removed += cut;
      }
    }
    if (auto due = clock_.due(to_90k(position))) {
      // Queue it no earlier than kOutputLead before it is due.
      if (*due - kOutputLead > Clock::now() && !wait_until(*due - kOutputLead)) return;
      const auto end = sink_->presented_at(sink_->queued_samples());
      const bool running = sink_->queued_duration() > std::chrono::nanoseconds::zero();
      if (*due > end + kLateTolerance || (!running && *due > end)) {
        // Sound due later than the output would play it: silence first.
        const auto gap = std::chrono::duration<double>(*due - end).count();
        const auto n = std::min(max_inserted, static_cast<size_t>(gap * rate));
        const std::vector<int16_t> silence(n * channels, 0);
        queue(silence, std::nullopt);
        if (running) inserted += n;
      } else if (end > *due + kLateTolerance && !pcm.empty()) {
        // The output would play it too late: drop its start.
        const auto late = std::chrono::duration<double>(end - *due).count();
        const auto cut =
            std::min<uint64_t>(pcm.size() / channels, static_cast<uint64_t>(late * rate));
        pcm = pcm.subspan(cut * channels);
        position += static_cast<int64_t>(cut);
        removed += cut;
      }
    }
    queue(pcm, to_90k(position));
    std::lock_guard lock(mutex_);
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
    while (samples > 0 && !stop_) {
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
    auto au = buffer_.wait_next(policy_, stop_);
    if (!au) break;
    policy_.note_taken(*au, Clock::now());
    for (size_t i = 0; i < au->payloads.size(); ++i)
      depacketizer->push(au->payloads[i], au->gap_before[i]);
    media::DepacketizedUnit unit = depacketizer->finish();
    int64_t position = to_samples(au->timestamp);
    {
      std::lock_guard lock(mutex_);
      // Taken: the stall check counts from here while its sound waits for
      // its due time (after a gap, for as long as the gap).
      taken_through_ = std::max(taken_through_.value_or(au->timestamp), au->timestamp);
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
    if (sizes.size() > kMaxFramesPerUnit) {
      std::lock_guard lock(mutex_);
      counters_.frames_rejected_beyond_unit += sizes.size() - kMaxFramesPerUnit;
      sizes.resize(kMaxFramesPerUnit);
    }
    size_t offset = 0;
    for (size_t size : sizes) {
      if (offset + size > unit.annexb.size() || stop_) break;
      std::span<const uint8_t> frame(unit.annexb.data() + offset, size);
      offset += size;
      media::AudioBlock block = decoder.decode(frame, position);
      {
        std::lock_guard lock(mutex_);
        ++counters_.frames_decoded;
        counters_.frames_rejected = decoder.rejected() + counters_.frames_rejected_beyond_unit;
      }
      const auto got = static_cast<int64_t>(block.samples);
      play(std::move(block), position);
      position += got;
    }
    next_position = position;
    std::lock_guard lock(mutex_);
    taken_through_ = to_90k(position);
  }
  // The stream ended: what is queued plays out, then the output pauses (its
  // end is no underrun).
  if (!stop_ && wait_until(sink_->presented_at(sink_->queued_samples()))) sink_->pause(true);
}

}  // namespace flowcast::client
