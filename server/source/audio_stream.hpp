#pragma once
// The audio stream a source sends as it is (a stored file's first audio
// track, a relayed URL's): its payload format, clock and m=audio section.
// Pure; any thread.
#include "media/source/file_source.hpp"
#include "server/source/media_source.hpp"

namespace flowcast::server {

// The stream of `audio` (its codec an audio payload format's): RFC 3640
// §4.1 for AAC (rtpmap mpeg4-generic/RATE/CHANNELS, config from the
// AudioSpecificConfig), RFC 7587 §7 for Opus (opus/48000/2, also for a
// track transcoded to Opus), on payload type 97; RFC 3551 for G.711
// (PCMU/8000 or PCMA/8000 on the static payload type 0 or 8); addressed to
// no one (c=0.0.0.0, port 0). Its sdp is nullopt when the
// format cannot describe it (AAC without a config).
MediaStreamDescription describe_audio(const media::AudioTrackInfo& audio);

}  // namespace flowcast::server
