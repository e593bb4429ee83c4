// H.265 over RTP (RFC 7798, without DONL: sprop-max-don-diff 0):
// packetization into single NAL unit packets and fragmentation units (FU,
// type 49), aggregation packets (AP, type 48) for tests and peers, and
// H.265's NAL unit header rules for the depacketizer that rebuilds Annex B
// access units; the picture size an SPS
// declares (ITU-T H.265 §7.3.2.2). Pure byte code: no FFmpeg, no RTP headers
// (the caller owns sequence numbers, timestamps and the marker bit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "media/payload/access_unit_limits.hpp"
#include "media/payload/h264_sps.hpp"
#include "media/payload/nal_depacketizer.hpp"

namespace flowcast::media {

// NAL unit types (ITU-T H.265 Table 7-1) and RTP payload structures (RFC 7798 §4.4).
inline constexpr uint8_t kH265NalBlaWLp = 16;   // first IRAP type
inline constexpr uint8_t kH265NalIrapMax = 23;  // last IRAP type (reserved 22, 23)
inline constexpr uint8_t kH265NalVps = 32;
inline constexpr uint8_t kH265NalSps = 33;
inline constexpr uint8_t kH265NalPps = 34;
inline constexpr uint8_t kH265NalAud = 35;
inline constexpr uint8_t kH265NalAp = 48;
inline constexpr uint8_t kH265NalFu = 49;
inline constexpr uint8_t kH265NalPaci = 50;

// The type of a NAL unit from its two-byte header (§7.3.1.2).
inline uint8_t h265_nal_type(std::span<const uint8_t> nal) {
  return nal.empty() ? 0 : static_cast<uint8_t>((nal[0] >> 1) & 0x3F);
}

// RFC 7798: each NAL unit of the Annex B access unit as a single NAL unit
// packet when it fits max_payload, otherwise FUs of at most max_payload
// bytes each (sizes balanced). NAL units shorter than their two-byte header
// are skipped. Returns the payloads in order; the caller sets the marker on
// the last. Throws std::invalid_argument if max_payload < 4.
std::vector<std::vector<uint8_t>> packetize_h265(std::span<const uint8_t> annexb_access_unit,
                                                 size_t max_payload);

// One AP payload (RFC 7798 §4.4.2, no DONL) holding `nals`. For tests and
// peers. Throws std::invalid_argument if `nals` is empty or holds a NAL unit
// shorter than 2 or longer than 65535 bytes.
std::vector<uint8_t> make_h265_ap(const std::vector<std::span<const uint8_t>>& nals);

// H.265's NAL unit header (RFC 7798 §1.1.4) for the shared depacketizer:
// single NAL unit packets (types 0..47), APs (48) and FUs (49), without
// DONL; PACI (50) and the reserved types (51..63) are dropped and counted.
const NalRules& h265_nal_rules();

// The RFC 7798 depacketizer (media/payload/nal_depacketizer.hpp) with its
// access unit in H.265's terms. Memory is bounded by kMaxAccessUnitBytes.
// One thread.
class H265Depacketizer {
 public:
  void push(std::span<const uint8_t> payload, bool gap_before) { core_.push(payload, gap_before); }

  struct AccessUnit {
    std::vector<uint8_t> annexb;
    bool complete = true;
    bool irap = false;            // holds an IRAP picture (BLA, IDR, CRA): a keyframe
    bool parameter_sets = false;  // holds an SPS
    size_t dropped_nals = 0;
    size_t truncated_nals = 0;
    size_t nonconformant_packets = 0;
  };
  // Ends the access unit (an FU without its end is kept as a truncated NAL
  // unit, complete = false) and resets.
  AccessUnit finish();

 private:
  NalDepacketizer core_{h265_nal_rules()};
};

// The coded size (pic_width/height_in_luma_samples) an H.265 SPS NAL unit
// (with its two-byte header, without start code) declares; nullopt when it
// is not an SPS or breaks before the size. Reads at most kMaxSpsBytes.
std::optional<PictureSize> h265_sps_picture_size(std::span<const uint8_t> nal);

}  // namespace flowcast::media
