#pragma once
// The built-in live source: renders the test pattern in real time on its own
// thread, encodes it once with libx264, and hands each packetized frame to the
// network thread through asio::post. Every session shares the same frames.
#include <asio.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "media/codec/video_encoder.hpp"
#include "server/session/rtp_sender.hpp"

namespace flowcast::server {

class LivePatternSource {
 public:
  using FrameHandler = std::function<void(std::shared_ptr<const PacketizedFrame>)>;

  // on_frame runs on io's thread; format packetizes what config.codec
  // encodes. Throws AvError when the encoder cannot open.
  LivePatternSource(asio::io_context& io, const media::EncoderConfig& config, size_t mtu,
                    const media::PayloadFormat& format, FrameHandler on_frame);
  ~LivePatternSource();

  void start();
  // Joins the encoder thread. Safe to call twice.
  void stop();
  // The next frame will be an IDR (a PLI, or a new session joining).
  void request_keyframe() { encoder_.request_keyframe(); }
  uint64_t frames_encoded() const { return frames_.load(); }

 private:
  void run();

  asio::io_context& io_;
  media::VideoEncoder encoder_;
  size_t mtu_;
  const media::PayloadFormat& format_;
  FrameHandler on_frame_;
  std::atomic<bool> running_{false};
  std::atomic<uint64_t> frames_{0};
  std::thread thread_;
};

}  // namespace flowcast::server
