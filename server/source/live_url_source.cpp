#include "server/source/live_url_source.hpp"

namespace flowcast::server {

LiveUrlSource::LiveUrlSource(asio::io_context& io, const std::string& url, size_t mtu,
                             FrameHandler on_frame, EndHandler on_end)
    : io_(io),
      source_(url),
      mtu_(mtu),
      format_(media::payload_format_for(source_.info().codec_id)),
      on_frame_(std::move(on_frame)),
      on_end_(std::move(on_end)) {}

LiveUrlSource::~LiveUrlSource() {
  stop();
}

void LiveUrlSource::start() {
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void LiveUrlSource::stop() {
  running_ = false;
  source_.interrupt();
  if (thread_.joinable()) thread_.join();
}

void LiveUrlSource::run() {
  std::string why = "the source ended";
  try {
    while (running_) {
      auto frame = source_.next();
      if (!frame) break;
      auto packetized = packetize_frame(*frame, mtu_, format_);
      asio::post(io_, [this, packetized] { on_frame_(packetized); });
    }
  } catch (const std::exception& e) {
    why = std::string("the source failed: ") + e.what();
  }
  if (running_) asio::post(io_, [this, why] { on_end_(why); });
}

}  // namespace flowcast::server
