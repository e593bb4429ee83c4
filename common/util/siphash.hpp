// SipHash-2-4 (Aumasson & Bernstein), a keyed 64-bit PRF. Used for stateless
// UDP handshake cookies: the server hashes the client's address under a secret
// key instead of keeping per-address state.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace flowcast::common {

// SipHash-2-4 of `data` under the 128-bit `key` (bytes in the reference
// order). Pure function, thread-safe, never fails. Matches the reference test
// vector: key 00..0f, message 00..0e -> 0xa129ca6149be45e5.
uint64_t siphash24(const std::array<uint8_t, 16>& key, std::span<const uint8_t> data);

}  // namespace flowcast::common
