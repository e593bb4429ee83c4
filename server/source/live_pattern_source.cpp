#include "server/source/live_pattern_source.hpp"

#include <chrono>
#include <cstdio>

#include "media/source/test_pattern.hpp"

namespace flowcast::server {

LivePatternSource::LivePatternSource(asio::io_context& io, const media::EncoderConfig& config,
                                     size_t mtu, const media::PayloadFormat& format,
                                     FrameHandler on_frame)
    : io_(io), encoder_(config), mtu_(mtu), format_(format), on_frame_(std::move(on_frame)) {}

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
    } else if (now - due > std::chrono::seconds(1)) {
      // Far behind (the machine is busy): skip ahead rather than burst.
      continue;
    }
    try {
      media::Frame frame = pattern.render(n);
      for (auto& ef : encoder_.encode(frame)) {
        auto packetized = packetize_frame(ef, mtu_, format_);
        ++frames_;
        asio::post(io_, [this, packetized] { on_frame_(packetized); });
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "flowcast-server: the test pattern encoder failed: %s\n", e.what());
      running_ = false;
    }
  }
}

}  // namespace flowcast::server
