#pragma once
// RTSP 1.0 (RFC 2326) messages on a byte stream: requests and responses
// written and read, and the interleaved binary frames of RFC 2326 §10.12
// ('$', a channel byte, a 16-bit big-endian length, then an RTP or RTCP
// packet) that share the connection with them once media flows over TCP.
// Also the header values flowcast reads: Transport (§12.39), Session
// (§12.37), RTP-Info (§12.33), and rtsp:// URLs (§3.2).
//
// Pure byte code: no sockets. The reader is bounded whatever the peer sends
// (RtspLimits); a stream it cannot read is an error the caller answers with
// 400 (a server) or by closing. Not thread-safe: one reader per connection.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace flowcast::common {

// One RTSP request or response. Header names keep their case as sent;
// lookups ignore it (RFC 2326 §4.2, as HTTP).
struct RtspMessage {
  bool is_response = false;
  std::string method;  // request: "DESCRIBE"
  std::string uri;     // request: "rtsp://host:8554/stream"
  int status = 0;      // response: 200
  std::string reason;  // response: "OK"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header of that name (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
  // CSeq (§12.17), or nullopt when absent or not a number.
  std::optional<uint32_t> cseq() const;
  void set_header(std::string name, std::string value);
};

// The message as bytes: start line, headers, Content-Length when there is a
// body, a blank line, the body.
std::string write_rtsp(const RtspMessage& message);

// A binary frame interleaved on the RTSP connection (RFC 2326 §10.12).
struct InterleavedFrame {
  uint8_t channel = 0;
  std::vector<uint8_t> data;
};
// '$', channel, length, data; data must be at most 65535 bytes (throws
// std::invalid_argument otherwise).
void write_interleaved(uint8_t channel, std::span<const uint8_t> data, std::vector<uint8_t>& out);

struct RtspLimits {
  size_t max_line_bytes = 4096;   // one start or header line
  size_t max_headers = 64;        // header lines per message
  size_t max_head_bytes = 16384;  // start line and headers together
  size_t max_body_bytes = 65536;  // Content-Length
};

// Whether a message as write_rtsp wrote it keeps within `limits` (each line
// with its CRLF, the header count, the head with its blank line, the body):
// whether an RtspStreamReader with those limits (flowcast-server's, and most
// servers' of about that size) reads it as one whole message. flowcast-client sends no request that
// does not: one built from a server's overlong control URL or challenge fails with a clear error
// instead.
bool within_limits(std::string_view written, const RtspLimits& limits);

// Cuts a byte stream into RTSP messages and interleaved frames, in order.
// Holds at most one message head (max_head_bytes), one body
// (max_body_bytes) or one frame (64 KiB) of unfinished input.
class RtspStreamReader {
 public:
  using Item = std::variant<RtspMessage, InterleavedFrame>;

  explicit RtspStreamReader(RtspLimits limits = {}) : limits_(limits) {}
  // Appends bytes and moves every whole item out into `out`. false once the
  // stream is malformed (error() says how); it stays so, and the rest of the
  // connection cannot be read.
  bool feed(std::span<const uint8_t> bytes, std::vector<Item>& out);
  const std::string& error() const { return error_; }
  // Bytes held of an unfinished item.
  size_t pending() const { return buffer_.size(); }

 private:
  bool fail(std::string message);
  // Parses a whole head (up to and without the blank line).
  bool parse_head(std::string_view head);

  RtspLimits limits_;
  std::vector<uint8_t> buffer_;
  std::optional<RtspMessage> message_;  // head read, body pending
  size_t body_length_ = 0;
  std::string error_;
};

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

// rtsp://[USER[:PASS]@]HOST[:PORT][/PATH] (RFC 2326 §3.2; userinfo as in
// RFC 3986, percent-decoded). HOST may be a bracketed IPv6 literal.
struct RtspUrl {
  std::string user;
  std::string password;
  std::string host;
  uint16_t port = 554;
  std::string path;  // from the first '/', "/" when absent
  // rtsp://HOST:PORT/PATH, without the credentials: what requests name.
  std::string without_credentials() const;
};
std::optional<RtspUrl> parse_rtsp_url(std::string_view url);
// url resolved against base (a=control, Content-Base): absolute as is, "*"
// as the base, otherwise appended to the base with one '/'. Bytes a URI
// cannot hold (space, controls, non-ASCII) come out percent-encoded, so the
// result is always one token of a request line.
std::string resolve_control(std::string_view base, std::string_view control);

}  // namespace flowcast::common
