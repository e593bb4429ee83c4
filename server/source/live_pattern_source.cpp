#include "server/source/live_pattern_source.hpp"

#include <chrono>
#include <cstdio>

#include "media/payload/payload_format.hpp"
#include "media/source/test_pattern.hpp"
#include "media/source/test_pattern_sound.hpp"
#include "server/source/audio_stream.hpp"

namespace flowcast::server {
namespace {

using Clock = std::chrono::steady_clock;

// "the test pattern 1280x720@30 (H264)", for the log.
std::string pattern_name(const media::EncoderConfig& config, const media::PayloadFormat& format,
                         bool audio) {
  return "the test pattern " + std::to_string(config.width) + "x" + std::to_string(config.height) +
         "@" + std::to_string(config.fps) + " (" + std::string(format.encoding_name) + ")" +
         (audio ? " with Opus sound" : "");
}

// The sound's stream: Opus, RFC 7587 §7: rtpmap opus/48000/2, no fmtp.
MediaStreamDescription describe_sound(const media::AudioEncoderConfig& config) {
  media::AudioTrackInfo sound;
  sound.codec_id = media::opus_payload_format().codec_id;
  sound.codec_name = "opus";
  sound.sample_rate = static_cast<int>(config.sample_rate);
  sound.channels = static_cast<int>(config.channels);
  return describe_audio(sound);
}

media::AudioEncoderConfig sound_config() {
  media::AudioEncoderConfig c;
  c.sample_rate = 48000;
  c.channels = 2;
  c.frame_ms = LivePatternSource::kAudioFrameMs;
  c.bitrate = LivePatternSource::kAudioBitrate;
  return c;
}

}  // namespace

LivePatternSource::LivePatternSource(asio::io_context& io, const media::EncoderConfig& config,
                                     size_t mtu, const media::PayloadFormat& format, bool audio)
    : LiveSource(io, mtu, format, pattern_name(config, format, audio)),
      encoder_(config),
      meter_(std::string(format.option_name), encoder_.config().preset, config.fps) {
  if (audio) {
    audio_ = std::make_unique<media::AudioEncoder>(sound_config());
    add_stream(describe_sound(audio_->config()));
  }
}

LivePatternSource::~LivePatternSource() {
  stop();
}

std::optional<EncoderReading> LivePatternSource::encoder() const {
  std::lock_guard lock(meter_mutex_);
  return meter_.reading(Clock::now());
}

bool LivePatternSource::deliver_sound(int64_t first, std::vector<int16_t>& pcm) {
  const media::TestPatternSound sound(audio_->config().sample_rate, audio_->config().channels);
  sound.render(first, pcm);
  try {
    for (auto& ef : audio_->encode(pcm, first)) deliver(ef);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flowcast-server: the test pattern's sound encoder failed: %s\n",
                 e.what());
    return false;
  }
  return true;
}

void LivePatternSource::run() {
  const auto& cfg = encoder_.config();
  // A flash every fps pictures: at media time k·1 s, with the beep.
  media::TestPattern pattern(cfg.width, cfg.height, cfg.fps);
  const auto start = Clock::now();
  const auto interval = std::chrono::duration<double>(1.0 / cfg.fps);
  const auto at = [&](std::chrono::duration<double> t) {
    return start + std::chrono::duration_cast<Clock::duration>(t);
  };
  bool sound = audio_ != nullptr;
  const uint32_t rate = sound ? audio_->config().sample_rate : 1;
  std::vector<int16_t> pcm(sound ? audio_->frame_samples() * audio_->config().channels : 0);
  int64_t next_sample = 0;  // the next sound frame's first sample
  int64_t n = 0;            // the next picture
  while (running()) {
    const auto due = at(n * interval);
    // The sound frame due first goes first: each at its own media time.
    if (sound) {
      const auto sound_due = at(std::chrono::duration<double>(static_cast<double>(next_sample) /
                                                              static_cast<double>(rate)));
      if (sound_due <= due) {
        if (sound_due > Clock::now()) std::this_thread::sleep_until(sound_due);
        sound = deliver_sound(next_sample, pcm);
        next_sample += static_cast<int64_t>(audio_->frame_samples());
        continue;
      }
    }
    const int64_t index = n++;
    auto now = Clock::now();
    if (due > now) {
      std::this_thread::sleep_until(due);
    } else if (now - due > kMaxBehind) {
      // Behind (the encoder is slower than the pattern, or the machine is
      // busy): skip ahead rather than burst or fall further behind.
      std::lock_guard lock(meter_mutex_);
      meter_.skipped(due, now);
      continue;
    }
    try {
      const auto began = Clock::now();
      media::Frame frame = pattern.render(index);
      auto encoded = encoder_.encode(frame);
      {
        std::lock_guard lock(meter_mutex_);
        meter_.encoded(due, began, Clock::now());
      }
      for (auto& ef : encoded) deliver(ef);
    } catch (const std::exception& e) {
      // The pattern stops; the server and its sessions go on without frames.
      std::fprintf(stderr, "flowcast-server: the test pattern encoder failed: %s\n", e.what());
      return;
    }
  }
}

}  // namespace flowcast::server
