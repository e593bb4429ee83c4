#pragma once
// The depacketizer of an audio payload that is whole frames as they are
// (Opus, RFC 7587 §4.2: one packet a payload; G.711, RFC 3551 §4.5.14:
// samples): each payload of an access unit (one RTP timestamp) is appended
// and its size kept as one frame (DepacketizedUnit::frame_sizes). An empty
// payload, or one that would take the unit past `max_unit_bytes`, is
// dropped and counted (dropped_nals) and marks the unit incomplete, so its
// memory is bounded by max_unit_bytes however hostile the sender. One
// thread at a time.
#include <cstddef>
#include <memory>

#include "media/payload/payload_format.hpp"

namespace flowcast::media {

std::unique_ptr<Depacketizer> make_frame_depacketizer(size_t max_unit_bytes);

}  // namespace flowcast::media
