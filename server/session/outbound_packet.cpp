#include "server/session/outbound_packet.hpp"

#include <stdexcept>

namespace flowcast::server {

namespace {
// Padding is zeros, then its length (RFC 3550 §5.1): the zeros come from one
// table and the length byte from another, so no packet owns its padding.
constexpr std::array<uint8_t, OutboundPacket::kMaxPadding> kZeros{};
constexpr std::array<uint8_t, OutboundPacket::kMaxPadding + 1> kLengths = [] {
  std::array<uint8_t, OutboundPacket::kMaxPadding + 1> lengths{};
  for (size_t i = 0; i < lengths.size(); ++i) lengths[i] = static_cast<uint8_t>(i);
  return lengths;
}();
}  // namespace

OutboundPacket::OutboundPacket(const common::RtpHeader& header,
                               std::shared_ptr<const PacketizedFrame> frame, size_t index,
                               size_t padding)
    : frame_(std::move(frame)), index_(static_cast<uint32_t>(index)) {
  if (!header.csrcs.empty() || padding > kMaxPadding || !frame_ || index >= frame_->payloads.size())
    throw std::invalid_argument("OutboundPacket: CSRCs, padding past 255 bytes, or no payload");
  padding_ = static_cast<uint8_t>(padding);
  header_size_ = static_cast<uint8_t>(common::write_rtp_header(header, padding > 0, header_));
}

bool OutboundPacket::is_rtcp() const {
  return !frame_ && common::is_rtcp(own_);
}

size_t OutboundPacket::size() const {
  if (!frame_) return own_.size();
  return header_size_ + frame_->payloads[index_].size() + padding_;
}

OutboundPacket::Pieces OutboundPacket::pieces() const {
  Pieces p;
  if (!frame_) {
    p.piece[p.count++] = own_;
    return p;
  }
  p.piece[p.count++] = std::span<const uint8_t>(header_.data(), header_size_);
  const auto& payload = frame_->payloads[index_];
  if (!payload.empty()) p.piece[p.count++] = payload;
  if (padding_ > 1) p.piece[p.count++] = std::span<const uint8_t>(kZeros.data(), padding_ - 1u);
  if (padding_ > 0) p.piece[p.count++] = std::span<const uint8_t>(&kLengths[padding_], 1);
  return p;
}

void OutboundPacket::append_to(std::vector<uint8_t>& out) const {
  // No reserve(): appended to a send queue, an exact reserve per packet
  // defeats the vector's geometric growth and makes the queue quadratic.
  const Pieces p = pieces();
  for (size_t i = 0; i < p.count; ++i) out.insert(out.end(), p.piece[i].begin(), p.piece[i].end());
}

std::vector<uint8_t> OutboundPacket::bytes() const {
  std::vector<uint8_t> out;
  out.reserve(size());
  append_to(out);
  return out;
}

}  // namespace flowcast::server
