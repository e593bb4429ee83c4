#include "server/source/live_pattern_source.hpp"

#include <chrono>
#include <cstdio>

#include "media/source/test_pattern.hpp"

namespace flowcast::server {

LivePatternSource::LivePatternSource(asio::io_context& io, const media::EncoderConfig& config,
                                     size_t mtu, const media::PayloadFormat& format,
                                     FrameHandler on_frame)
    : io_(io),
      encoder_(config),
      mtu_(mtu),
      format_(format),
      on_frame_(std::move(on_frame)),
      meter_(std::string(format.option_name), encoder_.config().preset, config.fps) {}

EncoderMetrics LivePatternSource::encoder_metrics() const {
  std::lock_guard lock(meter_mutex_);
  return meter_.metrics(std::chrono::steady_clock::now());
}

double LivePatternSource::encoder_fps() const {
  std::lock_guard lock(meter_mutex_);
  return meter_.last_second_fps();
}

double LivePatternSource::encoder_picture_ms() const {
  std::lock_guard lock(meter_mutex_);
  return meter_.last_second_picture_ms();
}

std::optional<double> LivePatternSource::encoder_behind_fps() const {
  std::lock_guard lock(meter_mutex_);
  return meter_.first_behind_fps();
}

LivePatternSource::~LivePatternSource() {
  stop();
}

void LivePatternSource::start() {
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void LivePatternSource::stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

void LivePatternSource::run() {
  const auto& cfg = encoder_.config();
  media::TestPattern pattern(cfg.width, cfg.height);
  const auto start = std::chrono::steady_clock::now();
  const auto interval = std::chrono::duration<double>(1.0 / cfg.fps);
  for (int64_t n = 0; running_; ++n) {
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
      for (auto& ef : encoded) {
        auto packetized = packetize_frame(ef, mtu_, format_);
        asio::post(io_, [this, packetized] { on_frame_(packetized); });
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "flowcast-server: the test pattern encoder failed: %s\n", e.what());
      running_ = false;
    }
  }
}

}  // namespace flowcast::server
