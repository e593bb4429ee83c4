// SDP (RFC 8866) for a video stream over RTP in one of flowcast's payload
// formats (media/payload/payload_format.hpp: H.264 as RFC 6184 §8 describes
// it, H.265 as RFC 7798 §7), and an audio stream beside it (AAC as RFC 3640
// §4.1, Opus as RFC 7587 §7, G.711 as RFC 3551 §4.5.14): the writer behind
// flowcast-server --sdp and DESCRIBE, and the reader behind flowcast-client
// --listen and RTSP. The
// payload format writes and reads its own a=fmtp; these files know no
// codec (writer: sdp.cpp; reader: sdp_reader.cpp). Text in, text out: no
// sockets, no files.
//
// The parser reads what real senders write (ffmpeg's -sdp_file, GStreamer,
// VLC): CRLF or LF, "; " or ";" between fmtp parameters, any case in the
// encoding name, session-level or media-level c=. It is bounded (64 KiB of
// text, 16 parameter sets) and throws SdpError, with a message for the user,
// on anything it cannot use.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "media/payload/h264_fmtp.hpp"  // H264ParameterSets, for describe_h264_stream
#include "media/payload/payload_format.hpp"

namespace flowcast::media {

// The SDP is malformed, or describes nothing flowcast can receive.
class SdpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr size_t kMaxSdpBytes = 64 * 1024;

// One stream as an SDP describes it: the video, or an audio stream beside
// it.
struct SdpDescription {
  // The m= media: "video", or "audio" for an audio payload format
  // (find_audio_payload_format).
  std::string media = "video";
  uint64_t session_id = 0;                       // o= sess-id and sess-version
  std::string origin_address = "127.0.0.1";      // o= unicast-address
  std::string connection_address = "127.0.0.1";  // c=; IPv6 when it holds ':'
  uint16_t port = 0;  // m=: where the RTP goes (0 in most RTSP DESCRIBEs)
  // a=rtcp: RTCP's port when it is not the RTP port + 1 (RFC 3550 §11).
  std::optional<uint16_t> rtcp_port;
  bool rtcp_mux = false;  // a=rtcp-mux: RTCP shares the RTP port (RFC 5761)
  uint8_t payload_type = 96;
  // a=rtpmap: picks the payload format (find_payload_format); write_sdp
  // refuses a name no format has.
  std::string encoding_name = "H264";
  // As read; written from the payload format, or this when the format's
  // clock is the stream's sample rate (AAC).
  uint32_t clock_rate = 90000;
  // Audio: the rtpmap's channels (its encoding parameters), when the
  // format does not fix them; 0: none written (nor 1 in a format with a
  // fixed clock: "PCMU/8000"). Read: the rtpmap's, 1 when
  // it names none, the format's when it fixes them (Opus: 2).
  uint32_t channels = 0;
  // AAC: the AudioSpecificConfig (fmtp config=, RFC 3640 §4.1).
  std::vector<uint8_t> config;
  // The payload format's fmtp (FormatParameters): H.264's
  // packetization-mode and profile-level-id (six hex digits, from the SPS).
  int packetization_mode = 1;
  std::string profile_level_id;
  // sprop-parameter-sets, or sprop-vps/sps/pps: NAL units (without start
  // codes), in order.
  std::vector<std::vector<uint8_t>> parameter_sets;
  // a=control (RFC 2326 Appendix C.1.1) of the video, or else of the
  // session (audio: of its own section only): the URL an RTSP client sets
  // the stream up with, absolute or relative to the base. Empty when
  // absent; written when set.
  std::string control;
  // a=range:npt=0-END (RFC 2326 Appendix C.1.5): a stored file's length in
  // seconds, so players can show it and seek; absent for a live stream.
  std::optional<double> range_end_s;
};

// Describes a stream of this payload format sent to address:port, with the
// fmtp the format makes of these NAL units (without start codes; RTP
// payloads work too) of a keyframe; nullopt when its parameter sets are not
// all among them.
std::optional<SdpDescription> describe_stream(const PayloadFormat& format,
                                              const std::vector<std::span<const uint8_t>>& nals,
                                              std::string address, uint16_t port);
// For tests and peers that build an SDP from known parameter sets: an H.264
// stream, packetization-mode 1, with the profile-level-id and
// sprop-parameter-sets of these (throws std::invalid_argument when the SPS
// is shorter than 4 bytes) ...
SdpDescription describe_h264_stream(const H264ParameterSets& sets, std::string address,
                                    uint16_t port);
// ... and an H.265 stream (RFC 7798, no DONL) with these VPS, SPS and PPS
// as sprop-vps, sprop-sps and sprop-pps.
SdpDescription describe_h265_stream(std::vector<std::vector<uint8_t>> parameter_sets,
                                    std::string address, uint16_t port);

// The SDP text (CRLF line ends): v=, o=, s=, c=, t=, m=video PORT RTP/AVP PT,
// a=rtpmap:PT NAME/RATE from the payload format, a=fmtp:PT as the format
// writes it (H.264: packetization-mode, profile-level-id and
// sprop-parameter-sets in base64; H.265: sprop-vps, sprop-sps and
// sprop-pps), and a=range (session level) / a=rtcp / a=rtcp-mux / a=control
// when set. Throws SdpError when no payload format has the encoding name.
std::string write_sdp(const SdpDescription& description);
// Several streams in one SDP (a file's video and audio): the session lines
// (o=, c=, a=range) of the first, then one m= section per stream, each with
// its own port, payload type, rtpmap (audio: NAME/RATE/CHANNELS), fmtp and
// a=control. Throws SdpError as write_sdp does, and for no stream.
std::string write_sdp(std::span<const SdpDescription> streams);

// Reads the first m=video section with an RTP/AVP or RTP/AVPF profile and
// the first of its payload types whose rtpmap names a payload format
// (find_payload_format), whose read_fmtp reads the a=fmtp (H.265: parameter
// sets in the order VPS, SPS, PPS, each kind by its NAL unit type;
// sprop-max-don-diff above 0 refused). Throws SdpError when
// the text is larger than kMaxSdpBytes, does not begin with v=0, has a line
// that is not "x=value", has no such section or payload type, no c= for it,
// a clock rate other than the format's (90000: RFC 6184 and RFC 7798 fix
// it), packetization-mode 2 (interleaved), or sprop-parameter-sets that are
// not base64 of non-empty NAL units (or more than kMaxParameterSets of them).
SdpDescription parse_sdp(std::string_view text);

// A session as an SDP describes it: the video, as parse_sdp reads it, and
// the audio flowcast can play beside it.
struct SdpSession {
  SdpDescription video;
  // The first m=audio section with an RTP/AVP or RTP/AVPF profile that has
  // a payload type whose rtpmap (or, without one, its RFC 3551 §6 static
  // assignment: 0 is PCMU/8000) names an audio payload format
  // (find_audio_payload_format), at the format's clock rate if it fixes one
  // (Opus: 48000; G.711: 8000; AAC: the rtpmap's rate, the sample rate),
  // with channels in 1..255 and an a=fmtp the format's read_fmtp reads (AAC: mode=AAC-hbr,
  // and config= is the AudioSpecificConfig). media is "audio"; its c= (or
  // the session's), port, a=rtcp, a=rtcp-mux and a=control are its own.
  // nullopt when there is none: an SDP whose audio flowcast cannot play
  // still plays its video.
  std::optional<SdpDescription> audio;
  // Why the SDP's audio is not played, for a line to the user ("its audio
  // is MP4A-LATM/44100/2, which flowcast does not play (it plays AAC
  // (mpeg4-generic), Opus (opus), ... or G.711 A-law (PCMA))"); empty when audio is set or the SDP
  // has no m=audio.
  std::string audio_ignored;
};

// parse_sdp, and the audio. Throws SdpError for what parse_sdp does (a line
// not of the form x=value anywhere), and for nothing else in an m=audio
// section: a line there it cannot read (a bad
// port, c=, a=rtpmap or a=rtcp) only skips that section, and says so in
// audio_ignored. Bounded as parse_sdp is: one audio section is held at a
// time.
SdpSession parse_sdp_session(std::string_view text);

}  // namespace flowcast::media
