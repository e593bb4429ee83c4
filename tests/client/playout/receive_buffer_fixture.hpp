#pragma once
// What the ReceiveBuffer tests share: packets built by hand (each payload
// starts with its own sequence number, so a test can tell which packets an
// access unit was built from), the decode thread's takes through the playout
// policy at a fake time, and the buffer's state read through its
// ReceivePath. No sockets, no threads, no sleeping.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "client/playout/playout_clock.hpp"
#include "client/playout/playout_policy.hpp"
#include "client/playout/receive_buffer.hpp"
#include "client/playout/receive_path.hpp"

namespace flowcast::test {

using namespace flowcast::client;
using namespace std::chrono_literals;

inline constexpr uint32_t kTick = 3000;  // one frame at 30 fps on the 90 kHz clock
inline const SteadyTime kOrigin = SteadyTime{} + 1h;

// A packet whose payload starts with its own sequence number (big-endian), so
// a test can tell which packets an access unit was built from, and in which
// order.
inline ReceivedPacket packet(uint16_t seq, uint32_t ts, bool marker, size_t size = 10) {
  ReceivedPacket p;
  p.sequence = seq;
  p.timestamp = ts;
  p.marker = marker;
  p.payload.assign(std::max<size_t>(size, 2), 0xab);
  p.payload[0] = static_cast<uint8_t>(seq >> 8);
  p.payload[1] = static_cast<uint8_t>(seq & 0xff);
  p.arrival = kOrigin + std::chrono::milliseconds(seq);
  p.wire_bytes = p.payload.size() + 12;
  return p;
}

inline uint16_t seq_of(const std::vector<uint8_t>& payload) {
  return static_cast<uint16_t>(payload.at(0) << 8 | payload.at(1));
}

inline std::vector<uint16_t> seqs_of(const AccessUnitPayloads& au) {
  std::vector<uint16_t> out;
  for (const auto& p : au.payloads) out.push_back(seq_of(p));
  return out;
}

// The packets of one access unit: `count` packets from `first`, marker last.
inline std::vector<ReceivedPacket> access_unit(uint16_t first, uint32_t ts, int count,
                                               size_t size = 10) {
  std::vector<ReceivedPacket> out;
  for (int i = 0; i < count; ++i)
    out.push_back(packet(static_cast<uint16_t>(first + i), ts, i + 1 == count, size));
  return out;
}

inline void write_all(ReceivePath& b, std::vector<ReceivedPacket> packets) {
  for (auto& p : packets) b.write(std::move(p));
}

// The decode thread's takes: through the playout policy (poll_next) at a
// fake time, with playback under way and every access unit due either in
// the far future or long ago.
inline const SteadyTime kNow = SteadyTime{} + 10000h;
inline constexpr int64_t kFarTicks = int64_t{1} << 40;
inline std::optional<AccessUnitPayloads> take_with_clock(ReceivePath& b, SteadyTime base,
                                                         int64_t first_ts) {
  PlayoutClock clock;
  clock.start(base, first_ts);
  const PlayoutPolicy policy(PlayoutConfig{}, clock);
  return b.buffer().poll_next(policy, kNow);
}
// Nothing is due yet: the next access unit leaves if it is whole (or, once
// the stream ended, as it is).
inline std::optional<AccessUnitPayloads> take_complete(ReceivePath& b) {
  return take_with_clock(b, kNow + 10000h, -kFarTicks);
}
// Everything is due: the next access unit leaves as it is when later data
// is held (a gap is a loss, not a delay).
inline std::optional<AccessUnitPayloads> take_incomplete(ReceivePath& b) {
  return take_with_clock(b, SteadyTime{}, kFarTicks);
}
// The stream ended: the next access unit leaves as it is.
inline std::optional<AccessUnitPayloads> take_at_end(ReceivePath& b) {
  return take_complete(b);
}
// The buffer's state, with the counters of the whole receive path (the
// statistics' and the buffer's own) and the statistics' loss and jitter.
struct State : ReceiveBuffer::Snapshot {
  ReceiveCounters counters;
  int64_t cumulative_lost = 0;
  uint32_t jitter = 0;
};
inline State state(const ReceivePath& b) {
  State s;
  static_cast<ReceiveBuffer::Snapshot&>(s) = b.buffer().snapshot();
  s.counters = b.counters();
  s.cumulative_lost = s.counters.cumulative_lost;
  s.jitter = s.counters.jitter;
  return s;
}
inline ReceiveCounters counters(ReceivePath& b) {
  return state(b).counters;
}
inline int64_t lost(ReceivePath& b) {
  return state(b).cumulative_lost;
}
inline bool is_empty(ReceivePath& b) {
  return state(b).empty;
}
inline bool is_full(ReceivePath& b) {
  return state(b).full;
}
inline bool playable(ReceivePath& b) {
  return state(b).playable;
}
inline std::chrono::microseconds buffered(ReceivePath& b) {
  return state(b).buffered;
}
inline std::optional<int64_t> front_ts(ReceivePath& b) {
  return state(b).front_timestamp;
}

inline ReceiveBufferConfig config(OverflowPolicy policy, std::chrono::microseconds capacity = 10s,
                                  int64_t capacity_bytes = 0, int64_t grow_max_bytes = 0) {
  ReceiveBufferConfig c;
  c.capacity = capacity;
  c.capacity_bytes = capacity_bytes;
  c.policy = policy;
  c.grow_max_bytes = grow_max_bytes;
  return c;
}

}  // namespace flowcast::test
