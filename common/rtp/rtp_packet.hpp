// RTP packets (RFC 3550) with flowcast's send-time header extension (RFC 8285
// one-byte form). Pure byte code: no sockets, no allocation beyond the output
// vector the caller hands in. Safe on hostile input: parse never reads past
// the packet and never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace flowcast::common {

// The payload type flowcast sends with: the first dynamic one (RFC 3551 §6),
// bound to a payload format by the SDP (or, over flowcast's own protocol, H.264).
inline constexpr uint8_t kPayloadTypeDynamic = 96;
inline constexpr uint32_t kRtpClockRate = 90000;
// RFC 8285 one-byte form, 8-byte big-endian microseconds of the sender's steady clock.
inline constexpr uint8_t kSendTimeExtensionId = 1;
// Bytes of a fixed RTP header without CSRCs or extension.
inline constexpr size_t kRtpFixedHeaderSize = 12;
// The CC field has four bits.
inline constexpr size_t kRtpMaxCsrcs = 15;

struct RtpHeader {
  bool marker = false;
  uint8_t payload_type = kPayloadTypeDynamic;  // seven bits; write_rtp masks the top bit
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  std::vector<uint32_t> csrcs;           // filled by parse; write_rtp writes them too
  std::optional<uint64_t> send_time_us;  // our send-time extension
};

// A parsed packet. `payload` borrows from the buffer given to parse_rtp and is
// valid only as long as that buffer; `padding` counts the padding bytes removed.
struct RtpView {
  RtpHeader header;
  std::span<const uint8_t> payload;
  size_t padding = 0;
};

// Parses an RTP packet (RFC 3550): version 2, CSRCs, header extension (skips
// unknown profiles and unknown ids; reads id kSendTimeExtensionId of length 8
// in the 0xBEDE one-byte form), padding (P bit). Returns nullopt when the
// packet is malformed (too short, not version 2, a length that runs past the
// end, a padding count of 0 or larger than what follows the header). An empty
// payload is valid. Never throws.
std::optional<RtpView> parse_rtp(std::span<const uint8_t> packet);

// Appends the header (+ the send-time extension when set, padded to 32-bit
// words) and the payload to `out`. Never sets the P bit. Throws
// std::invalid_argument if header.csrcs has more than kRtpMaxCsrcs entries
// (a programming error, not network input).
void write_rtp(const RtpHeader& header, std::span<const uint8_t> payload,
               std::vector<uint8_t>& out);

// Bytes write_rtp would put before the payload.
size_t rtp_header_size(const RtpHeader& header);

// Writes the header write_rtp would write into the front of `out` and returns
// its size (rtp_header_size). With `padded`, the P bit is set: the caller puts
// the padding after the payload, its last byte the padding's length in bytes
// (RFC 3550 §5.1). Throws std::invalid_argument when `out` is too small or
// header.csrcs has more than kRtpMaxCsrcs entries (programming errors).
size_t write_rtp_header(const RtpHeader& header, bool padded, std::span<uint8_t> out);

// RFC 5761 demultiplexing: true if the packet has at least a 4-byte common
// header, version 2, and its second byte is an RTCP packet type (192..223).
bool is_rtcp(std::span<const uint8_t> packet);

}  // namespace flowcast::common
