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

class DecodeStage {
 public:
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
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
};

}  // namespace flowcast::client
