// Fuzz target: client::ReceiveBuffer, through its ReceivePath (the receiver
// statistics number the packets), written a sequence of RTP packets
// (sequence, timestamp, marker, payload size; an empty one is a filler, a
// rare step a sequence jump or a restart) under the overflow policy and
// bounds the input's header chooses, taken through the playout policy
// (poll_next() with a fake clock) between writes as the decode thread takes:
// whole access units, or the next one as a loss; after end(), the rest. Input: the header and
// packet records of fuzz_input.hpp. Asserts, after every write (from snapshot()): at most
// byte_bound payload bytes and packet_bound packets are held, and an empty buffer holds nothing; a
// NACK list never passes kMaxTrackedGaps; what the sender controls stays in its range: the frame
// interval in 1..kMaxFrameInterval90k, the jitter at most kMaxJitter90k, and every timestamp (held
// or taken) within what the packets written can move the timeline (kMaxTimestampLead plus 1 ms of
// arrival each, twice that backward, from the first timestamp's unwrapping).
// For every access unit taken: one gap flag per payload, and its byte count
// is its payloads' sizes. After the last take nothing is left, and the byte
// count is back to 0. The byte capacity follows the stream's rate up to its
// ceiling at most.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "client/playout/playout_clock.hpp"
#include "client/playout/playout_policy.hpp"
#include "client/playout/receive_buffer.hpp"
#include "client/playout/receive_path.hpp"
#include "fuzz_input.hpp"

using namespace flowcast;
using client::OverflowPolicy;
using client::ReceiveBuffer;

