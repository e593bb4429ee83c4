// SDP (RFC 8866) for one H.264 or H.265 video stream over RTP, as RFC 6184
// §8 and RFC 7798 §7 describe it: the writer behind flowcast-server --sdp, and the parser behind
// flowcast-client --listen. Text in, text out: no sockets, no files.
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

namespace flowcast::media {

// The SDP is malformed, or describes nothing flowcast can receive.
class SdpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr size_t kMaxSdpBytes = 64 * 1024;
inline constexpr size_t kMaxParameterSets = 16;

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

// One H.264 stream as an SDP describes it.
struct SdpDescription {
  uint64_t session_id = 0;                       // o= sess-id and sess-version
  std::string origin_address = "127.0.0.1";      // o= unicast-address
  std::string connection_address = "127.0.0.1";  // c=; IPv6 when it holds ':'
  uint16_t port = 0;                             // m=video: where the RTP goes
  // a=rtcp: RTCP's port when it is not the RTP port + 1 (RFC 3550 §11).
  std::optional<uint16_t> rtcp_port;
  bool rtcp_mux = false;  // a=rtcp-mux: RTCP shares the RTP port (RFC 5761)
  uint8_t payload_type = 96;
  std::string encoding_name = "H264";  // a=rtpmap: picks the payload format
  uint32_t clock_rate = 90000;
  int packetization_mode = 1;
  std::string profile_level_id;  // six hex digits, from the SPS
  // sprop-parameter-sets: NAL units (without start codes), in order.
  std::vector<std::vector<uint8_t>> parameter_sets;
  // a=control (RFC 2326 Appendix C.1.1) of the video, or else of the
  // session: the URL an RTSP client sets the stream up with, absolute or
  // relative to the base. Empty when absent; written when set.
  std::string control;
  // a=range:npt=0-END (RFC 2326 Appendix C.1.5): a stored file's length in
  // seconds, so players can show it and seek; absent for a live stream.
  std::optional<double> range_end_s;
};

// Describes a stream sent to address:port, packetization-mode 1, with the
// profile-level-id and sprop-parameter-sets of these parameter sets.
SdpDescription describe_h264_stream(const H264ParameterSets& sets, std::string address,
                                    uint16_t port);
// Describes an H.265 stream sent to address:port (RFC 7798, no DONL), with
// these parameter sets (VPS, SPS and PPS NAL units, without start codes) as
// sprop-vps, sprop-sps and sprop-pps.
SdpDescription describe_h265_stream(std::vector<std::vector<uint8_t>> parameter_sets,
                                    std::string address, uint16_t port);

// The SDP text (CRLF line ends): v=, o=, s=, c=, t=, m=video PORT RTP/AVP PT,
// a=rtpmap:PT H264/90000 with a=fmtp:PT packetization-mode, profile-level-id
// and sprop-parameter-sets (base64), or a=rtpmap:PT H265/90000 with
// sprop-vps, sprop-sps and sprop-pps, and a=range (session level) / a=rtcp /
// a=rtcp-mux / a=control when set.
std::string write_sdp(const SdpDescription& description);

// Reads the first m=video section with an RTP/AVP or RTP/AVPF profile and
// the first of its payload types whose rtpmap says H264 or H265 (parameter
// sets then in the order VPS, SPS, PPS, each kind by its NAL unit type;
// sprop-max-don-diff above 0 refused). Throws SdpError when
// the text is larger than kMaxSdpBytes, does not begin with v=0, has a line
// that is not "x=value", has no such section or payload type, no c= for it,
// a clock rate other than 90000 (RFC 6184 fixes it), packetization-mode 2
// (interleaved), or sprop-parameter-sets that are not base64 of non-empty NAL
// units (or more than kMaxParameterSets of them).
SdpDescription parse_sdp(std::string_view text);

}  // namespace flowcast::media
