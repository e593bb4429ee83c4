#pragma once
// Reading the RBSP of an H.264 or H.265 NAL unit (ITU-T H.264 §7.4.1, H.265
// §7.4.2): emulation prevention removed, then bits MSB first with ue(v) and
// se(v) (§9.1). Every read past the end fails (nullopt); nothing throws.
// Pure byte code, for the parameter-set readers of media/payload.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace flowcast::media {

// Reads bits MSB first from an RBSP; every read past the end fails.
class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> data) : data_(data) {}

  std::optional<uint32_t> bits(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      if (pos_ >= data_.size() * 8) return std::nullopt;
      v = (v << 1) | ((data_[pos_ / 8] >> (7 - pos_ % 8)) & 1u);
      ++pos_;
    }
    return v;
  }
  // ue(v), §9.1: at most 31 leading zeros for a 32-bit value.
  std::optional<uint64_t> ue() {
    int zeros = 0;
    for (;;) {
      auto b = bits(1);
      if (!b) return std::nullopt;
      if (*b) break;
      if (++zeros > 31) return std::nullopt;
    }
    auto rest = bits(zeros);
    if (!rest) return std::nullopt;
    return (uint64_t{1} << zeros) - 1 + *rest;
  }
  // se(v), §9.1.1.
  std::optional<int64_t> se() {
    auto k = ue();
    if (!k) return std::nullopt;
    return (*k & 1) ? static_cast<int64_t>((*k + 1) / 2) : -static_cast<int64_t>(*k / 2);
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

// Drops each emulation_prevention_three_byte (00 00 03 -> 00 00).
inline std::vector<uint8_t> unescape(std::span<const uint8_t> nal) {
  std::vector<uint8_t> rbsp;
  rbsp.reserve(nal.size());
  int zeros = 0;
  for (uint8_t b : nal) {
    if (zeros >= 2 && b == 3) {
      zeros = 0;
      continue;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    rbsp.push_back(b);
  }
  return rbsp;
}

}  // namespace flowcast::media
