#include "common/rtp/rtp_packet.hpp"

#include <stdexcept>

#include "common/util/byte_order.hpp"

namespace flowcast::common {
namespace {

constexpr uint16_t kOneByteProfile = 0xBEDE;
constexpr size_t kSendTimeLength = 8;
// One-byte element header + 8 bytes, padded to whole words.
constexpr size_t kSendTimeExtensionWords = 3;

// Walks RFC 8285 one-byte elements. Returns false when an element runs past
// the extension block.
bool parse_one_byte_extensions(std::span<const uint8_t> block, RtpHeader& header) {
  size_t pos = 0;
  while (pos < block.size()) {
    const uint8_t first = block[pos];
    const uint8_t id = first >> 4;
    if (id == 0) {  // padding byte between elements
      ++pos;
      continue;
    }
    if (id == 15) break;  // reserved: stop processing, the rest is ignored
    const size_t length = size_t{first & 0x0Fu} + 1;
    ++pos;
    if (length > block.size() - pos) return false;
    if (id == kSendTimeExtensionId && length == kSendTimeLength) {
      uint64_t us = 0;
      for (size_t i = 0; i < kSendTimeLength; ++i) us = (us << 8) | block[pos + i];
      header.send_time_us = us;
    }
    pos += length;
  }
  return true;
}

}  // namespace

std::optional<RtpView> parse_rtp(std::span<const uint8_t> packet) {
  if (packet.size() < kRtpFixedHeaderSize) return std::nullopt;
  const uint8_t* p = packet.data();
  if ((p[0] >> 6) != 2) return std::nullopt;
  const bool has_padding = (p[0] & 0x20) != 0;
  const bool has_extension = (p[0] & 0x10) != 0;
  const size_t csrc_count = p[0] & 0x0F;

  RtpView view;
  view.header.marker = (p[1] & 0x80) != 0;
  view.header.payload_type = p[1] & 0x7F;
  view.header.sequence = read_u16(p + 2);
  view.header.timestamp = read_u32(p + 4);
  view.header.ssrc = read_u32(p + 8);

  size_t pos = kRtpFixedHeaderSize;
  if (csrc_count * 4 > packet.size() - pos) return std::nullopt;
  view.header.csrcs.reserve(csrc_count);
  for (size_t i = 0; i < csrc_count; ++i, pos += 4) view.header.csrcs.push_back(read_u32(p + pos));

  if (has_extension) {
    if (packet.size() - pos < 4) return std::nullopt;
    const uint16_t profile = read_u16(p + pos);
    const size_t length = size_t{read_u16(p + pos + 2)} * 4;
    pos += 4;
    if (length > packet.size() - pos) return std::nullopt;
    if (profile == kOneByteProfile &&
        !parse_one_byte_extensions(packet.subspan(pos, length), view.header)) {
      return std::nullopt;
    }
    pos += length;
  }

  size_t end = packet.size();
  if (has_padding) {
    const size_t count = packet.back();
    // The count includes itself, so 0 is malformed; padding may not eat the header.
    if (count == 0 || count > end - pos) return std::nullopt;
    end -= count;
    view.padding = count;
  }
  view.payload = packet.subspan(pos, end - pos);
  return view;
}

size_t rtp_header_size(const RtpHeader& header) {
  size_t size = kRtpFixedHeaderSize + header.csrcs.size() * 4;
  if (header.send_time_us) size += 4 + kSendTimeExtensionWords * 4;
  return size;
}

size_t write_rtp_header(const RtpHeader& header, bool padded, std::span<uint8_t> out) {
  if (header.csrcs.size() > kRtpMaxCsrcs) {
    throw std::invalid_argument("write_rtp: more than 15 CSRCs");
  }
  const size_t size = rtp_header_size(header);
  if (out.size() < size) throw std::invalid_argument("write_rtp_header: buffer too small");
  const bool has_extension = header.send_time_us.has_value();
  uint8_t* p = out.data();
  auto u16 = [&](uint16_t v) {
    *p++ = static_cast<uint8_t>(v >> 8);
    *p++ = static_cast<uint8_t>(v);
  };
  auto u32 = [&](uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  };
  *p++ = static_cast<uint8_t>(0x80 | (padded ? 0x20 : 0) | (has_extension ? 0x10 : 0) |
                              header.csrcs.size());
  *p++ = static_cast<uint8_t>((header.marker ? 0x80 : 0) | (header.payload_type & 0x7F));
  u16(header.sequence);
  u32(header.timestamp);
  u32(header.ssrc);
  for (uint32_t csrc : header.csrcs) u32(csrc);
  if (has_extension) {
    u16(kOneByteProfile);
    u16(kSendTimeExtensionWords);
    *p++ = static_cast<uint8_t>((kSendTimeExtensionId << 4) | (kSendTimeLength - 1));
    const uint64_t us = *header.send_time_us;
    for (int shift = 56; shift >= 0; shift -= 8) *p++ = static_cast<uint8_t>(us >> shift);
    // Zero padding up to the word boundary (id 0 = padding in RFC 8285).
    for (size_t i = 0; i < kSendTimeExtensionWords * 4 - 1 - kSendTimeLength; ++i) *p++ = 0;
  }
  return size;
}

void write_rtp(const RtpHeader& header, std::span<const uint8_t> payload,
               std::vector<uint8_t>& out) {
  const size_t at = out.size();
  out.resize(at + rtp_header_size(header));
  write_rtp_header(header, false, std::span<uint8_t>(out).subspan(at));
  out.insert(out.end(), payload.begin(), payload.end());
}

bool is_rtcp(std::span<const uint8_t> packet) {
  if (packet.size() < 4) return false;
  return (packet[0] >> 6) == 2 && packet[1] >= 192 && packet[1] <= 223;
}

}  // namespace flowcast::common