namespace {

// How far from 0 a timestamp handed out may be after `packets` writes: the
// first is an unwrapped 32-bit value; each packet moves the timeline at most
// kMaxTimestampLead plus its 1 ms wait ahead, or twice that back.
int64_t timeline_reach(int64_t packets) {
  const int64_t step = ReceiveBuffer::kMaxTimestampLead.count() * 90'000 + 90;
  return (int64_t{1} << 32) + 2 * step * packets;
}

// The buffer's hard bounds, whatever arrives and under every policy; the
// byte capacity follows the stream's rate up to its ceiling at most.
void check_bounds(const ReceiveBuffer::Snapshot& s, uint32_t jitter, int64_t packets,
                  int64_t start_capacity_bytes) {
  FUZZ_CHECK(s.capacity_bytes <=
             std::max(ReceiveBuffer::kMaxFollowedCapacityBytes, start_capacity_bytes));
  FUZZ_CHECK(s.bytes <= s.byte_bound);
  FUZZ_CHECK(s.held_packets <= s.packet_bound);
  FUZZ_CHECK(s.front_timestamp.has_value() == !s.empty);
  if (s.empty) FUZZ_CHECK(s.bytes == 0 && s.held_packets == 0);
  FUZZ_CHECK(s.frame_interval_90k >= 1 &&
             s.frame_interval_90k <= ReceiveBuffer::kMaxFrameInterval90k);
  FUZZ_CHECK(jitter <= ReceiveBuffer::kMaxJitter90k);
  if (s.front_timestamp) FUZZ_CHECK(std::llabs(*s.front_timestamp) <= timeline_reach(packets));
  FUZZ_CHECK(s.buffered.count() >= 0);
  FUZZ_CHECK(s.buffered.count() <=
             (2 * timeline_reach(packets) + ReceiveBuffer::kMaxFrameInterval90k) * 1000 / 90);
}

// The decode thread's takes: through the playout policy (poll_next) at a
// fake time, with every access unit due in the far future (whole ones
// leave, and at the end the rest) or long ago (a gap before later data is a
// loss).
constexpr int64_t kFarTicks = int64_t{1} << 40;
const client::SteadyTime kNow = client::SteadyTime{} + std::chrono::hours(10000);
std::optional<client::AccessUnitPayloads> take(client::ReceiveBuffer& buffer, bool due) {
  client::PlayoutClock clock;
  if (due)
    clock.start(client::SteadyTime{}, kFarTicks);
  else
    clock.start(kNow + std::chrono::hours(10000), -kFarTicks);
  const client::PlayoutPolicy policy(client::PlayoutConfig{}, clock);
  return buffer.poll_next(policy, kNow);
}

void check_unit(const client::AccessUnitPayloads& unit, int64_t packets) {
  FUZZ_CHECK(std::llabs(unit.timestamp) <= timeline_reach(packets));
  FUZZ_CHECK(!unit.payloads.empty());
  FUZZ_CHECK(unit.gap_before.size() == unit.payloads.size());
  size_t bytes = 0;
  for (const auto& payload : unit.payloads) bytes += payload.size();
  FUZZ_CHECK(unit.bytes == bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteReader in({data, size});
  const fuzz::BufferHeader header = fuzz::read_buffer_header(in);
  client::ReceiveBufferConfig config;
  config.policy = static_cast<OverflowPolicy>(header.policy & 3);
  config.track_gaps = (header.policy & 4) != 0;
  config.capacity_bytes = int64_t{header.capacity_kib} * 1024;
  config.grow_max_bytes = int64_t{header.grow_max_4kib} * 4096;
  config.capacity = std::chrono::milliseconds(40) * (header.capacity_40ms + 1);
  client::ReceivePath path(config);
  ReceiveBuffer& buffer = path.buffer();
  // Under grow, --grow-max (four times the start without one) bounds it.
  const int64_t start = buffer.snapshot().capacity_bytes;
  const int64_t start_capacity_bytes = config.policy != OverflowPolicy::grow ? start
                                       : config.grow_max_bytes > 0           ? config.grow_max_bytes
                                                                             : 4 * start;

  uint16_t sequence = fuzz::first_sequence(header);
  uint32_t timestamp = fuzz::first_timestamp(header);
  client::SteadyTime arrival{};
  int64_t written = 0;
  while (const auto record = fuzz::next_packet_record(in)) {
    // The rarest steps stand for what a sender's discontinuities do: a new
    // SSRC (the network source restarts the buffer) and a sequence jump.
    if (record->seq_step == -127) path.restart();
    if (record->seq_step == 128) sequence = static_cast<uint16_t>(sequence + 20000);
    client::ReceivedPacket packet;
    packet.sequence = sequence = static_cast<uint16_t>(sequence + record->seq_step);
    const uint32_t ts_unit = record->big_ts_step ? 1u << 20 : 1500;
    packet.timestamp = timestamp += static_cast<uint32_t>(record->ts_step) * ts_unit;
    packet.marker = record->marker;
    packet.payload.assign(record->size, static_cast<uint8_t>(sequence));
    packet.arrival = arrival += std::chrono::milliseconds(1);
    packet.wire_bytes = record->size + 12;
    // As the network source passes a packet of the stream without payload.
    packet.filler = record->size == 0;
    path.write(std::move(packet));
    ++written;
    check_bounds(buffer.snapshot(), path.statistics().jitter, written, start_capacity_bytes);
    // What the decode thread reads before playback starts, now and then.
    if (record->take == 3) (void)buffer.startup_held(arrival);

    // As the network thread asks for its NACKs: now and then.
    if (config.track_gaps && (record->take & 2))
      FUZZ_CHECK(buffer.take_new_gaps(client::SteadyTime{}).size() <=
                 ReceiveBuffer::kMaxTrackedGaps);
    if (record->take & 1) {
      while (const auto unit = take(buffer, false)) check_unit(*unit, written);
    }
    if (record->take & 2) {
      if (const auto unit = take(buffer, true)) check_unit(*unit, written);
    }
  }
  path.end();
  while (const auto unit = take(buffer, false)) check_unit(*unit, written);
  const auto last = buffer.snapshot();
  FUZZ_CHECK(last.empty && last.bytes == 0 && last.held_packets == 0);
  return 0;
}
