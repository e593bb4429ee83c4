#include "server/session/live_backlog.hpp"

#include <algorithm>

namespace flowcast::server {

LiveBacklog::Offered LiveBacklog::offer(std::shared_ptr<const PacketizedFrame> frame,
                                        bool overloaded) {
  Offered offered;
  // Only the video's keyframes are where a viewer can join: a sound frame
  // goes along with the pictures it belongs among.
  const bool key = frame->stream == 0 && frame->keyframe;
  // The server is behind: every live session skips to the next keyframe,
  // as a TCP session with a full send queue does, and the load falls.
  if (!key && (shedding_ || overloaded)) {
    if (!waiting_keyframe_) {
      shedding_ = true;
      waiting_keyframe_ = true;
    }
  }
  if (waiting_keyframe_ && !key) {
    offered.skipped_overload = shedding_;
    return offered;
  }
  waiting_keyframe_ = false;
  shedding_ = false;
  offered.taken = true;
  frames_.push_back(std::move(frame));
  if (frames_.back()->dts_90k - frames_.front()->dts_90k > kMaxBehind90k) {
    // Too far behind the live edge: skip to the newest keyframe held, or, if
    // there is none, drop it all and ask for one.
    auto keep = std::find_if(frames_.rbegin(), frames_.rend(),
                             [](const auto& f) { return f->stream == 0 && f->keyframe; });
    const size_t drop =
        keep == frames_.rend() ? frames_.size() : static_cast<size_t>(frames_.rend() - keep) - 1;
    for (size_t i = 0; i < drop; ++i) {
      offered.packets_dropped += frames_.front()->payloads.size();
      ++offered.frames_dropped;
      frames_.pop_front();
    }
    if (frames_.empty()) {
      waiting_keyframe_ = true;
      offered.wants_keyframe = true;
    }
  }
  return offered;
}

void LiveBacklog::reset() {
  frames_.clear();
  waiting_keyframe_ = true;
}

std::shared_ptr<const PacketizedFrame> LiveBacklog::pop() {
  auto frame = std::move(frames_.front());
  frames_.pop_front();
  return frame;
}

}  // namespace flowcast::server
