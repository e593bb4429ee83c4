#pragma once
// The built-in live source: renders the test pattern in real time on its own
// thread, encodes it once with libx264 or libx265, and hands each packetized
// frame to the network thread through asio::post. Every session shares the
// same frames. The encoder stays at the live edge: a picture it starts more
// than kMaxBehind after its due time is skipped (and counted), so a machine
// too slow for the pattern lowers the rate the viewers see instead of
// letting their pictures come later and later. EncoderMeter measures it.
#include <asio.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "media/codec/video_encoder.hpp"
#include "server/source/encoder_meter.hpp"
#include "server/source/packetized_frame.hpp"

namespace flowcast::server {

class LivePatternSource {
 public:
  using FrameHandler = std::function<void(std::shared_ptr<const PacketizedFrame>)>;
  // A picture due longer ago than this is skipped: half the client's default
  // 500 ms buffer, so a late encoder never drains a viewer's buffer.
  static constexpr auto kMaxBehind = std::chrono::milliseconds(250);

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
  // How the encoder keeps up, as of now (any thread).
  EncoderMetrics encoder_metrics() const;
  // The last whole second's pictures and ms a picture (any thread).
  double encoder_fps() const;
  double encoder_picture_ms() const;
  // The encoder has fallen behind the pattern (EncoderMeter), and the rate it
  // kept then; any thread.
  std::optional<double> encoder_behind_fps() const;

 private:
  void run();

  asio::io_context& io_;
  media::VideoEncoder encoder_;
  size_t mtu_;
  const media::PayloadFormat& format_;
  FrameHandler on_frame_;
  std::atomic<bool> running_{false};
  mutable std::mutex meter_mutex_;
  EncoderMeter meter_;  // --- Protected by meter_mutex_.
  std::thread thread_;
};

}  // namespace flowcast::server
