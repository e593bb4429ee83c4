#include "client/decode/decode_stage.hpp"

#include <pthread.h>

#include <algorithm>

namespace flowcast::client {
namespace {

// Frame threads hold a picture back each: the decoder may add one picture of
// delay when the playout buffer covers the policy's decode lead (the default
// 500 ms buffer), none on the low-latency path (--buffer 0ms).
media::ThreadingLimits decoder_threading(const PlayoutConfig& config) {
  return {.max_added_delay = config.buffer >= config.decode_lead ? 1 : 0, .cores = 0};
}

}  // namespace

DecodeStage::DecodeStage(const DecodeOptions& options, ReceiveBuffer& buffer,
                         const PlayoutPolicy& policy, common::BoundedQueue<RenderFrame>& out,
                         std::function<void()> request_keyframe)
    : buffer_(buffer),
      policy_(policy),
      out_(out),
      depacketizer_(options.payload_format, options.parameter_sets),
      decoder_(options.payload_format, options.on_loss, std::move(request_keyframe),
               options.keep_digests, options.max_picture, decoder_threading(policy.config())) {
  depacketizer_.pipe(decoder_);
  decoder_.pipe(out_);
}

DecodeStage::~DecodeStage() {
  stop();
}

void DecodeStage::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "fc-decode");  // for top -H, /proc/PID/task
    run();
  });
}

void DecodeStage::stop() {
  stop_ = true;
  buffer_.wake();
  out_.close();
  if (thread_.joinable()) thread_.join();
}

void DecodeStage::run() {
  while (!stop_) {
    auto au = buffer_.wait_next(policy_, stop_);
    if (!au) break;
    const auto taken = std::chrono::steady_clock::now();
    policy_.note_taken(*au, taken);
    const bool drained = depacketizer_.write(std::move(*au));
    learn_lead(std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - taken));
    if (!drained) {
      // The render queue is past its mark: wait for it to drain.
      if (!out_.wait_for_drain()) break;
    }
  }
  // End of stream: the decoder gives up the pictures it holds for reordering,
  // then the render queue closes.
  if (!stop_) depacketizer_.end();
  finished_ = true;
  out_.close();
}

void DecodeStage::learn_lead(std::chrono::microseconds decode) {
  max_held_ = std::max(max_held_, decoder_.counters().held);
  decodes_[decode_count_++ % kDecodeWindow] = decode;
  // Until a few pictures came out, whether the decoder reorders is unknown.
  // A stream it reorders keeps the configured lead: a unit waiting for its
  // packets holds back the pictures decoded after it but shown before it,
  // by as much as the stream reorders, which the count of pictures held
  // does not tell.
  if (decode_count_ < 8 || max_held_ > 0) return;
  const auto slowest = *std::max_element(decodes_.begin(), decodes_.end());
  policy_.learn_decode_lead(std::max<std::chrono::microseconds>(kMinLead, slowest + kRenderMargin));
}

}  // namespace flowcast::client
