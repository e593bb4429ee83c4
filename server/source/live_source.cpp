#include "server/source/live_source.hpp"

#include <span>
#include <vector>

namespace flowcast::server {

LiveSource::LiveSource(asio::io_context& io, size_t mtu, const media::PayloadFormat& format,
                       std::string what)
    : io_(io), mtu_(mtu), format_(format) {
  description_.what = std::move(what);
  description_.timeline = Timeline::live;
  description_.streams.push_back({&format_, std::nullopt});
}

LiveSource::~LiveSource() {
  stop();
}

void LiveSource::start(FrameHandler on_frame, EndHandler on_end) {
  on_frame_ = std::move(on_frame);
  on_end_ = std::move(on_end);
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void LiveSource::stop() {
  running_ = false;
  interrupt();
  if (thread_.joinable()) thread_.join();
}

void LiveSource::deliver(const media::EncodedFrame& frame) {
  auto packetized = packetize_frame(frame, mtu_, format_);
  asio::post(io_, [this, packetized] { on_frame(packetized); });
}

void LiveSource::end(const std::string& why) {
  if (running_) asio::post(io_, [this, why] { on_end_(why); });
}

void LiveSource::on_frame(const std::shared_ptr<const PacketizedFrame>& frame) {
  auto& video = description_.streams.front();
  if (!video.sdp && frame->keyframe) {
    std::vector<std::span<const uint8_t>> payloads(frame->payloads.begin(), frame->payloads.end());
    video.sdp = media::describe_stream(format_, payloads, "0.0.0.0", 0);
  }
  on_frame_(frame);
}

}  // namespace flowcast::server
