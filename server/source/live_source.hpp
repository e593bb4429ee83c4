#pragma once
// What the two live sources share (LivePatternSource, LiveUrlSource): a
// thread of their own that makes frames (the pattern's encoder, the URL's
// reader), each frame cut into RTP payloads once on that thread and posted
// to the network thread, and the stream described from its first keyframe
// that holds every parameter set (SPS and PPS travel as single NAL payloads
// before every IDR, so the RTP payloads are enough). A second stream (the
// pattern's sound, a relayed URL's audio) is described up front by the
// subclass (add_stream).
//
// Threads: start(), stop(), description() on the network thread; run() and
// what it calls (deliver(), end()) on the source's thread; the handlers
// run on the network thread.
#include <asio.hpp>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "server/source/media_source.hpp"

namespace flowcast::server {

class LiveSource : public MediaSource {
 public:
  // Joins the thread. A subclass calls stop() in its own destructor, before
  // the members its run() uses go.
  ~LiveSource() override;
  LiveSource(const LiveSource&) = delete;
  LiveSource& operator=(const LiveSource&) = delete;

  const SourceDescription& description() const override { return description_; }
  // Runs run() on a new thread.
  void start(FrameHandler on_frame, EndHandler on_end) override;
  // Clears running(), interrupt()s, and joins. Safe to call twice.
  void stop() override;

 protected:
  // A live stream of one video in `format`, cut for RTP packets of at most
  // `mtu` bytes; `what` names it for the log.
  LiveSource(asio::io_context& io, size_t mtu, const media::PayloadFormat& format,
             std::string what);
  // From the subclass's constructor, before start(): a further media stream
  // (stream index streams.size(), in SDP order after the video), its SDP
  // already known (an audio stream needs no parameter sets).
  void add_stream(MediaStreamDescription stream);

  // The source's thread: makes frames and deliver()s them while running().
  virtual void run() = 0;
  // Makes a run() blocked waiting for input return (any thread).
  virtual void interrupt() {}
  bool running() const { return running_.load(); }
  // From run(): packetizes the frame in its stream's format (frame.stream,
  // one added) and posts it to the network thread.
  void deliver(const media::EncodedFrame& frame);
  // From run(): the source ended by itself; posts on_end unless stopping.
  void end(const std::string& why);

 private:
  // The network thread: describes the stream from its first keyframe that
  // holds every parameter set, then hands the frame on.
  void on_frame(const std::shared_ptr<const PacketizedFrame>& frame);

  asio::io_context& io_;
  size_t mtu_;
  // Each stream's format, by stream index (fixed before start(): read by
  // the source's thread).
  std::vector<const media::PayloadFormat*> formats_;
  SourceDescription description_;  // --- The network thread's (its sdp).
  FrameHandler on_frame_;
  EndHandler on_end_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace flowcast::server
