#pragma once
// RTP payload formats, found by their SDP encoding name (a=rtpmap): how the
// access units of one codec travel in RTP, and what a receiver must
// recognise in them. Everything codec-specific that the transports, the
// jitter buffer, the playout and the server's sessions must not know lives
// behind this table; adding a codec (H.265, RFC 7798) is one file that fills
// a PayloadFormat and one line in payload_formats().
//
// Access units are Annex B (start codes) on both sides of a payload format.
// Threads: the table is constant; a Depacketizer belongs to one thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

extern "C" {
#include <libavcodec/codec_id.h>
}

#include "media/payload/h264_sps.hpp"

namespace flowcast::media {

// One access unit rebuilt from its RTP payloads.
struct DepacketizedUnit {
  std::vector<uint8_t> annexb;
  bool complete = true;         // no gap and no drop in this access unit
  bool keyframe = false;        // decoding can start here (H.264: an IDR; H.265: an IRAP picture)
  bool parameter_sets = false;  // it carries the sequence-level parameter sets
  size_t dropped_nals = 0;      // NAL units lost whole, or malformed
  size_t truncated_nals = 0;    // fragmented NAL units cut short by a gap
  // Packets the payload format's RFC forbids but that are taken as their
  // evident meaning (H.264: an FU-A with both S and E set).
  size_t nonconformant_packets = 0;
};

// Rebuilds access units from RTP payloads, in sequence order. Bounded in
// memory however hostile the payloads (each format states its bound).
class Depacketizer {
 public:
  virtual ~Depacketizer() = default;
  // One RTP payload; gap_before: packets are missing right before it.
  // Malformed payloads are dropped and counted, never thrown.
  virtual void push(std::span<const uint8_t> payload, bool gap_before) = 0;
  // Ends the access unit and resets for the next.
  virtual DepacketizedUnit finish() = 0;
};

struct PayloadFormat {
  std::string_view encoding_name;  // SDP a=rtpmap, "H264"
  std::string_view specification;  // "RFC 6184"
  AVCodecID codec_id = AV_CODEC_ID_NONE;
  uint32_t clock_rate = 90000;  // RTP timestamp ticks per second
  std::unique_ptr<Depacketizer> (*make_depacketizer)() = nullptr;
  // An Annex B access unit as RTP payloads of at most max_payload bytes,
  // in order; the caller sets the marker on the last.
  std::vector<std::vector<uint8_t>> (*packetize)(std::span<const uint8_t> annexb,
                                                 size_t max_payload) = nullptr;
  // The coded picture size a NAL unit (without start code) declares, when
  // it is the parameter set that does (H.264: the SPS); nullopt otherwise.
  std::optional<PictureSize> (*picture_size)(std::span<const uint8_t> nal) = nullptr;
  // True for a NAL unit type that is a parameter set (in-band or in the SDP).
  bool (*is_parameter_set)(std::span<const uint8_t> nal) = nullptr;
  // True when an RTP payload of this format can open an access unit where
  // decoding starts: a parameter set or a keyframe slice, alone, aggregated
  // or as the first fragment.
  bool (*opens_keyframe)(std::span<const uint8_t> payload) = nullptr;
};

// Every payload format flowcast speaks, in order of preference.
std::span<const PayloadFormat* const> payload_formats();
// The format with this SDP encoding name (case-insensitive), or nullptr.
const PayloadFormat* find_payload_format(std::string_view encoding_name);
// The format for this FFmpeg codec, or nullptr.
const PayloadFormat* find_payload_format(AVCodecID codec_id);
// The format whose keyframe opens with this payload (the first of a
// stream's first access unit), in the order of payload_formats(), or
// nullptr. For flowcast-server's own TCP and UDP streams, which have no SDP
// and begin at a keyframe with its parameter sets: an H.264 SPS (one byte of
// header, type 7) never reads as an H.265 VPS, SPS, PPS or AP (two bytes,
// layer 0, TID 1), nor the other way round.
const PayloadFormat* detect_payload_format(std::span<const uint8_t> first_payload);

// H.264, RFC 6184 packetization-mode 1 (media/payload/h264_payload.cpp).
const PayloadFormat& h264_payload_format();
// H.265, RFC 7798 without DONL (media/payload/h265_payload.cpp).
const PayloadFormat& h265_payload_format();

}  // namespace flowcast::media
