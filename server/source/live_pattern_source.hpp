#pragma once
// The built-in live source: renders the test pattern in real time on its own
// thread, encodes it once with libx264 or libx265, and hands each packetized
// frame to the network thread (LiveSource). Every session shares the same
// frames. The encoder stays at the live edge: a picture it starts more than
// kMaxBehind after its due time is skipped (and counted), so a machine too
// slow for the pattern lowers the rate the viewers see instead of letting
// their pictures come later and later. EncoderMeter measures it.
#include <asio.hpp>
#include <mutex>

#include "media/codec/video_encoder.hpp"
#include "server/source/encoder_meter.hpp"
#include "server/source/live_source.hpp"

namespace flowcast::server {

class LivePatternSource : public LiveSource {
 public:
  // A picture due longer ago than this is skipped: half the client's default
  // 500 ms buffer, so a late encoder never drains a viewer's buffer.
  static constexpr auto kMaxBehind = std::chrono::milliseconds(250);

  // Frames are posted to io's thread; format packetizes what config.codec
  // encodes. Throws AvError when the encoder cannot open.
  LivePatternSource(asio::io_context& io, const media::EncoderConfig& config, size_t mtu,
                    const media::PayloadFormat& format);
  ~LivePatternSource() override;

  // A PLI, or a new session joining: the next frame will be an IDR.
  bool forces_keyframes() const override { return true; }
  void request_keyframe() override { encoder_.request_keyframe(); }
  // How the encoder keeps up, as of now (any thread).
  std::optional<EncoderReading> encoder() const override;

 private:
  void run() override;

  media::VideoEncoder encoder_;
  mutable std::mutex meter_mutex_;
  EncoderMeter meter_;  // --- Protected by meter_mutex_.
};

}  // namespace flowcast::server
