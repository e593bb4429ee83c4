#pragma once
// AAC over RTP as RFC 3640 mpeg4-generic in AAC-hbr mode (§3.3.6): each
// packet starts with the AU-headers-length (16 bits, in bits), then one
// 16-bit AU-header per access unit (13-bit AU-size in bytes, 3-bit
// AU-Index or AU-Index-delta, always 0 here: units in order), then the
// access units, raw (no ADTS header). An access unit larger than a packet
// is fragmented (§3.2.3): each fragment carries the one AU-header with the
// whole unit's size, and the marker is on the last. The SDP's fmtp is
// "streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13;
// indexlength=3; indexdeltalength=3; config=<AudioSpecificConfig hex>".
//
// Threads: the functions are pure; a depacketizer belongs to one thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "media/payload/payload_format.hpp"

namespace flowcast::media {

// The largest access unit an AU-size of 13 bits can say.
inline constexpr size_t kMaxAacUnitBytes = 8191;

// One raw AAC access unit as RTP payloads of at most max_payload bytes (at
// least 5): whole in one, or in fragments. Empty for an empty unit or one
// past kMaxAacUnitBytes.
std::vector<std::vector<uint8_t>> packetize_aac(std::span<const uint8_t> unit, size_t max_payload);

// Rebuilds access units: each packet's units, or a fragmented unit once its
// last fragment came (a gap drops it, and so does a finish() before it is
// whole: the marker is on its last fragment). At most kMaxAacUnitBytes held.
std::unique_ptr<Depacketizer> make_aac_depacketizer();

}  // namespace flowcast::media
