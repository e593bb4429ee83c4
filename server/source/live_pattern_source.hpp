#pragma once
// The built-in live source: renders the test pattern in real time on its own
// thread, encodes it once with libx264 or libx265, and hands each packetized
// frame to the network thread (LiveSource). Every session shares the same
// frames. The encoder stays at the live edge: a picture it starts more than
// kMaxBehind after its due time is skipped (and counted), so a machine too
// slow for the pattern lowers the rate the viewers see instead of letting
// their pictures come later and later. EncoderMeter measures it.
//
// With sound (a beep-and-flash sync test): the pattern flashes white once a
// second (TestPattern, frames 0, fps, 2·fps…: media time k·1 s), and a
// second stream carries TestPatternSound (a quiet tone, and a beep starting
// at each k·1 s) encoded with libopus: 48 kHz stereo, kAudioFrameMs frames
// (RFC 7587, payload type 97, a=control track2). Both streams are on one
// media timeline (EncodedFrame's 90 kHz ticks from the pattern's start), so
// a session's sender reports map the same instant to the same NTP time in
// both (RFC 3550 §6.4.1). Each frame, picture or sound, is made when its
// media time is due on the steady clock.
#include <asio.hpp>
#include <memory>
#include <mutex>

#include "media/codec/audio_encoder.hpp"
#include "media/codec/video_encoder.hpp"
#include "server/source/encoder_meter.hpp"
#include "server/source/live_source.hpp"

namespace flowcast::server {

class LivePatternSource : public LiveSource {
 public:
  // A picture due longer ago than this is skipped: half the client's default
  // 500 ms buffer, so a late encoder never drains a viewer's buffer.
  static constexpr auto kMaxBehind = std::chrono::milliseconds(250);
  static constexpr int kAudioFrameMs = 20;
  static constexpr int64_t kAudioBitrate = 32'000;  // bits per second: a tone needs little

  // Frames are posted to io's thread; format packetizes what config.codec
  // encodes. audio: with the sound stream (the flash is there either way).
  // Throws AvError when an encoder cannot open.
  LivePatternSource(asio::io_context& io, const media::EncoderConfig& config, size_t mtu,
                    const media::PayloadFormat& format, bool audio = false);
  ~LivePatternSource() override;

  // A PLI, or a new session joining: the next frame will be an IDR.
  bool forces_keyframes() const override { return true; }
  void request_keyframe() override { encoder_.request_keyframe(); }
  // How the encoder keeps up, as of now (any thread).
  std::optional<EncoderReading> encoder() const override;

 private:
  void run() override;
  // Encodes and delivers the sound frame starting at sample `first`. False
  // when the encoder failed (the sound stops; the pictures go on).
  bool deliver_sound(int64_t first, std::vector<int16_t>& pcm);

  media::VideoEncoder encoder_;
  std::unique_ptr<media::AudioEncoder> audio_;  // null without sound
  mutable std::mutex meter_mutex_;
  EncoderMeter meter_;  // --- Protected by meter_mutex_.
};

}  // namespace flowcast::server
