#pragma once
// What the fuzz targets, their replay main and the corpus generator share: a
// check that stays on in release builds, a reader over the fuzz input, and
// the two record formats that turn one input into a sequence of events (the
// depacketizer's payloads, the receive buffer's packets). The generator
// writes seeds with the put_* functions, the targets read them with next_*.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

namespace flowcast::fuzz {

[[noreturn]] inline void check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, condition);
  std::abort();
}

// Like assert(), but never compiled out: the replay tests run in release builds.
#define FUZZ_CHECK(condition) \
  ((condition) ? void(0) : ::flowcast::fuzz::check_failed(#condition, __FILE__, __LINE__))

// Takes bytes from the front of the input; past its end it gives zeros and
// empty spans, so every input decodes to something.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}
  bool empty() const { return data_.empty(); }
  uint8_t u8() {
    if (data_.empty()) return 0;
    const uint8_t v = data_[0];
    data_ = data_.subspan(1);
    return v;
  }
  // At most n bytes.
  std::span<const uint8_t> take(size_t n) {
    const auto out = data_.first(n < data_.size() ? n : data_.size());
    data_ = data_.subspan(out.size());
    return out;
  }
  std::span<const uint8_t> rest() { return take(data_.size()); }

 private:
  std::span<const uint8_t> data_;
};

// --- The depacketizer's input: records of
//   flags    bit 0: gap_before; bit 1: call finish() after this payload;
//            bits 2..7: bits 8..13 of the payload size
//   size     bits 0..7 of the payload size
//   payload  that many bytes (fewer when the input ends first)
inline constexpr size_t kMaxRecordPayload = (0x3F << 8) | 0xFF;

struct PayloadRecord {
  std::span<const uint8_t> payload;
  bool gap_before = false;
  bool finish_after = false;
};

inline std::optional<PayloadRecord> next_payload_record(ByteReader& in) {
  if (in.empty()) return std::nullopt;
  const uint8_t flags = in.u8();
  const size_t size = ((size_t{flags} >> 2) << 8) | in.u8();
  return PayloadRecord{in.take(size), (flags & 1) != 0, (flags & 2) != 0};
}

// payload.size() must be <= kMaxRecordPayload.
inline void put_payload_record(std::vector<uint8_t>& out, std::span<const uint8_t> payload,
                               bool gap_before, bool finish_after) {
  out.push_back(static_cast<uint8_t>(((payload.size() >> 8) << 2) | (finish_after ? 2 : 0) |
                                     (gap_before ? 1 : 0)));
  out.push_back(static_cast<uint8_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
}

// --- The receive buffer's input: a 5-byte header, then 4-byte packet records.
// Header:
//   policy          bits 0..1: block, drop-new, drop-old, grow; bit 2: track gaps (--nack)
//   capacity_kib    byte bound in KiB; 0: the default (1 MiB per second of capacity)
//   grow_max_4kib   --grow-max in units of 4 KiB; 0: the default (4 x capacity)
//   capacity_40ms   media-time bound: (n + 1) x 40 ms
//   start           the stream starts at sequence (n << 8) - 8 and timestamp
//                   (n << 24) - 12000, so with n = 0 both wrap within a few frames
struct BufferHeader {
  uint8_t policy = 0;
  uint8_t capacity_kib = 0;
  uint8_t grow_max_4kib = 0;
  uint8_t capacity_40ms = 49;  // 2 s
  uint8_t start = 0;
};

inline uint16_t first_sequence(const BufferHeader& h) {
  return static_cast<uint16_t>((h.start << 8) - 8);
}
inline uint32_t first_timestamp(const BufferHeader& h) {
  return (uint32_t{h.start} << 24) - 12000;
}

// Packet record:
//   op         bits 0..1: then take (0 nothing, 1 whole access units until none,
//              2 the next as a loss once, 3 both); bit 2: marker; bit 3: the
//              timestamp step is in units of 2^20 ticks instead of 1500;
//              bits 4..7: bits 8..11 of the payload size
//   seq_step   int8 + 1 added to the sequence number (0: the next one)
//   ts_step    int8 added to the timestamp, in the unit op says (0: same access unit)
//   size       bits 0..7 of the payload size
struct PacketRecord {
  int seq_step = 1;  // -127..128
  int ts_step = 0;   // -128..127
  bool big_ts_step = false;
  bool marker = false;
  uint8_t take = 0;   // 0..3
  uint16_t size = 0;  // 0..4095
};

inline BufferHeader read_buffer_header(ByteReader& in) {
  BufferHeader h;
  h.policy = in.u8();
  h.capacity_kib = in.u8();
  h.grow_max_4kib = in.u8();
  h.capacity_40ms = in.u8();
  h.start = in.u8();
  return h;
}

inline void put_buffer_header(std::vector<uint8_t>& out, const BufferHeader& h) {
  out.insert(out.end(), {h.policy, h.capacity_kib, h.grow_max_4kib, h.capacity_40ms, h.start});
}

inline std::optional<PacketRecord> next_packet_record(ByteReader& in) {
  if (in.empty()) return std::nullopt;
  const uint8_t op = in.u8();
  PacketRecord r;
  r.seq_step = static_cast<int8_t>(in.u8()) + 1;
  r.ts_step = static_cast<int8_t>(in.u8());
  r.size = static_cast<uint16_t>(((op >> 4) << 8) | in.u8());
  r.take = op & 3;
  r.marker = (op & 4) != 0;
  r.big_ts_step = (op & 8) != 0;
  return r;
}

inline void put_packet_record(std::vector<uint8_t>& out, const PacketRecord& r) {
  out.push_back(static_cast<uint8_t>(((r.size >> 8) << 4) | (r.big_ts_step ? 8 : 0) |
                                     (r.marker ? 4 : 0) | (r.take & 3)));
  out.push_back(static_cast<uint8_t>(static_cast<int8_t>(r.seq_step - 1)));
  out.push_back(static_cast<uint8_t>(static_cast<int8_t>(r.ts_step)));
  out.push_back(static_cast<uint8_t>(r.size));
}

}  // namespace flowcast::fuzz
