// Fuzz target: common::Rfc4571Deframer::feed on a TCP byte stream cut at
// arbitrary points. Input: one byte h, then h & 15 chunk sizes of one byte
// each (scaled by 2^((h >> 4) & 7)), then the stream. The stream is fed in
// chunks of those sizes, cycling through them (0 is an empty read), and again
// whole into a second deframer.
// Asserts: both deliver the same packets in the same order and hold the same
// incomplete tail; every packet is 1..65535 bytes; no more than one frame
// (65537 bytes) is ever held.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/rtp/rfc4571.hpp"
#include "fuzz_input.hpp"

using namespace flowcast::common;
using flowcast::fuzz::ByteReader;

namespace {

using Packets = std::vector<std::vector<uint8_t>>;

// Feeds a copy of each chunk (so ASan sees a read past the chunk the
// deframer was handed) and collects the packets.
void feed(Rfc4571Deframer& deframer, std::span<const uint8_t> chunk, Packets& packets) {
  const std::vector<uint8_t> copy(chunk.begin(), chunk.end());
  deframer.feed(copy, [&](std::span<const uint8_t> packet) {
    FUZZ_CHECK(!packet.empty() && packet.size() <= kRfc4571MaxPacket);
    packets.emplace_back(packet.begin(), packet.end());
  });
  FUZZ_CHECK(deframer.pending_bytes() <= kRfc4571MaxPacket + 2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in({data, size});
  const uint8_t head = in.u8();
  const size_t scale = size_t{1} << ((head >> 4) & 7);
  std::vector<size_t> chunk_sizes;
  size_t total = 0;
  for (int i = 0; i < (head & 15); ++i) {
    chunk_sizes.push_back(in.u8() * scale);
    total += chunk_sizes.back();
  }
  const std::span<const uint8_t> stream = in.rest();

  Rfc4571Deframer whole;
  Packets from_whole;
  feed(whole, stream, from_whole);

  Rfc4571Deframer split;
  Packets from_split;
  if (total == 0) chunk_sizes = {stream.size()};  // all sizes 0: read it in one go
  size_t pos = 0;
  for (size_t i = 0; pos < stream.size(); i = (i + 1) % chunk_sizes.size()) {
    const size_t n = std::min(chunk_sizes[i], stream.size() - pos);
    feed(split, stream.subspan(pos, n), from_split);
    pos += n;
  }
  FUZZ_CHECK(from_split == from_whole);
  FUZZ_CHECK(split.pending_bytes() == whole.pending_bytes());
  return 0;
}
