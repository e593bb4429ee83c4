#include "client/decode/decode_stage.hpp"

#include <pthread.h>

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
    policy_.note_taken(*au, std::chrono::steady_clock::now());
    if (!depacketizer_.write(std::move(*au))) {
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

}  // namespace flowcast::client
