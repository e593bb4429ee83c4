#pragma once
// A live session's frames between the shared live source and the session's
// sends. A viewer joins at a keyframe; while the server is overloaded it
// skips to the next keyframe (which always goes, so every viewer keeps a
// picture); and the frames its transport cannot take yet wait here, up to
// kMaxBehind90k behind the newest: past that, it skips to the newest
// keyframe it holds, or drops them all and waits for the next one. The
// keyframes are the video's (stream 0): sound frames (the pattern's) are
// taken whenever pictures are, and never taken for a place to join.
//
// Pure: no clock and no timer; the session decides when to send. Threads: the
// server's network thread only.
#include <cstdint>
#include <deque>
#include <memory>

#include "server/source/packetized_frame.hpp"

namespace flowcast::server {

class LiveBacklog {
 public:
  // How far (decode time, 90 kHz) the oldest frame held may be behind the
  // newest before the backlog skips.
  static constexpr int64_t kMaxBehind90k = 4 * 90000;

  // What offer() did with a frame.
  struct Offered {
    bool taken = false;             // held, to be sent
    bool skipped_overload = false;  // not taken: skipped while overloaded
    // Too far behind: frames (and their packets) dropped from the front.
    uint64_t frames_dropped = 0;
    uint64_t packets_dropped = 0;
    // Everything held was dropped and no keyframe is left: ask the source
    // for one.
    bool wants_keyframe = false;
  };

  // A frame of the live source. `overloaded`: the server cannot keep up
  // (LoadMonitor::overloaded), so a frame that is no keyframe is skipped.
  Offered offer(std::shared_ptr<const PacketizedFrame> frame, bool overloaded);
  // Takes no more frames until a keyframe (the client lost its picture: a
  // PLI). What is held stays.
  void wait_for_keyframe() { waiting_keyframe_ = true; }
  // Drops what is held and waits for a keyframe (the session pauses).
  void reset();

  bool empty() const { return frames_.empty(); }
  // The oldest frame held. Not empty().
  const PacketizedFrame& front() const { return *frames_.front(); }
  // Takes the oldest frame held. Not empty().
  std::shared_ptr<const PacketizedFrame> pop();

 private:
  std::deque<std::shared_ptr<const PacketizedFrame>> frames_;
  bool waiting_keyframe_ = true;
  // Skipping to the next keyframe because the server is overloaded.
  bool shedding_ = false;
};

}  // namespace flowcast::server
