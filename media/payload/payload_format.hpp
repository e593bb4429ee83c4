#pragma once
// RTP payload formats, found by their SDP encoding name (a=rtpmap): how the
// access units of one codec travel in RTP, and what a receiver must
// recognise in them. Everything codec-specific that the transports, the
// jitter buffer, the playout and the server's sessions must not know lives
// behind this table: the SDP's rtpmap and fmtp (media/sdp), the file source's
// Annex B filter, the encoder's choice and settings (media/codec), the
// decoder's FFmpeg codec id and the server's --codec. Adding a codec is its
// payload files (a PayloadFormat and its NalRules) and one line in
// payload_formats().
//
// Access units are Annex B (start codes) on both sides of a payload format.
// Threads: the table is constant; a Depacketizer belongs to one thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
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
  // Audio: the sizes of the frames (access units) `annexb` holds one after
  // the other, in order (RFC 3640 may carry several in one packet).
  std::vector<size_t> frame_sizes;
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

// The most parameter sets an SDP's fmtp may carry.
inline constexpr size_t kMaxParameterSets = 16;

// A stream's fmtp parameters (a=fmtp, RFC 8866 §6.15), as its payload
// format reads and writes them.
struct FormatParameters {
  // H.264 (RFC 6184 §8.1): 1 is non-interleaved; absent in an SDP means 0.
  int packetization_mode = 1;
  std::string profile_level_id;  // H.264: six hex digits, from the SPS
  // sprop-parameter-sets, or sprop-vps/sps/pps: NAL units without start
  // codes, in order.
  std::vector<std::vector<uint8_t>> parameter_sets;
  // AAC (RFC 3640 §4.1 config): the AudioSpecificConfig (ISO 14496-3
  // §1.6.2.1), written as hex.
  std::vector<uint8_t> config;
};

// An fmtp line's parameters: each key in lower case with its value, trimmed,
// in order.
using FmtpItems = std::vector<std::pair<std::string, std::string_view>>;

// An fmtp parameter a payload format cannot use; the message is for the user.
class FormatParameterError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How the codec's live encoder is chosen and set (media/codec/video_encoder).
struct EncoderChoice {
  std::string_view name;            // the libavcodec encoder, "libx264"
  std::string_view default_preset;  // the fastest preset that stays clean live
  std::string_view params_option;   // its private option taking "key=value:..."
  std::string_view extra_params;    // ":key=value..." appended to flowcast's own
  // The parameter that caps a slice NAL unit's bytes; empty: the encoder has none.
  std::string_view slice_size_param;
  // Set the encoder's "forced-idr": a requested keyframe is an IDR, not an
  // open intra picture a joining receiver cannot start at.
  bool forced_idr = false;
};

