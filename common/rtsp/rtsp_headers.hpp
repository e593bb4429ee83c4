#pragma once
// The RTSP 1.0 header values flowcast reads and writes (RFC 2326):
// Transport (§12.39), Session (§12.37), RTP-Info (§12.33) and Range in
// Normal Play Time (§12.29, §3.6). Header names are rtsp_message.hpp's.
//
// Pure; any thread. Parsers never throw: a value they cannot read is
// nullopt (or left out of a list).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowcast::common {

// RFC 2326 §12.39 Transport, the one transport spec flowcast reads or
// writes: RTP/AVP over UDP (client_port / server_port) or TCP (interleaved).
struct RtspTransportSpec {
  bool tcp = false;  // RTP/AVP/TCP
  bool unicast = true;
  std::optional<std::pair<uint16_t, uint16_t>> client_port;
  std::optional<std::pair<uint16_t, uint16_t>> server_port;
  std::optional<std::pair<uint8_t, uint8_t>> interleaved;
  std::optional<std::string> destination;
  std::optional<std::string> source;
  std::optional<uint32_t> ssrc;
};
// The first spec of a Transport header (specs are comma-separated, in order
// of preference) that is RTP/AVP over UDP or TCP; nullopt when none is.
std::optional<RtspTransportSpec> parse_transport(std::string_view value);
// Every spec of the header that parse_transport() would accept, in order.
std::vector<RtspTransportSpec> parse_transports(std::string_view value);
std::string write_transport(const RtspTransportSpec& spec);

// RFC 2326 §12.37 Session: "ID" or "ID;timeout=SECONDS".
struct RtspSessionHeader {
  std::string id;
  std::optional<int> timeout_s;
};
std::optional<RtspSessionHeader> parse_session(std::string_view value);

// RFC 2326 §12.33 RTP-Info: url=...;seq=N;rtptime=T per stream.
struct RtpInfo {
  std::string url;
  std::optional<uint16_t> seq;
  std::optional<uint32_t> rtptime;
};
std::vector<RtpInfo> parse_rtp_info(std::string_view value);

// RFC 2326 §12.29 Range in Normal Play Time (§3.6): "npt=START-[END]", each
// time "now", seconds ("12.5") or "H:MM:SS[.frac]"; parameters after ';'
// (";time=...") are ignored. Times are seconds from the start of the
// presentation, within [0, kMaxNptSeconds].
struct NptRange {
  static constexpr double kMaxNptSeconds = 1e9;
  std::optional<double> start_s;  // nullopt: "now" (a live stream)
  std::optional<double> end_s;    // nullopt: open-ended
};
// nullopt for another unit (smpte=, clock=) or a malformed value.
std::optional<NptRange> parse_npt_range(std::string_view value);
// "npt=START-" or "npt=START-END", in seconds with three decimals.
std::string write_npt_range(double start_s, std::optional<double> end_s);

}  // namespace flowcast::common
