#pragma once
// The H.264 SPS and PPS of a media file, read from its first keyframes: what
// an SDP (RTSP DESCRIBE) needs before any client plays the file.
//
// Threads: any; opens its own reader of the file.
#include <optional>
#include <string>

#include "media/sdp/sdp.hpp"

namespace flowcast::server {

// The parameter sets of the first keyframe among the file's first 300 access
// units that holds both; nullopt when none does. Throws media::SourceError
// when the file cannot be opened.
std::optional<media::H264ParameterSets> file_parameter_sets(const std::string& input);

}  // namespace flowcast::server
