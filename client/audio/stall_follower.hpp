#pragma once
// The session's stalls with the audio as the master clock (docs/METRICS.md,
// stalls.events[].cause): the video's PlayoutClock, whose stalls are the
// session's, follows the audio's.
//  - The audio's playout stalls (its output ran dry with nothing playable,
//    AudioPlayback::check_stall) while the video plays: the video's clock
//    stalls too, held, from the audio stall's start. Its cause is
//    `audio_underrun` when the video had media to go on with, `underrun`
//    when its buffer was dry as well: both ran dry, the session's media did
//    not come, and that is the stall a player without sound counts too;
//    `audio_underrun` names only the stalls the sound alone caused.
//  - The audio stalls while the video is stalled already (its own
//    underrun): one stall, the video's, with its cause, now held.
//  - The audio plays again: when the video has media, its stall ends now
//    and its base moves by what the audio's moved, so both stay aligned;
//    when it has none, the hold is lifted and the video's own rule ends it
//    (`--rebuffer` of video held). When the audio's stream ended during its
//    stall, the hold is lifted too: there is nothing to wait for. The
//    Player says the same (audio_ended) when the audio's sender reports
//    say it sent nothing more (AudioPlayback::sender_idle), and when the
//    video's buffer is full: held, it would stop the reader under block,
//    for the sound too, and that audio stall does not hold it again.
// So the session's stall lasts until both media are back, its time is
// rebuffering (the session's state, rebuffering_ratio), and no picture is
// shown during it (RenderStage waits while the video's clock is stalled).
// A stall of the video alone does not hold the audio: the audio is the
// master, and the video catches up with it after (AvSync).
//
// Pure: time and the media's states are handed in. Threads: the render
// thread (the clocks lock themselves).
#include "client/playout/playout_clock.hpp"

namespace flowcast::client {

// One pass at `now`. `audio_ended`: the audio's stream has ended;
// `video_has_media`: a picture is decoded and waiting, or the video's
// buffer holds something playable. Returns true when it freed the video's
// clock (its decode thread must look again: wake the video's buffer).
bool follow_audio_stalls(PlayoutClock& video, const PlayoutClock& audio, SteadyTime now,
                         bool audio_ended, bool video_has_media);

}  // namespace flowcast::client
