#include "server/source/live_source.hpp"

#include <span>
#include <vector>

namespace flowcast::server {

LiveSource::LiveSource(asio::io_context& io, size_t mtu, const media::PayloadFormat& format,
                       std::string what)
    : io_(io), mtu_(mtu), formats_{&format} {
  description_.what = std::move(what);
  description_.timeline = Timeline::live;
  description_.streams.push_back({&format, std::nullopt});
}

void LiveSource::add_stream(MediaStreamDescription stream) {
  formats_.push_back(stream.format);
  description_.streams.push_back(std::move(stream));
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
  if (frame.stream >= formats_.size()) return;
  auto packetized = packetize_frame(frame, mtu_, *formats_[frame.stream]);
  asio::post(io_, [this, packetized] { on_frame(packetized); });
}

void LiveSource::end(const std::string& why) {
  if (running_) asio::post(io_, [this, why] { on_end_(why); });
}

void LiveSource::on_frame(const std::shared_ptr<const PacketizedFrame>& frame) {
  auto& video = description_.streams.front();
  if (!video.sdp && frame->stream == 0 && frame->keyframe) {
    std::vector<std::span<const uint8_t>> payloads(frame->payloads.begin(), frame->payloads.end());
    video.sdp = media::describe_stream(*formats_.front(), payloads, "0.0.0.0", 0);
  }
  on_frame_(frame);
}

}  // namespace flowcast::server
