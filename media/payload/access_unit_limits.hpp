#pragma once
// Limits on one access unit that hold for every payload format and for the
// client's receive buffer (docs/SECURITY.md).
#include <cstddef>

namespace flowcast::media {

// The most bytes one access unit may have: a depacketizer drops what would
// grow an access unit beyond it, and the receive buffer holds one access unit
// whole up to it, even past its own capacity (a 1080p lossless keyframe is
// a few MB). A hostile sender cannot make either hold more.
inline constexpr size_t kMaxAccessUnitBytes = 32 * 1024 * 1024;
// The most RTP packets of one access unit the receive buffer holds past its
// packet bound: 32 MiB in packets of 512 bytes.
inline constexpr size_t kMaxAccessUnitPackets = 65536;

}  // namespace flowcast::media
