// H.264 over RTP (RFC 6184, packetization-mode 1): Annex B splitting,
// packetization into single-NAL and FU-A payloads, and H.264's NAL unit
// header rules for the depacketizer that rebuilds Annex B access units. Pure byte code: no FFmpeg,
// no RTP headers (the caller owns sequence numbers, timestamps and the marker bit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "media/payload/access_unit_limits.hpp"
#include "media/payload/annexb.hpp"  // split_annexb, which the packetizer splits with
#include "media/payload/nal_depacketizer.hpp"

namespace flowcast::media {

inline constexpr uint8_t kNalTypeIdr = 5;
inline constexpr uint8_t kNalTypeSps = 7;
inline constexpr uint8_t kNalTypePps = 8;
inline constexpr uint8_t kNalTypeAud = 9;
inline constexpr uint8_t kNalTypeStapA = 24;
inline constexpr uint8_t kNalTypeFuA = 28;

// RFC 6184 packetization-mode 1: each NAL of the access unit as a single-NAL
// payload when it fits max_payload, otherwise FU-A fragments of at most
// max_payload bytes each (sizes balanced, so there is no runt fragment).
// Returns the payloads in order; the caller sets the marker on the last one.
// Never produces an empty payload. Throws std::invalid_argument if
// max_payload < 3.
std::vector<std::vector<uint8_t>> packetize_h264(std::span<const uint8_t> annexb_access_unit,
                                                 size_t max_payload);

// Builds one STAP-A payload (RFC 6184 5.7.1) holding `nals` (without start
// codes). For tests and peers: packetize_h264 does not aggregate. Throws
// std::invalid_argument if `nals` is empty or holds an empty NAL or one larger
// than 65535 bytes.
std::vector<uint8_t> make_stap_a(const std::vector<std::span<const uint8_t>>& nals);

// H.264's NAL unit header (RFC 6184 §1.3) for the shared depacketizer:
// single NAL unit packets (types 1..23), STAP-A (24) and FU-A (28); STAP-B,
// MTAP, FU-B and the reserved 0, 30 and 31 are dropped and counted.
const NalRules& h264_nal_rules();

// The RFC 6184 depacketizer (media/payload/nal_depacketizer.hpp) with its
// access unit in H.264's terms. Single-threaded: one receiver owns it.
// Memory is bounded by kMaxAccessUnitBytes.
class H264Depacketizer {
 public:
  // One RTP payload, in sequence order (NalDepacketizer::push).
  void push(std::span<const uint8_t> payload, bool gap_before) { core_.push(payload, gap_before); }

  struct AccessUnit {
    std::vector<uint8_t> annexb;
    bool complete = true;              // no gap and no drop in this access unit
    bool has_idr = false;              // holds a NAL of type 5
    bool has_sps = false;              // holds a NAL of type 7
    size_t dropped_nals = 0;           // NALs lost whole (their start never came, or malformed)
    size_t truncated_nals = 0;         // FU-A NALs cut short by a gap: their first part is kept
    size_t nonconformant_packets = 0;  // packets taken although RFC 6184 forbids them
  };

  // Ends the access unit: returns what was assembled (an FU-A without its end
  // fragment is kept truncated, complete=false), and resets for the next one.
  // complete is false when any gap or drop happened in this access unit.
  AccessUnit finish();

 private:
  NalDepacketizer core_{h264_nal_rules()};
};

}  // namespace flowcast::media
