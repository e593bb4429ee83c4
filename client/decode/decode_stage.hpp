#pragma once
// The decode thread. It takes access units from the ReceiveBuffer as the
// PlayoutPolicy lets them go (playback starts, resumes after a stall, a gap
// becomes a loss) and writes them through the Transform stages
// (DepacketizeStage -> DecoderStage) into the render queue, waiting for
// "drain" when the queue says it is full.
//
// Threads: start() spawns the decode thread; it blocks on the buffer's
// condition variable and on the render queue. stop() may be called from any
// thread.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "client/decode/decoder_stage.hpp"
#include "client/decode/depacketize_stage.hpp"
#include "client/playout/playout_policy.hpp"
#include "client/playout/receive_buffer.hpp"
#include "common/stream/bounded_queue.hpp"

namespace flowcast::client {

// What decoding needs of the command line.
struct DecodeOptions {
  // The stream's payload format; nullptr: found from its first keyframe.
  const media::PayloadFormat* payload_format = nullptr;
  // The SDP's sprop parameter sets as Annex B (--listen, RTSP), or empty.
  std::vector<uint8_t> parameter_sets;
  LossPolicy on_loss = LossPolicy::conceal;  // --on-loss
  bool keep_digests = false;                 // --framemd5
  media::PictureLimit max_picture;           // --max-picture
};

// The decode thread: takes access units from the jitter buffer when the
// playout policy lets them go, and decodes them into the render queue. It
// measures what the stream's decode costs in time (whether the decoder
// reorders, the slowest recent decode) and, for a stream without
// reordering, tells the policy (PlayoutPolicy::learn_decode_lead), so a unit
// missing packets waits for them as long as it can still be shown on time.
class DecodeStage {
 public:
  // Added to the measured lead: the render loop's wake-up and the picture's
  // way through the render queue.
  static constexpr std::chrono::milliseconds kRenderMargin{10};
  // The learned lead is at least this: a keyframe's decode (often not among
  // the recent ones) and the threads' wake-ups on a busy machine.
  static constexpr std::chrono::milliseconds kMinLead{40};
  // The slowest decode among this many recent ones counts.
  static constexpr size_t kDecodeWindow = 64;

  // Borrows buffer, policy and out; request_keyframe may be called from the
  // decode thread.
  DecodeStage(const DecodeOptions& options, ReceiveBuffer& buffer, const PlayoutPolicy& policy,
              common::BoundedQueue<RenderFrame>& out, std::function<void()> request_keyframe);
  ~DecodeStage();

  void start();
  // Ends the render queue and joins. Idempotent.
  void stop();
  // True once the stream ended and every picture was handed on.
  bool finished() const { return finished_.load(); }

  DecodeCounters counters() const { return decoder_.counters(); }
  // Packets taken although their payload format's RFC forbids them. Any thread.
  uint64_t nonconformant_packets() const { return depacketizer_.nonconformant_packets(); }
  std::vector<media::FrameMd5Line> digests() const { return decoder_.digests(); }

 private:
  void run();

  ReceiveBuffer& buffer_;
  const PlayoutPolicy& policy_;
  common::BoundedQueue<RenderFrame>& out_;
  DepacketizeStage depacketizer_;
  DecoderStage decoder_;
  // The lead learned so far (decode thread only).
  void learn_lead(std::chrono::microseconds decode);

  std::thread thread_;
  // --- Decode thread only: what learn_lead() measured.
  uint64_t max_held_ = 0;  // pictures the decoder held back, at most
  std::array<std::chrono::microseconds, kDecodeWindow> decodes_{};
  size_t decode_count_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
};

}  // namespace flowcast::client