struct PayloadFormat {
  std::string_view media = "video";  // the SDP's m= media: "video" or "audio"
  std::string_view encoding_name;    // SDP a=rtpmap, "H264"
  std::string_view specification;    // "RFC 6184", named in the SDP's errors
  std::string_view display_name;     // "H.264", for people
  std::string_view option_name;      // "h264": flowcast-server --codec
  AVCodecID codec_id = AV_CODEC_ID_NONE;
  // RTP timestamp ticks per second: what the SDP's rtpmap says, and the only
  // rate its parser accepts. 0 for an audio format whose clock is the
  // stream's sample rate (AAC, RFC 3640 §4.1).
  uint32_t clock_rate = 90000;
  // Audio: the channels the rtpmap names when the format fixes them (Opus:
  // always 2, RFC 7587 §7); 0: the stream's own.
  uint32_t channels = 0;
  // RFC 3551 §6's static payload type of the encoding (PCMU 0, PCMA 8),
  // which flowcast sends it on; -1: a dynamic one (96 and up).
  int static_payload_type = -1;
  // A sample format (G.711: one octet a sample, sent mono, RFC 3551
  // §4.5.14): the samples one RTP packet carries (160: 20 ms at 8000 Hz,
  // §4.2's default packetization interval). A file's track is cut into
  // frames of this many (media/source/audio_track), packetize cuts a longer
  // frame into payloads of this many, and each payload's RTP timestamp is
  // the frame's plus the samples before it (RFC 3550 §5.1: that of its
  // first octet). 0: a codec's frames, every payload of one with its
  // timestamp.
  uint32_t packet_samples = 0;
  // What the RTP marker bit says: the last packet of a frame (video, RFC
  // 6184 §5.1; AAC's last fragment, RFC 3640 §3.2.1), or the first packet
  // of a talkspurt (Opus, RFC 7587 §4.1 after RFC 3551 §4.1: a sender
  // without silence suppression sets it on its first packet only).
  bool marker_starts_talkspurt = false;
  // FFmpeg's bitstream filter from a container's NAL units to Annex B with
  // the parameter sets before every keyframe ("h264_mp4toannexb").
  std::string_view annexb_filter;
  // Audio: FFmpeg's bitstream filter from how a container or RTP demuxer
  // frames the codec to the bare frames the payload carries. Its first
  // output gives, as new extradata, the configuration the SDP needs when
  // the stream came without one (AAC: "aac_adtstoasc" takes ADTS headers
  // off, as RFC 3640 carries raw access units, and reads the
  // AudioSpecificConfig from the first; bare frames pass unchanged).
  // Empty: the frames go as they are.
  std::string_view frame_filter;
  // A stream without timestamps can be put in presentation order by
  // libavcodec's parser of this codec (its output_picture_number).
  bool parser_orders_pictures = false;
  // Ticks of the stream's VUI timing one picture lasts, as libavcodec's
  // parser must be told before libavcodec 60 to give the picture rate rather
  // than the field rate (H.264 E.2.1: 2, a field each); 1 for the others.
  int ticks_per_frame = 1;
  EncoderChoice encoder;
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
  // True for a NAL unit (without start code) that is one slice of a picture,
  // a VCL NAL unit (H.264 §7.4.1.2: types 1 to 5; H.265 §7.4.2.2: types 0 to
  // 31): how many a picture has says whether slice threads can share it.
  bool (*is_slice)(std::span<const uint8_t> nal) = nullptr;
  // True when an RTP payload of this format can open an access unit where
  // decoding starts: a parameter set or a keyframe slice, alone, aggregated
  // or as the first fragment.
  bool (*opens_keyframe)(std::span<const uint8_t> payload) = nullptr;
  // The fmtp parameters of a stream whose keyframe holds these NAL units
  // (without start codes; RTP payloads work too): its parameter sets, the
  // first of each kind the SDP needs. nullopt when one is missing.
  std::optional<FormatParameters> (*describe)(const std::vector<std::span<const uint8_t>>& nals) =
      nullptr;
  // The a=fmtp value (without "a=fmtp:PT "); empty for none.
  std::string (*write_fmtp)(const FormatParameters& parameters) = nullptr;
  // Reads an fmtp line's parameters into `parameters` (which holds the
  // SDP's defaults). Throws FormatParameterError on what it cannot use.
  void (*read_fmtp)(const FmtpItems& items, FormatParameters& parameters) = nullptr;
  // Pictures to decode and not show (an edit list's): the codec's in-band
  // mark on an Annex B access unit (media/payload/h264_hidden_picture.hpp).
  // nullptr: the format has none, and such pictures are shown.
  bool (*is_hidden)(std::span<const uint8_t> annexb) = nullptr;
  void (*mark_hidden)(std::vector<uint8_t>& annexb) = nullptr;
};

// Every payload format flowcast speaks, in order of preference: the first
// is the server's --codec default (preferred_payload_format()).
std::span<const PayloadFormat* const> payload_formats();
// The format flowcast prefers: the server's --codec default, and the one
// named when another encoder cannot keep up live. H.264: libx264 is the
// fastest encoder, and every receiver decodes it.
const PayloadFormat& preferred_payload_format();
// What a file's video no payload format carries (MPEG-4 Part 2, VP9, ...) is
// transcoded to, on purpose, so any file plays: H.264 (libx264), for the
// same reasons. A choice of the table, named, not a position in it.
const PayloadFormat& transcode_target_format();
// The format with this SDP encoding name (case-insensitive), or nullptr.
const PayloadFormat* find_payload_format(std::string_view encoding_name);
// The format for this FFmpeg codec, or nullptr.
const PayloadFormat* find_payload_format(AVCodecID codec_id);
// The format flowcast-server's --codec names ("h264"), or nullptr.
const PayloadFormat* find_payload_format_option(std::string_view option_name);
// The format for this FFmpeg codec. Throws std::invalid_argument naming the
// codec ("flowcast sends H.264 or H.265, not vp8") when there is none.
const PayloadFormat& payload_format_for(AVCodecID codec_id);
// The names of these formats (every video format unless told), "H.264 or
// H.265", "AAC or Opus", for messages.
std::string payload_format_names(std::span<const PayloadFormat* const> formats);
std::string payload_format_names();
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

// The audio formats flowcast sends a file's first audio track in (as it
// is, or transcoded to Opus: media/source/audio_track.hpp): a table of
// their own, so that what looks for a video format (--codec, a file's
// video, an SDP's m=video) never finds one.
std::span<const PayloadFormat* const> audio_payload_formats();
// The audio format with this SDP encoding name (case-insensitive), or
// nullptr.
const PayloadFormat* find_audio_payload_format(std::string_view encoding_name);
// The audio format for this FFmpeg codec, or nullptr.
const PayloadFormat* find_audio_payload_format(AVCodecID codec_id);
// AAC, RFC 3640 mpeg4-generic in AAC-hbr mode (media/payload/aac_payload.cpp).
const PayloadFormat& aac_payload_format();
// Opus, RFC 7587 (media/payload/opus_payload.cpp).
const PayloadFormat& opus_payload_format();
// G.711 mu-law (PCMU) and A-law (PCMA), RFC 3551 §4.5.14, on the static
// payload types 0 and 8 (media/payload/g711_payload.cpp).
const PayloadFormat& pcmu_payload_format();
const PayloadFormat& pcma_payload_format();

}  // namespace flowcast::media
