#pragma once
// A session's file, read ahead: the access units of a media::FileSource in
// decode order, with --loop. A file that is transcoded (its video is not
// H.264 or H.265, or its sound goes as Opus) is decoded and encoded
// (libx264, libopus) on a worker thread of its own, a few frames ahead of
// the session, so one transcoding session never delays the sends of the
// others on the network thread. A file sent as it is is only filtered and
// is read inline. The queue ahead is bounded (kAhead frames): a session held
// back (a full TCP send queue) stops taking frames, the queue fills, and the
// worker waits, so backpressure still pauses that session's reading.
//
// Threads: the network thread constructs, calls next() and destroys (which
// stops and joins the worker); `wake` is called on the worker thread, and
// must only post to the network thread.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/stream/bounded_queue.hpp"
#include "media/payload/payload_format.hpp"
#include "media/source/file_source.hpp"

namespace flowcast::server {

class FileReader {
 public:
  // Frames transcoded ahead of the session at most.
  static constexpr size_t kAhead = 8;

  // Opens the file (throws media::SourceError with a message for the user),
  // with its first audio track when `audio` (its frames are stream 1),
  // moves to the keyframe at or before `start_90k` (90 kHz ticks from the
  // file's start; media::FileSource::seek) when it is above 0, and, if the
  // file is transcoded (video or sound), starts the worker.
  FileReader(const std::string& path, bool loop, std::function<void()> wake, int64_t start_90k = 0,
             bool audio = false);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  struct Next {
    std::optional<media::EncodedFrame> frame;
    // No frame yet: the worker calls wake() when it has one.
    bool pending = false;
    // With neither a frame nor pending: the file ended, or this read error
    // ended it (av_strerror text).
    std::string error;
  };
  // The next access unit in decode order, without blocking.
  Next next();

  // The source's timestamp discontinuities so far (media::FileSource).
  uint64_t discontinuities() const { return discontinuities_.load(); }
  // The file is transcoded on the worker thread.
  bool threaded() const { return worker_.joinable(); }
  // How the frames of media stream `stream` travel in RTP: the video (0) as
  // H.264, or the file's own H.265; the audio (1) as its codec's format.
  const media::PayloadFormat& format(size_t stream = 0) const;
  // Frames the worker has ready (at most kAhead).
  size_t ahead() const { return ahead_.size(); }
  // Where reading started, in 90 kHz ticks from the file's start: the
  // keyframe a start position landed on, else 0.
  int64_t start_90k() const { return start_90k_; }
  // The file's length in 90 kHz ticks (0: unknown).
  int64_t duration_90k() const { return source_.info().duration_90k; }

 private:
  // One access unit from the file, rewinding with --loop; nullopt at the end.
  // Throws what FileSource::next() throws.
  std::optional<media::EncodedFrame> read();
  void run();

  media::FileSource source_;
  const media::PayloadFormat* format_;
  const media::PayloadFormat* audio_format_ = nullptr;
  bool loop_;
  int64_t start_90k_ = 0;
  std::function<void()> wake_;
  std::atomic<uint64_t> discontinuities_{0};

  // The worker's side: frames ahead, and how the reading ended.
  common::BoundedQueue<media::EncodedFrame> ahead_{kAhead};
  std::atomic<bool> waiting_{false};  // next() found nothing: wake it
  std::atomic<bool> done_{false};     // the worker wrote its last frame
  std::mutex error_mutex_;
  std::string error_;  // --- Protected by error_mutex_.
  std::thread worker_;
};

}  // namespace flowcast::server
