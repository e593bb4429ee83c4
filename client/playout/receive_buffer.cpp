#include "client/playout/receive_buffer.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

namespace flowcast::client {

namespace {
constexpr int64_t kBytesPerSecondOfCapacity = 1 << 20;
static_assert(TimestampTimeline::kMaxLead90k == ReceiveBuffer::kMaxTimestampLead.count() * 90'000);
}  // namespace

ReceiveBuffer::ReceiveBuffer(ReceiveBufferConfig config, std::function<void()> drained)
    : drained_(std::move(drained)), config_(config), capacity_(config.capacity) {
  const double seconds = std::chrono::duration<double>(config.capacity).count();
  capacity_bytes_ =
      config.capacity_bytes > 0
          ? config.capacity_bytes
          : std::max<int64_t>(64 * 1024, static_cast<int64_t>(seconds * kBytesPerSecondOfCapacity));
  grow_max_bytes_ = config.grow_max_bytes > 0 ? config.grow_max_bytes : 4 * capacity_bytes_;
  if (config.policy == OverflowPolicy::grow)
    capacity_bytes_ = std::min(capacity_bytes_, grow_max_bytes_);
  followed_ceiling_bytes_ = std::max(kMaxFollowedCapacityBytes, capacity_bytes_);
  if (config.policy == OverflowPolicy::grow)
    followed_ceiling_bytes_ = std::min(followed_ceiling_bytes_, grow_max_bytes_);
}

void ReceiveBuffer::measure_rate(int64_t ts, size_t bytes) {
  if (!config_.follow_rate) return;
  rate_from_ts_ = std::min(rate_from_ts_.value_or(ts), ts);
  rate_to_ts_ = std::max(rate_to_ts_.value_or(ts), ts);
  rate_bytes_ += bytes;
  const int64_t span = *rate_to_ts_ - *rate_from_ts_;
  if (span < kRateWindow90k) return;
  // The window holds the pictures at both ends: a frame more than its span,
  // so the rate errs high, as a bound should.
  peak_rate_ =
      std::max(peak_rate_, static_cast<double>(rate_bytes_) * 90000.0 / static_cast<double>(span));
  rate_from_ts_.reset();
  rate_to_ts_.reset();
  rate_bytes_ = 0;
  const double seconds = std::chrono::duration<double>(capacity_).count();
  const double wanted =
      std::min(peak_rate_ * seconds * kRateHeadroom, static_cast<double>(followed_ceiling_bytes_));
  if (wanted > static_cast<double>(capacity_bytes_)) capacity_bytes_ = static_cast<int64_t>(wanted);
}

size_t ReceiveBuffer::base_byte_bound() const {
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

size_t ReceiveBuffer::base_packet_bound() const {
  return std::max<size_t>(kMinPacketBound, base_byte_bound() / kBytesPerHeldPacket);
}

size_t ReceiveBuffer::byte_bound() const {
  return base_byte_bound() + media::kMaxAccessUnitBytes;
}

size_t ReceiveBuffer::packet_bound() const {
  return base_packet_bound() + media::kMaxAccessUnitPackets;
}

ReceiveBuffer::TimestampHeld ReceiveBuffer::front_allowance() const {
  if (packets_.empty()) return {};
  const TimestampHeld& front = ts_held_.at(packets_.begin()->second.ts);
  if (static_cast<int64_t>(front.bytes) < capacity_bytes_ && front.packets < base_packet_bound())
    return {};
  return {std::min(front.packets, media::kMaxAccessUnitPackets),
          std::min(front.bytes, media::kMaxAccessUnitBytes)};
}

size_t ReceiveBuffer::counted_bytes() const {
  return bytes_ - front_allowance().bytes;
}

size_t ReceiveBuffer::counted_packets() const {
  return packets_.size() - front_allowance().packets;
}

bool ReceiveBuffer::full() const {
  // One access unit alone is never full by time (see the class comment).
  return (has_later_data() && buffered() >= capacity_) ||
         static_cast<int64_t>(counted_bytes()) >= capacity_bytes_ ||
         counted_packets() >= base_packet_bound();
}

int64_t ReceiveBuffer::timeline_of(uint32_t rtp_timestamp) const {
  std::lock_guard lock(mutex_);
  return timeline_.timeline_of(rtp_timestamp);
}

void ReceiveBuffer::restart() {
  std::lock_guard lock(mutex_);
  timeline_.restart();
}

bool ReceiveBuffer::insert(int64_t extended, ReceivedPacket packet) {
  std::lock_guard lock(mutex_);
  return insert_locked(extended, std::move(packet));
}

void ReceiveBuffer::drop_stray() {
  std::lock_guard lock(mutex_);
  ++counters_.late;
}

bool ReceiveBuffer::accepting() const {
  std::lock_guard lock(mutex_);
  return !writer_blocked_;
}

int64_t ReceiveBuffer::skip_fillers(int64_t seq) const {
  while (fillers_.count(seq)) ++seq;
  return seq;
}

bool ReceiveBuffer::insert_filler(int64_t seq) {
  if (!next_seq_) next_seq_ = seq;
  if (seq < *next_seq_ || released_.contains(seq) || packets_.count(seq) || fillers_.count(seq))
    return !writer_blocked_;
  fillers_.insert(seq);
  while (fillers_.size() > kMaxTrackedFillers) fillers_.erase(fillers_.begin());
  highest_seq_ = std::max(highest_seq_, seq);
  // It may close the access unit before it.
  changed_.notify_all();
  return !writer_blocked_;
}

void ReceiveBuffer::hold_bytes(int64_t ts, size_t bytes) {
  bytes_ += bytes;
  TimestampHeld& t = ts_held_[ts];
  ++t.packets;
  t.bytes += bytes;
}

void ReceiveBuffer::release_bytes(int64_t ts, size_t bytes) {
  bytes_ -= bytes;
  auto it = ts_held_.find(ts);
  it->second.bytes -= bytes;
  if (--it->second.packets == 0) ts_held_.erase(it);
}

bool ReceiveBuffer::insert_locked(int64_t seq, ReceivedPacket packet) {
  if (packet.filler) return insert_filler(seq);
  // Out of sequence order, a packet may lie behind the newest by the lead
  // plus the capacity.
  const std::optional<int64_t> mapped =
      timeline_.map(seq, packet.timestamp, packet.arrival, seq <= highest_seq_, frame_interval_90k_,
                    capacity_.count() * 9 / 100);
  if (!mapped) {
    // Out of order with a timestamp nothing held is near: a stray.
    ++counters_.late;
    return !writer_blocked_;
  }
  const int64_t ts = *mapped;
  ledger_.seen(ts);
  if (!next_seq_) next_seq_ = seq;
  // A number held or recently released: the statistics count the duplicate.
  if (released_.contains(seq) || packets_.count(seq)) return true;
  // A filler took this number first: it was a stray, this is the stream.
  fillers_.erase(seq);
  if (seq < *next_seq_ && released_.empty()) {
    // Nothing has left yet: an earlier packet overtaken at the very start.
    next_seq_ = seq;
  }
  if (oversized_ts_ && ts == *oversized_ts_) {
    // The rest of an access unit too large for the buffer: it went whole.
    ++counters_.dropped_overflow;
    ledger_.dropped(ts);
    return !writer_blocked_;
  }
  measure_rate(ts, packet.payload.size());
  // A packet of the access unit that just left at its marker, right after
  // it (parameter sets sent after the marker, or a marker on every NAL
  // unit): the sender's markers do not end access units. It is kept, as an
  // access unit of its own, rather than counted late.
  const bool trailing =
      last_take_had_marker_ && last_released_ts_ && ts == *last_released_ts_ && seq >= *next_seq_;
  if (trailing) marker_trusted_ = false;
  if (seq < *next_seq_ || (released_ts_.contains(ts) && !trailing)) {
    // Its access unit has already left: too late to be of use.
    ++counters_.late;
    return true;
  }
  if (packet.marker) markers_seen_ = true;
  if (marker_trusted_) {
    // A packet of the same timestamp next to a marker: markers come inside
    // access units, so only the timestamp ends them.
    const auto before = packets_.find(seq - 1);
    const auto after = packets_.find(seq + 1);
    if ((before != packets_.end() && before->second.marker && before->second.ts == ts) ||
        (packet.marker && after != packets_.end() && after->second.ts == ts))
      marker_trusted_ = false;
  }
  // The decode thread only needs waking when an access unit may have become
  // complete (its marker, or a packet filling a gap), a new one begins (the
  // buffered span grows; the front now has later data and is closed), or
  // the buffer was empty. Waking it for every packet cost a context switch
  // per packet.
  const bool wake = packet.marker || seq < highest_seq_ || packets_.empty() ||
                    ts_held_.find(ts) == ts_held_.end();
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
      ledger_.dropped(ts);
      return !writer_blocked_;
    }
  }
  if (!make_room(ts, packet.payload.size())) {
    ++counters_.dropped_overflow;
    ledger_.dropped(ts);
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
  hold_bytes(ts, held.bytes);
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
  return static_cast<int64_t>(counted_bytes()) > capacity_bytes_ ||
         counted_packets() > base_packet_bound();
}

bool ReceiveBuffer::lone_open_unit_at_bound(size_t bytes) const {
  if (packets_.empty() || has_later_data()) return false;
  const bool at_bound = bytes_ + bytes > media::kMaxAccessUnitBytes ||
                        packets_.size() + 1 > media::kMaxAccessUnitPackets;
  // front_run() walks the unit's packets: only at the bound.
  return at_bound && !front_run().closed;
}

std::optional<bool> ReceiveBuffer::joins_large_front(int64_t ts, size_t bytes) const {
  if (packets_.empty() || ts != packets_.begin()->second.ts) return std::nullopt;
  const TimestampHeld& front = ts_held_.at(ts);
  if (static_cast<int64_t>(front.bytes + bytes) < capacity_bytes_ &&
      front.packets + 1 < base_packet_bound())
    return std::nullopt;
  return front.bytes + bytes <= media::kMaxAccessUnitBytes &&
         front.packets + 1 <= media::kMaxAccessUnitPackets;
}

bool ReceiveBuffer::would_overflow(int64_t ts, size_t bytes) const {
  // The oldest access unit may pass the capacity on its own (it adds no
  // media time), up to the limits of one access unit.
  if (auto fits = joins_large_front(ts, bytes)) return !*fits;
  if (static_cast<int64_t>(counted_bytes() + bytes) > capacity_bytes_) return true;
  if (counted_packets() + 1 > base_packet_bound()) return true;
  // A packet of a frame already held adds bytes, not media time.
  if (ts_held_.empty() || ts_held_.count(ts)) return false;
  const int64_t lo = std::min(ts, ts_held_.begin()->first);
  const int64_t hi = std::max(ts, ts_held_.rbegin()->first);
  return std::chrono::microseconds((hi - lo + frame_interval_90k_) * 1000 / 90) > capacity_;
}

// A packet of `bytes` with timestamp `ts` arrives: returns true when it may
// go in (making room as the policy says), false to discard it.
bool ReceiveBuffer::make_room(int64_t ts, size_t bytes) {
  // The hard bound, whatever the policy: past it a packet is never kept.
  const auto fits_bound = [&] {
    if (auto fits = joins_large_front(ts, bytes)) return *fits;
    return counted_bytes() + bytes <= base_byte_bound() &&
           counted_packets() + 1 <= base_packet_bound();
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
    // Too large to be played, it is no part of the stream's rate.
    if (oversized) rate_bytes_ -= std::min<uint64_t>(rate_bytes_, it->second.bytes);
    release_bytes(ts, it->second.bytes);
    remember_released(it->first);
    ++counters_.dropped_overflow;
    it = packets_.erase(it);
  }
  next_seq_ = last + 1;
  last_take_had_marker_ = false;
  remember_released_ts(ts);
  ledger_.dropped(ts);
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
  return ts_held_.size() > 1;
}

std::chrono::microseconds ReceiveBuffer::buffered() const {
  if (ts_held_.empty()) return std::chrono::microseconds(0);
  int64_t span = ts_held_.rbegin()->first - ts_held_.begin()->first + frame_interval_90k_;
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
  return front_run().closed;
}

ReceiveBuffer::FrontRun ReceiveBuffer::front_run() const {
  FrontRun run;
  run.end = packets_.end();
  if (packets_.empty()) return run;
  auto it = packets_.begin();
  const int64_t ts = it->second.ts;
  int64_t expect = skip_fillers(*next_seq_);
  bool contiguous = true;
  for (; it != packets_.end() && it->second.ts == ts; ++it) {
    contiguous = contiguous && it->first == expect;
    expect = skip_fillers(it->first + 1);
    if (it->second.marker && marker_trusted_) {
      run.end = std::next(it);
      run.marker = true;
      run.closed = contiguous;
      return run;
    }
  }
  // Ended by the next access unit, right after it.
  run.end = it;
  run.closed = contiguous && it != packets_.end() && it->first == expect;
  return run;
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_complete_locked() {
  const FrontRun run = front_run();
  if (!run.closed) return std::nullopt;
  return take_front(run);
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_incomplete_locked() {
  if (!has_later_data()) return std::nullopt;
  return take_front(front_run());
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_incomplete_at_end_locked() {
  if (packets_.empty()) return std::nullopt;
  return take_front(front_run());
}

AccessUnitPayloads ReceiveBuffer::take_front(const FrontRun& run) {
  AccessUnitPayloads au;
  const int64_t ts = packets_.begin()->second.ts;
  au.timestamp = ts;
  au.complete = !discontinuity_;
  discontinuity_ = false;
  int64_t next = *next_seq_;
  bool last_marker = false;
  for (auto it = packets_.begin(); it != run.end;) {
    Held& h = it->second;
    const bool gap = it->first != skip_fillers(next);
    if (gap) au.complete = false;
    if (au.payloads.empty()) au.send_time_us = h.send_time_us;
    au.bytes += h.bytes;
    au.gap_before.push_back(gap);
    au.payloads.push_back(std::move(h.payload));
    release_bytes(ts, h.bytes);
    next = it->first + 1;
    remember_released(it->first);
    last_marker = h.marker;
    it = packets_.erase(it);
  }
  // Whole when ended by its marker or the next access unit; at the end of
  // the stream also when ended by the last packet, where a sender that sets
  // markers set one, or one that never does sent it.
  const bool ended =
      run.closed || (end_of_stream_ && packets_.empty() && (last_marker || !markers_seen_));
  if (!ended) au.complete = false;
  next_seq_ = next;
  last_take_had_marker_ = last_marker;
  remember_released_ts(ts);
  ledger_.released(ts);
  note_interval(ts);
  after_take();
  return au;
}

BufferState ReceiveBuffer::state_for_policy(const PlayoutPolicy& policy, SteadyTime now) const {
  BufferState b;
  b.empty = packets_.empty();
  b.end_of_stream = end_of_stream_;
  b.full = full();
  b.front_complete = front_run().closed;
  b.has_later_data = has_later_data();
  if (!packets_.empty()) b.front_timestamp = packets_.begin()->second.ts;
  b.buffered = buffered();
  // held_for walks every packet held: only startup reads it.
  if (policy.measures_startup()) b.held_for = held_for(now);
  return b;
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_as(PlayoutDecision::Action action) {
  using Action = PlayoutDecision::Action;
  switch (action) {
    case Action::take_complete:
      return take_complete_locked();
    case Action::take_incomplete:
      return take_incomplete_locked();
    case Action::take_at_end:
      return take_incomplete_at_end_locked();
    case Action::finished:
    case Action::wait:
      break;
  }
  return std::nullopt;
}

std::optional<AccessUnitPayloads> ReceiveBuffer::poll_next(const PlayoutPolicy& policy,
                                                           SteadyTime now) {
  std::lock_guard lock(mutex_);
  return take_as(policy.decide(state_for_policy(policy, now), now).action);
}

std::optional<AccessUnitPayloads> ReceiveBuffer::wait_next(const PlayoutPolicy& policy,
                                                           const std::atomic<bool>& stop) {
  using Action = PlayoutDecision::Action;
  std::unique_lock lock(mutex_);
  while (!stop) {
    const auto now = std::chrono::steady_clock::now();
    const PlayoutDecision d = policy.decide(state_for_policy(policy, now), now);
    if (d.action == Action::finished) return std::nullopt;
    if (d.action != Action::wait) return take_as(d.action);
    // A write that may let an access unit go, the end, a discard or wake()
    // notify; the policy's deadline (startup, a gap's release), if any.
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
  s.front_complete = front_run().closed;
  s.has_later_data = has_later_data();
  s.end_of_stream = end_of_stream_;
  s.full = full();
  if (!packets_.empty()) s.front_timestamp = packets_.begin()->second.ts;
  s.buffered = buffered();
  s.bytes = bytes_;
  s.held_packets = packets_.size();
  s.pictures = ledger_.tally();
  s.capacity = capacity_;
  s.capacity_bytes = capacity_bytes_;
  s.rate_bytes_per_s = peak_rate_;
  s.byte_bound = byte_bound();
  s.packet_bound = packet_bound();
  s.frame_interval_90k = frame_interval_90k_;
  s.counters = counters_;
  s.counters.timestamp_jumps = timeline_.jumps();
  return s;
}

void ReceiveBuffer::after_take() {
  // Fillers behind the next access unit are passed.
  fillers_.erase(fillers_.begin(), fillers_.lower_bound(*next_seq_));
  if (writer_blocked_ && !full()) {
    writer_blocked_ = false;
    // The source resumes on its own thread; the callback only posts to it.
    if (drained_) drained_();
  }
}

void ReceiveBuffer::remember_released_ts(int64_t ts) {
  released_ts_.insert(ts);
}

void ReceiveBuffer::remember_released(int64_t seq) {
  released_.insert(seq);
}

void ReceiveBuffer::note_interval(int64_t ts) {
  if (last_released_ts_ && ts != *last_released_ts_) {
    recent_intervals_.push(std::min(std::abs(ts - *last_released_ts_), kMaxFrameInterval90k));
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

}  // namespace flowcast::client
