#pragma once
// RTSP 1.0 (RFC 2326) messages on a byte stream: requests and responses
// written and read, and the interleaved binary frames of RFC 2326 §10.12
// ('$', a channel byte, a 16-bit big-endian length, then an RTP or RTCP
// packet) that share the connection with them once media flows over TCP.
// The header values flowcast reads (Transport, Session, RTP-Info, Range:
// rtsp_headers.hpp) and rtsp:// URLs (rtsp_url.hpp) come with it.
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

#include "common/rtsp/rtsp_headers.hpp"
#include "common/rtsp/rtsp_url.hpp"

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

}  // namespace flowcast::common
