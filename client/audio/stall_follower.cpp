#include "client/audio/stall_follower.hpp"

#include <algorithm>

namespace flowcast::client {

bool follow_audio_stalls(PlayoutClock& video, const PlayoutClock& audio, SteadyTime now,
                         bool audio_ended, bool video_has_media) {
  const PlayState audio_state = audio.state();
  if (audio_state == PlayState::stalled && !audio_ended) {
    const PlayState video_state = video.state();
    if (video_state == PlayState::playing) {
      const std::vector<StallEvent> stalls = audio.stalls();
      const SteadyTime from = stalls.empty() ? now : std::min(now, stalls.back().start);
      video.begin_stall(from, video_has_media ? kCauseAudioUnderrun : kCauseUnderrun,
                        /*held=*/true);
    } else if (video_state == PlayState::stalled) {
      video.hold();
    }
    return false;
  }
  if (!video.held()) return false;
  if (audio_state == PlayState::playing && video_has_media) {
    const std::vector<StallEvent> stalls = audio.stalls();
    video.resume_by(now, stalls.empty() ? std::chrono::microseconds(0) : stalls.back().shift);
  } else {
    video.unhold();
  }
  return true;
}

}  // namespace flowcast::client
