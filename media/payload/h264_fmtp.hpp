#pragma once
// H.264's parameter sets as its SDP carries them (RFC 6184 §8.1:
// profile-level-id and sprop-parameter-sets). Pure byte code.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace flowcast::media {

// An H.264 stream's SPS and PPS, each one NAL unit without a start code.
struct H264ParameterSets {
  std::vector<uint8_t> sps;
  std::vector<uint8_t> pps;
};

// The first SPS (at least 4 bytes: profile, constraints, level) and the first
// PPS among these NAL units. NAL units of other types are skipped, so RTP
// payloads work too (an FU-A or STAP-A is skipped as a whole). nullopt unless
// both are found.
std::optional<H264ParameterSets> find_parameter_sets(
    const std::vector<std::span<const uint8_t>>& nals);

}  // namespace flowcast::media
