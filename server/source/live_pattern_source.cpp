#include "server/source/live_pattern_source.hpp"

#include <chrono>
#include <cstdio>

#include "media/source/test_pattern.hpp"

namespace flowcast::server {
namespace {

// "the test pattern 1280x720@30 (H264)", for the log.
std::string pattern_name(const media::EncoderConfig& config, const media::PayloadFormat& format) {
  return "the test pattern " + std::to_string(config.width) + "x" + std::to_string(config.height) +
         "@" + std::to_string(config.fps) + " (" + std::string(format.encoding_name) + ")";
}

}  // namespace

LivePatternSource::LivePatternSource(asio::io_context& io, const media::EncoderConfig& config,
                                     size_t mtu, const media::PayloadFormat& format)
    : LiveSource(io, mtu, format, pattern_name(config, format)),
      encoder_(config),
      meter_(std::string(format.option_name), encoder_.config().preset, config.fps) {}

LivePatternSource::~LivePatternSource() {
  stop();
}

std::optional<EncoderReading> LivePatternSource::encoder() const {
  std::lock_guard lock(meter_mutex_);
  return meter_.reading(std::chrono::steady_clock::now());
}

void LivePatternSource::run() {
  const auto& cfg = encoder_.config();
  media::TestPattern pattern(cfg.width, cfg.height);
  const auto start = std::chrono::steady_clock::now();
  const auto interval = std::chrono::duration<double>(1.0 / cfg.fps);
  for (int64_t n = 0; running(); ++n) {
    auto due =
        start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(n * interval);
    auto now = std::chrono::steady_clock::now();
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
      const auto began = std::chrono::steady_clock::now();
      media::Frame frame = pattern.render(n);
      auto encoded = encoder_.encode(frame);
      {
        std::lock_guard lock(meter_mutex_);
        meter_.encoded(due, began, std::chrono::steady_clock::now());
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
