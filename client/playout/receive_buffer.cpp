#include "client/playout/receive_buffer.hpp"

#include <algorithm>
#include <cmath>

namespace flowcast::client {

namespace {
constexpr int64_t kBytesPerSecondOfCapacity = 1 << 20;
}

ReceiveBuffer::ReceiveBuffer(ReceiveBufferConfig config)
    : config_(config), capacity_(config.capacity) {
  const double seconds = std::chrono::duration<double>(config.capacity).count();
  capacity_bytes_ =
      config.capacity_bytes > 0
          ? config.capacity_bytes
          : std::max<int64_t>(64 * 1024, static_cast<int64_t>(seconds * kBytesPerSecondOfCapacity));
  grow_max_bytes_ = config.grow_max_bytes > 0 ? config.grow_max_bytes : 4 * capacity_bytes_;
  if (config.policy == OverflowPolicy::grow)
    capacity_bytes_ = std::min(capacity_bytes_, grow_max_bytes_);
}

size_t ReceiveBuffer::byte_bound() const {
  switch (config_.policy) {
    case OverflowPolicy::block:
      return static_cast<size_t>(capacity_bytes_) + kBlockSlackBytes;
    case OverflowPolicy::grow:
      return static_cast<size_t>(grow_max_bytes_);
    case OverflowPolicy::drop_new:
    case OverflowPolicy::drop_old:
      break;
  }
  return static_cast<size_t>(capacity_bytes_);
}

size_t ReceiveBuffer::packet_bound() const {
  return std::max<size_t>(kMinPacketBound, byte_bound() / kBytesPerHeldPacket);
}

bool ReceiveBuffer::full() const {
  return buffered() >= capacity_ || static_cast<int64_t>(bytes_) >= capacity_bytes_ ||
         packets_.size() >= packet_bound();
}

bool ReceiveBuffer::write(ReceivedPacket packet) {
  std::lock_guard lock(mutex_);
  const int64_t seq = seq_unwrap_.unwrap(packet.sequence);
  const int64_t ts = ts_unwrap_.unwrap(packet.timestamp);
  ++counters_.received;
  counters_.bytes += packet.wire_bytes;
  if (!base_seq_) {
    base_seq_ = seq;
    next_seq_ = seq;
  }
  // Interarrival jitter, RFC 3550 §6.4.1, on the 90 kHz clock.
  const double arrival_90k =
      std::chrono::duration<double>(packet.arrival.time_since_epoch()).count() * 90000.0;
  const double transit = arrival_90k - static_cast<double>(ts);
  if (last_transit_) jitter_ += (std::abs(transit - *last_transit_) - jitter_) / 16.0;
  last_transit_ = transit;

  if (released_.count(seq) || packets_.count(seq)) {
    ++counters_.duplicate;
    return true;
  }
  if (seq < *next_seq_ && released_.empty()) {
    // Nothing has left yet: an earlier packet overtaken at the very start.
    next_seq_ = seq;
    base_seq_ = std::min(*base_seq_, seq);
  }
  if (oversized_ts_ && ts == *oversized_ts_) {
    // The rest of an access unit too large for the buffer: it went whole.
    ++counters_.dropped_overflow;
    return !writer_blocked_;
  }
  if (seq < *next_seq_ || released_ts_.count(ts)) {
    // Its access unit has already left: too late to be of use.
    ++counters_.late;
    return true;
  }
  if (seq < highest_seq_) ++counters_.reordered;
  // The decode thread only needs waking when an access unit may have become
  // complete (its marker, or a packet filling a gap), a new one begins (the
  // buffered span grows; the front now has later data), or the buffer was
  // empty. Waking it for every packet cost a context switch per packet.
  const bool wake = packet.marker || seq < highest_seq_ || packets_.empty() ||
                    ts_counts_.find(ts) == ts_counts_.end();
  if (config_.track_gaps) {
    if (asked_.erase(seq)) ++counters_.recovered;
    // A jump past the highest: what lies between is missing (a burst beyond
    // a few hundred packets is not worth asking for).
    if (highest_seq_ >= 0 && seq > highest_seq_ + 1 && seq - highest_seq_ <= 256) {
      for (int64_t m = highest_seq_ + 1; m < seq; ++m) {
        new_gaps_.push_back(static_cast<uint16_t>(m));
        asked_.insert(m);
      }
    }
    while (asked_.size() > kMaxTrackedGaps) asked_.erase(asked_.begin());
    if (new_gaps_.size() > kMaxTrackedGaps)
      new_gaps_.erase(new_gaps_.begin(),
                      new_gaps_.begin() + static_cast<long>(new_gaps_.size() - kMaxTrackedGaps));
  }
  highest_seq_ = std::max(highest_seq_, seq);

  if (lone_open_unit_at_bound(packet.payload.size())) {
    // One access unit fills the buffer on its own and is still open (no
    // marker, nothing after it), so the decoder cannot take it: kept, it
    // would grow past the bound, or hold the buffer full and the source
    // stopped forever. It cannot be held: it goes whole.
    discard_front(true);
    changed_.notify_all();
    if (ts == *oversized_ts_) {
      ++counters_.dropped_overflow;
      return !writer_blocked_;
    }
  }
  if (!make_room(ts, packet.payload.size())) {
    ++counters_.dropped_overflow;
    changed_.notify_all();
    return !writer_blocked_;
  }
  Held held;
  held.ts = ts;
  held.marker = packet.marker;
  held.payload = std::move(packet.payload);
  held.send_time_us = packet.send_time_us;
  held.bytes = held.payload.size();
  held.arrival = packet.arrival;
  bytes_ += held.bytes;
  ++ts_counts_[ts];
  packets_.emplace(seq, std::move(held));
  const uint64_t dropped_before = counters_.dropped_overflow;
  if (config_.policy == OverflowPolicy::drop_old) {
    while (over_capacity() && !packets_.empty()) {
      // The oldest access unit makes way. When one access unit is all that
      // is left and it still has more bytes than the buffer, it cannot be
      // kept at all; alone, it spans one frame interval, so time is no
      // reason.
      if (has_later_data()) {
        discard_front();
      } else if (bytes_over_capacity()) {
        discard_front(true);
      } else {
        break;
      }
    }
  }
  counters_.peak_bytes = std::max<uint64_t>(counters_.peak_bytes, bytes_);
  counters_.peak_ms =
      std::max(counters_.peak_ms, std::chrono::duration<double, std::milli>(buffered()).count());
  if (wake || full() || counters_.dropped_overflow != dropped_before) changed_.notify_all();
  if (config_.policy == OverflowPolicy::block) writer_blocked_ = full();
  // grow only holds the source back once it cannot grow any more.
  if (config_.policy == OverflowPolicy::grow)
    writer_blocked_ = full() && capacity_bytes_ >= grow_max_bytes_;
  return !writer_blocked_;
}

bool ReceiveBuffer::over_capacity() const {
  return buffered() > capacity_ || bytes_over_capacity();
}

bool ReceiveBuffer::bytes_over_capacity() const {
  return static_cast<int64_t>(bytes_) > capacity_bytes_ || packets_.size() > packet_bound();
}

bool ReceiveBuffer::lone_open_unit_at_bound(size_t bytes) const {
  if (packets_.empty() || has_later_data()) return false;
  // grow makes room by growing, until --grow-max.
  const int64_t limit = config_.policy == OverflowPolicy::grow ? grow_max_bytes_ : capacity_bytes_;
  const bool at_bound =
      static_cast<int64_t>(bytes_ + bytes) > limit || packets_.size() + 1 > packet_bound();
  // front_playable() walks the unit's packets: only at the bound.
  return at_bound && !front_playable();
}

bool ReceiveBuffer::would_overflow(int64_t ts, size_t bytes) const {
  if (static_cast<int64_t>(bytes_ + bytes) > capacity_bytes_) return true;
  if (packets_.size() + 1 > packet_bound()) return true;
  if (ts_counts_.empty()) return false;
  // A packet of a frame already held adds bytes, not media time.
  const int64_t lo = std::min(ts, ts_counts_.begin()->first);
  const int64_t hi = std::max(ts, ts_counts_.rbegin()->first);
  return std::chrono::microseconds((hi - lo + frame_interval_90k_) * 1000 / 90) > capacity_;
}

// A packet of `bytes` with timestamp `ts` arrives: returns true when it may
// go in (making room as the policy says), false to discard it.
bool ReceiveBuffer::make_room(int64_t ts, size_t bytes) {
  // The hard bound, whatever the policy: past it a packet is never kept.
  const auto fits_bound = [&] {
    return bytes_ + bytes <= byte_bound() && packets_.size() + 1 <= packet_bound();
  };
  switch (config_.policy) {
    case OverflowPolicy::block:
      // The source was told to stop; what it had already read still goes in
      // (over TCP those bytes are acknowledged and cannot be refused), up to
      // the slack of one read.
      return fits_bound();
    case OverflowPolicy::drop_new:
      return !would_overflow(ts, bytes);
    case OverflowPolicy::drop_old:
      return true;  // the oldest make way once this one is in
    case OverflowPolicy::grow:
      if (would_overflow(ts, bytes)) {
        const int64_t grown = std::min(grow_max_bytes_, capacity_bytes_ + capacity_bytes_ / 2);
        if (grown > capacity_bytes_) {
          capacity_bytes_ = grown;
          capacity_ = capacity_ + capacity_ / 2;
          ++counters_.grow_events;
        }
      }
      // At --grow-max the buffer blocks like block, and --grow-max is a
      // hard bound: what the source had already read beyond it is dropped.
      return fits_bound();
  }
  return true;
}

void ReceiveBuffer::discard_front(bool oversized) {
  const int64_t ts = packets_.begin()->second.ts;
  if (oversized) oversized_ts_ = ts;
  auto it = packets_.begin();
  int64_t last = it->first;
  while (it != packets_.end() && it->second.ts == ts) {
    last = it->first;
    bytes_ -= it->second.bytes;
    if (--ts_counts_[ts] == 0) ts_counts_.erase(ts);
    remember_released(it->first);
    ++counters_.dropped_overflow;
    it = packets_.erase(it);
  }
  next_seq_ = last + 1;
  remember_released_ts(ts);
  discontinuity_ = true;
}

void ReceiveBuffer::end() {
  std::lock_guard lock(mutex_);
  end_of_stream_ = true;
  changed_.notify_all();
}

bool ReceiveBuffer::has_later_data() const {
  // Each access unit has its own timestamp: packets of more than one
  // timestamp held means a later access unit is here (also when a hostile
  // sender interleaves timestamps).
  return ts_counts_.size() > 1;
}

std::chrono::microseconds ReceiveBuffer::buffered() const {
  if (ts_counts_.empty()) return std::chrono::microseconds(0);
  int64_t span = ts_counts_.rbegin()->first - ts_counts_.begin()->first + frame_interval_90k_;
  return std::chrono::microseconds(span * 1000 / 90);
}

std::chrono::microseconds ReceiveBuffer::held_for(SteadyTime now) const {
  if (packets_.empty()) return std::chrono::microseconds(0);
  const Held& front = packets_.begin()->second;
  std::vector<int64_t> ahead_us;  // per access unit, from its first packet held
  int64_t last_ts = front.ts - 1;
  for (const auto& [seq, h] : packets_) {
    if (h.ts == last_ts) continue;
    last_ts = h.ts;
    const int64_t presented_us = (h.ts - front.ts) * 1000 / 90;
    const int64_t arrived_us =
        std::chrono::duration_cast<std::chrono::microseconds>(h.arrival - front.arrival).count();
    ahead_us.push_back(presented_us - arrived_us);
  }
  const size_t rank = (ahead_us.size() + 1) / 2 - 1;  // nearest rank, p50
  std::nth_element(ahead_us.begin(), ahead_us.begin() + static_cast<long>(rank), ahead_us.end());
  const auto waited = std::chrono::duration_cast<std::chrono::microseconds>(now - front.arrival);
  return std::max(std::chrono::microseconds(0), waited + std::chrono::microseconds(ahead_us[rank]));
}

bool ReceiveBuffer::playable() const {
  if (packets_.empty()) return false;
  if (has_later_data()) return true;
  return front_playable();
}

bool ReceiveBuffer::front_playable() const {
  if (packets_.empty()) return false;
  if (packets_.begin()->first != *next_seq_) return false;
  int64_t expect = *next_seq_;
  const int64_t ts = packets_.begin()->second.ts;
  for (auto it = packets_.begin(); it != packets_.end() && it->first == expect; ++it, ++expect) {
    if (it->second.ts != ts) return false;
    if (it->second.marker) return true;
  }
  return false;
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_complete_locked() {
  if (packets_.empty() || packets_.begin()->first != *next_seq_) return std::nullopt;
  const int64_t ts = packets_.begin()->second.ts;
  int64_t expect = *next_seq_;
  for (auto it = packets_.begin(); it != packets_.end() && it->first == expect; ++it, ++expect) {
    if (it->second.ts != ts) return std::nullopt;  // the next frame began without a marker
    if (it->second.marker) return take_front();
  }
  return std::nullopt;
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_incomplete_locked() {
  if (!has_later_data()) return std::nullopt;
  return take_front();
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_incomplete_at_end_locked() {
  if (packets_.empty()) return std::nullopt;
  return take_front();
}

AccessUnitPayloads ReceiveBuffer::take_front() {
  AccessUnitPayloads au;
  const int64_t ts = packets_.begin()->second.ts;
  au.timestamp = ts;
  au.complete = !discontinuity_;
  discontinuity_ = false;
  int64_t expect = *next_seq_;
  bool ended_with_marker = false;
  auto it = packets_.begin();
  while (it != packets_.end() && it->second.ts == ts) {
    Held& h = it->second;
    const bool gap = it->first != expect;
    if (gap) au.complete = false;
    if (au.payloads.empty()) au.send_time_us = h.send_time_us;
    au.bytes += h.bytes;
    au.gap_before.push_back(gap);
    au.payloads.push_back(std::move(h.payload));
    bytes_ -= h.bytes;
    if (--ts_counts_[ts] == 0) ts_counts_.erase(ts);
    expect = it->first + 1;
    remember_released(it->first);
    ended_with_marker = h.marker;
    it = packets_.erase(it);
    if (ended_with_marker) break;
  }
  if (!ended_with_marker) au.complete = false;
  next_seq_ = expect;
  remember_released_ts(ts);
  note_interval(ts);
  after_take();
  return au;
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_complete() {
  std::lock_guard lock(mutex_);
  return take_complete_locked();
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_incomplete() {
  std::lock_guard lock(mutex_);
  return take_incomplete_locked();
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_incomplete_at_end() {
  std::lock_guard lock(mutex_);
  return take_incomplete_at_end_locked();
}

BufferState ReceiveBuffer::state_for_policy(const PlayoutPolicy& policy, SteadyTime now) const {
  BufferState b;
  b.empty = packets_.empty();
  b.end_of_stream = end_of_stream_;
  b.full = full();
  b.front_complete = front_playable();
  b.has_later_data = has_later_data();
  if (!packets_.empty()) b.front_timestamp = packets_.begin()->second.ts;
  b.buffered = buffered();
  // held_for walks every packet held: only startup reads it.
  if (policy.measures_startup()) b.held_for = held_for(now);
  return b;
}

std::optional<AccessUnitPayloads> ReceiveBuffer::wait_next(const PlayoutPolicy& policy,
                                                           const std::atomic<bool>& stop) {
  using Action = PlayoutDecision::Action;
  std::unique_lock lock(mutex_);
  while (!stop) {
    const auto now = std::chrono::steady_clock::now();
    const PlayoutDecision d = policy.decide(state_for_policy(policy, now), now);
    switch (d.action) {
      case Action::take_complete:
        return take_complete_locked();
      case Action::take_incomplete:
        return take_incomplete_locked();
      case Action::take_at_end:
        return take_incomplete_at_end_locked();
      case Action::finished:
        return std::nullopt;
      case Action::wait:
        break;
    }
    // A write that may let an access unit go, the end, a discard or wake()
    // notify; the policy's own deadline bounds the wait.
    if (d.wake_at)
      changed_.wait_until(lock, *d.wake_at);
    else
      changed_.wait(lock);
  }
  return std::nullopt;
}

ReceiveBuffer::PlayoutView ReceiveBuffer::playout_view() const {
  std::lock_guard lock(mutex_);
  return {playable(), end_of_stream_};
}

std::chrono::microseconds ReceiveBuffer::startup_held(SteadyTime now) const {
  std::lock_guard lock(mutex_);
  return held_for(now);
}

void ReceiveBuffer::wake() {
  std::lock_guard lock(mutex_);
  changed_.notify_all();
}

ReceiveBuffer::Snapshot ReceiveBuffer::snapshot() const {
  std::lock_guard lock(mutex_);
  Snapshot s;
  s.empty = packets_.empty();
  s.playable = playable();
  s.front_complete = front_playable();
  s.has_later_data = has_later_data();
  s.end_of_stream = end_of_stream_;
  s.full = full();
  if (!packets_.empty()) s.front_timestamp = packets_.begin()->second.ts;
  s.buffered = buffered();
  s.bytes = bytes_;
  s.held_packets = packets_.size();
  s.capacity = capacity_;
  s.capacity_bytes = capacity_bytes_;
  s.byte_bound = byte_bound();
  s.packet_bound = packet_bound();
  s.frame_interval_90k = frame_interval_90k_;
  s.counters = counters_;
  s.cumulative_lost = cumulative_lost();
  s.extended_highest_sequence = highest_seq_;
  s.jitter = static_cast<uint32_t>(jitter_);
  return s;
}

void ReceiveBuffer::after_take() {
  if (writer_blocked_ && !full()) {
    writer_blocked_ = false;
    // The source resumes on its own thread; the callback only posts to it.
    emit_drain();
  }
}

void ReceiveBuffer::remember_released_ts(int64_t ts) {
  if (!released_ts_.insert(ts).second) return;
  released_ts_order_.push_back(ts);
  if (released_ts_order_.size() > 256) {
    released_ts_.erase(released_ts_order_.front());
    released_ts_order_.pop_front();
  }
}

void ReceiveBuffer::remember_released(int64_t seq) {
  released_.insert(seq);
  released_order_.push_back(seq);
  if (released_order_.size() > 4096) {
    released_.erase(released_order_.front());
    released_order_.pop_front();
  }
}

void ReceiveBuffer::note_interval(int64_t ts) {
  if (last_released_ts_ && ts != *last_released_ts_) {
    recent_intervals_.push_back(std::abs(ts - *last_released_ts_));
    if (recent_intervals_.size() > 32) recent_intervals_.pop_front();
    // With B-frames the decode-order steps vary; the smallest is one frame.
    frame_interval_90k_ = *std::min_element(recent_intervals_.begin(), recent_intervals_.end());
  }
  last_released_ts_ = ts;
}

std::vector<uint16_t> ReceiveBuffer::take_new_gaps() {
  std::lock_guard lock(mutex_);
  std::vector<uint16_t> out;
  out.swap(new_gaps_);
  return out;
}

int64_t ReceiveBuffer::cumulative_lost() const {
  if (!base_seq_) return 0;
  const int64_t expected = highest_seq_ - *base_seq_ + 1;
  return expected - static_cast<int64_t>(counters_.received - counters_.duplicate);
}

}  // namespace flowcast::client
