#pragma once
// The Transform stages of the pipeline, on the decode thread: take access
// units from the ReceiveBuffer as the playout clock allows, depacketize them
// (RFC 6184) and decode them, and hand the pictures to the render queue.
//
// It owns the playout decisions on the decode side: when playback starts
// (--buffer held), when it resumes after a stall (--rebuffer held), and when a
// gap becomes a loss (the frame is due and later data is held).
//
// Threads: start() spawns the decode thread; it blocks on the buffer's
// condition variable and on the bounded render queue. stop() may be called
// from any thread.
#include <atomic>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "client/client_options.hpp"
#include "client/network_source.hpp"
#include "client/playout_clock.hpp"
#include "client/receive_buffer.hpp"
#include "common/bounded_queue.hpp"
#include "media/av_types.hpp"
#include "media/frame_md5.hpp"
#include "media/h264_decoder.hpp"

namespace flowcast::client {

// A decoded picture on its way to the renderer. Owns its frame.
struct RenderFrame {
  media::Frame frame;
  int64_t pts_90k = 0;
  bool corrupt = false;
  bool tainted = false;  // after a loss, before the next keyframe
  std::optional<uint64_t> send_time_us;
};

struct DecodeCounters {
  uint64_t access_units = 0;
  uint64_t incomplete_access_units = 0;
  uint64_t decoded = 0;
  uint64_t corrupt = 0;
  uint64_t rejected = 0;
  uint64_t dropped_nals = 0;
};

class DecodeStage {
 public:
  DecodeStage(const ClientOptions& options, ReceiveBuffer& buffer, PlayoutClock& clock,
              NetworkSource& source, common::BoundedQueue<RenderFrame>& out);
  ~DecodeStage();

  void start();
  // Closes the render queue and joins. Idempotent.
  void stop();
  // True once the stream ended and every picture was handed on.
  bool finished() const { return finished_.load(); }

  DecodeCounters counters() const;
  // The --framemd5 lines so far (empty unless options.framemd5_path).
  std::vector<media::FrameMd5Line> digests() const;

 private:
  void run();
  void decode(const AccessUnitPayloads& au);
  void emit(std::vector<media::DecodedFrame> frames);

  const ClientOptions& options_;
  ReceiveBuffer& buffer_;
  PlayoutClock& clock_;
  NetworkSource& source_;
  common::BoundedQueue<RenderFrame>& out_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  bool tainted_ = false;
  media::H264Decoder* decoder_ = nullptr;  // lives on the decode thread's stack
  std::map<int64_t, uint64_t> send_times_;  // pts -> send time, for latency

  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  DecodeCounters counters_;
  std::vector<media::FrameMd5Line> digests_;
};

}  // namespace flowcast::client
