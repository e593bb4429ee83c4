// RFC 4571 framing of RTP and RTCP packets over a TCP byte stream: a 16-bit
// big-endian length, then the packet. Pure byte code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace flowcast::common {

inline constexpr size_t kRfc4571MaxPacket = 65535;

// Appends the 16-bit big-endian length and the packet to `out`. Returns false
// (and appends nothing) if the packet is empty or larger than 65535 bytes.
bool frame_rfc4571(std::span<const uint8_t> packet, std::vector<uint8_t>& out);

// Cuts a byte stream back into packets. Single-threaded: one reader owns it.
// Memory is bounded: at most one incomplete frame (<= 65537 bytes) is held.
class Rfc4571Deframer {
 public:
  // Feeds a chunk of the byte stream; calls on_packet once per complete
  // packet, in order. Handles frames split across feeds and several frames in
  // one feed. Zero-length frames are skipped. The span handed to on_packet is
  // valid only during the call (it borrows from `bytes` or from the deframer);
  // on_packet must not call feed() on this deframer. Never fails: any byte
  // sequence is a valid stream.
  void feed(std::span<const uint8_t> bytes,
            const std::function<void(std::span<const uint8_t>)>& on_packet);

  // Bytes of an incomplete frame held (length prefix included).
  size_t pending_bytes() const;

 private:
  std::vector<uint8_t> pending_;  // the start of a frame that did not fit in earlier feeds
};

}  // namespace flowcast::common
