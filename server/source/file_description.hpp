#pragma once
// The SDP description of a media file as flowcast-server sends it (its own
// H.264 or H.265, or H.264 when transcoded), with the parameter sets of its
// first keyframe: what an RTSP DESCRIBE answers before any client plays it.
//
// Threads: any; opens its own reader of the file.
#include <optional>
#include <string>

#include "media/sdp/sdp.hpp"

namespace flowcast::server {

// The description (c= 0.0.0.0, port 0) from the first keyframe among the
// file's first 300 access units that holds every parameter set; nullopt when
// none does. Throws media::SourceError when the file cannot be opened.
std::optional<media::SdpDescription> file_description(const std::string& input);

}  // namespace flowcast::server
