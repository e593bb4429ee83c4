#include "common/rtp/rfc4571.hpp"

#include <algorithm>

namespace flowcast::common {
namespace {

constexpr size_t kLengthSize = 2;

size_t read_length(const uint8_t* p) {
  return (size_t{p[0]} << 8) | p[1];
}

}  // namespace

bool frame_rfc4571(std::span<const uint8_t> packet, std::vector<uint8_t>& out) {
  if (packet.empty() || packet.size() > kRfc4571MaxPacket) return false;
  // No reserve(): an exact reserve per append defeats the vector's
  // geometric growth and makes a long queue of appends quadratic.
  out.push_back(static_cast<uint8_t>(packet.size() >> 8));
  out.push_back(static_cast<uint8_t>(packet.size()));
  out.insert(out.end(), packet.begin(), packet.end());
  return true;
}

void Rfc4571Deframer::feed(std::span<const uint8_t> bytes,
                           const std::function<void(std::span<const uint8_t>)>& on_packet) {
  size_t pos = 0;
  // Finish the frame held from earlier feeds first.
  if (!pending_.empty()) {
    while (pending_.size() < kLengthSize && pos < bytes.size()) pending_.push_back(bytes[pos++]);
    if (pending_.size() < kLengthSize) return;
    const size_t frame_size = kLengthSize + read_length(pending_.data());
    const size_t take = std::min(frame_size - pending_.size(), bytes.size() - pos);
    pending_.insert(pending_.end(), bytes.begin() + pos, bytes.begin() + pos + take);
    pos += take;
    if (pending_.size() < frame_size) return;
    if (frame_size > kLengthSize) {
      on_packet(std::span<const uint8_t>(pending_).subspan(kLengthSize));
    }
    pending_.clear();
  }
  // Whole frames straight from the caller's buffer, without copying.
  while (bytes.size() - pos >= kLengthSize) {
    const size_t length = read_length(bytes.data() + pos);
    if (bytes.size() - pos - kLengthSize < length) break;
    if (length > 0) on_packet(bytes.subspan(pos + kLengthSize, length));
    pos += kLengthSize + length;
  }
  pending_.assign(bytes.begin() + pos, bytes.end());
}

size_t Rfc4571Deframer::pending_bytes() const {
  return pending_.size();
}

}  // namespace flowcast::common
