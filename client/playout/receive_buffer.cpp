#include "client/playout/receive_buffer.hpp"

#include <algorithm>
#include <cmath>

namespace flowcast::client {

namespace {
static_assert(TimestampTimeline::kMaxLead90k == ReceiveBuffer::kMaxTimestampLead.count() * 90'000);
}  // namespace

ReceiveBuffer::ReceiveBuffer(ReceiveBufferConfig config, std::function<void()> drained)
    : drained_(std::move(drained)),
      config_(config),
      capacity_(config.capacity, config.capacity_bytes, config.follow_rate, config.policy,
                config.grow_max_bytes) {}

HeldPackets::PerTimestamp ReceiveBuffer::front_allowance() const {
  if (held_.empty()) return {};
  const HeldPackets::PerTimestamp& front = held_.at_timestamp(held_.front_ts());
  if (static_cast<int64_t>(front.bytes) < capacity_.bytes() &&
      front.packets < capacity_.base_packet_bound())
    return {};
  return {std::min(front.packets, media::kMaxAccessUnitPackets),
          std::min(front.bytes, media::kMaxAccessUnitBytes)};
}

size_t ReceiveBuffer::counted_bytes() const {
  return held_.bytes() - front_allowance().bytes;
}

size_t ReceiveBuffer::counted_packets() const {
  return held_.packets() - front_allowance().packets;
}

bool ReceiveBuffer::full() const {
  // One access unit alone is never full by time (see the class comment).
  return (held_.has_later_data() && buffered() >= capacity_.time()) ||
         static_cast<int64_t>(counted_bytes()) >= capacity_.bytes() ||
         counted_packets() >= capacity_.base_packet_bound();
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

bool ReceiveBuffer::insert_filler(int64_t seq) {
  if (!next_seq_) next_seq_ = seq;
  if (seq < *next_seq_ || released_.contains(seq) || held_.holds(seq) || held_.has_filler(seq))
    return !writer_blocked_;
  held_.add_filler(seq);
  highest_seq_ = std::max(highest_seq_, seq);
  // It may close the access unit before it.
  changed_.notify_all();
  return !writer_blocked_;
}

bool ReceiveBuffer::insert_locked(int64_t seq, ReceivedPacket packet) {
  if (packet.filler) return insert_filler(seq);
  // Out of sequence order, a packet may lie behind the newest by the lead
  // plus the capacity.
  const std::optional<int64_t> mapped =
      timeline_.map(seq, packet.timestamp, packet.arrival, seq <= highest_seq_, frame_interval_90k_,
                    capacity_.time().count() * 9 / 100);
  if (!mapped) {
    // Out of order with a timestamp nothing held is near: a stray.
    ++counters_.late;
    return !writer_blocked_;
  }
  const int64_t ts = *mapped;
  ledger_.seen(ts);
  if (!next_seq_) next_seq_ = seq;
  // A number held or recently released: the statistics count the duplicate.
  if (released_.contains(seq) || held_.holds(seq)) return true;
  // A filler took this number first: it was a stray, this is the stream.
  held_.erase_filler(seq);
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
  capacity_.measure(ts, packet.payload.size());
  // A packet of the access unit that just left at its marker, right after
  // it (parameter sets sent after the marker, or a marker on every NAL
  // unit): the sender's markers do not end access units. It is kept, as an
  // access unit of its own, rather than counted late.
  const bool trailing =
      last_take_had_marker_ && last_released_ts_ && ts == *last_released_ts_ && seq >= *next_seq_;
  if (trailing) marker_trusted_ = false;
  if (seq < *next_seq_ || (released_ts_.contains(ts) && !trailing)) {
    // Its access unit has already left: too late to be of use. A
    // retransmission that came too late still times the round trip, which
    // is what the playout delay needs to learn so the next one is not.
    if (config_.track_gaps) track_gap(seq, packet.arrival);
    ++counters_.late;
    return true;
  }
  judge_markers(seq, ts, packet.marker);
  // The decode thread only needs waking when an access unit may have become
  // complete (its marker, or a packet filling a gap), a new one begins (the
  // buffered span grows; the front now has later data and is closed), or
  // the buffer was empty. Waking it for every packet cost a context switch
  // per packet.
  const bool wake =
      packet.marker || seq < highest_seq_ || held_.empty() || !held_.holds_timestamp(ts);
  if (config_.track_gaps && track_gap(seq, packet.arrival)) {
    ++counters_.recovered;
    recovered_ts_.insert(ts);
    if (recovered_ts_.size() > kMaxRecoveredUnits) recovered_ts_.erase(recovered_ts_.begin());
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
  HeldPackets::Packet held;
  held.ts = ts;
  held.marker = packet.marker;
  held.payload = std::move(packet.payload);
  held.send_time_us = packet.send_time_us;
  held.bytes = held.payload.size();
  held.arrival = packet.arrival;
  held_.hold(seq, std::move(held));
  const uint64_t dropped_before = counters_.dropped_overflow;
  if (config_.policy == OverflowPolicy::drop_old) evict_oldest();
  counters_.peak_bytes = std::max<uint64_t>(counters_.peak_bytes, held_.bytes());
  counters_.peak_ms =
      std::max(counters_.peak_ms, std::chrono::duration<double, std::milli>(buffered()).count());
  if (wake || full() || counters_.dropped_overflow != dropped_before) changed_.notify_all();
  if (config_.policy == OverflowPolicy::block) writer_blocked_ = full();
  // grow only holds the source back once it cannot grow any more.
  if (config_.policy == OverflowPolicy::grow) writer_blocked_ = full() && capacity_.at_grow_max();
  return !writer_blocked_;
}

void ReceiveBuffer::judge_markers(int64_t seq, int64_t ts, bool marker) {
  if (marker) markers_seen_ = true;
  if (!marker_trusted_) return;
  // A packet of the same timestamp next to a marker: markers come inside
  // access units, so only the timestamp ends them.
  const HeldPackets::Packet* before = held_.find(seq - 1);
  const HeldPackets::Packet* after = held_.find(seq + 1);
  if ((before && before->marker && before->ts == ts) || (marker && after && after->ts == ts))
    marker_trusted_ = false;
}

void ReceiveBuffer::evict_oldest() {
  while (over_capacity() && !held_.empty()) {
    // The oldest access unit makes way. When one access unit is all that
    // is left and it still has more bytes than the buffer, it cannot be
    // kept at all; alone, it spans one frame interval, so time is no
    // reason.
    if (held_.has_later_data()) {
      discard_front();
    } else if (bytes_over_capacity()) {
      discard_front(true);
    } else {
      break;
    }
  }
}

bool ReceiveBuffer::over_capacity() const {
  return buffered() > capacity_.time() || bytes_over_capacity();
}

bool ReceiveBuffer::bytes_over_capacity() const {
  return static_cast<int64_t>(counted_bytes()) > capacity_.bytes() ||
         counted_packets() > capacity_.base_packet_bound();
}

bool ReceiveBuffer::lone_open_unit_at_bound(size_t bytes) const {
  if (held_.empty() || held_.has_later_data()) return false;
  const bool at_bound = held_.bytes() + bytes > media::kMaxAccessUnitBytes ||
                        held_.packets() + 1 > media::kMaxAccessUnitPackets;
  // front_run() walks the unit's packets: only at the bound.
  return at_bound && !front_run().closed;
}

std::optional<bool> ReceiveBuffer::joins_large_front(int64_t ts, size_t bytes) const {
  if (held_.empty() || ts != held_.front_ts()) return std::nullopt;
  const HeldPackets::PerTimestamp& front = held_.at_timestamp(ts);
  if (static_cast<int64_t>(front.bytes + bytes) < capacity_.bytes() &&
      front.packets + 1 < capacity_.base_packet_bound())
    return std::nullopt;
  return front.bytes + bytes <= media::kMaxAccessUnitBytes &&
         front.packets + 1 <= media::kMaxAccessUnitPackets;
}

bool ReceiveBuffer::would_overflow(int64_t ts, size_t bytes) const {
  // The oldest access unit may pass the capacity on its own (it adds no
  // media time), up to the limits of one access unit.
  if (auto fits = joins_large_front(ts, bytes)) return !*fits;
  if (static_cast<int64_t>(counted_bytes() + bytes) > capacity_.bytes()) return true;
  if (counted_packets() + 1 > capacity_.base_packet_bound()) return true;
  // A packet of a frame already held adds bytes, not media time.
  if (held_.empty() || held_.holds_timestamp(ts)) return false;
  const int64_t lo = std::min(ts, held_.oldest_ts());
  const int64_t hi = std::max(ts, held_.newest_ts());
  return std::chrono::microseconds((hi - lo + frame_interval_90k_) * 1000 / 90) > capacity_.time();
}

bool ReceiveBuffer::make_room(int64_t ts, size_t bytes) {
  // The hard bound, whatever the policy: past it a packet is never kept.
  const auto fits_bound = [&] {
    if (auto fits = joins_large_front(ts, bytes)) return *fits;
    return counted_bytes() + bytes <= capacity_.base_byte_bound() &&
           counted_packets() + 1 <= capacity_.base_packet_bound();
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
      if (would_overflow(ts, bytes) && capacity_.grow()) ++counters_.grow_events;
      // At --grow-max the buffer blocks like block, and --grow-max is a
      // hard bound: what the source had already read beyond it is dropped.
      return fits_bound();
  }
  return true;
}

void ReceiveBuffer::discard_front(bool oversized) {
  const int64_t ts = held_.front_ts();
  if (oversized) oversized_ts_ = ts;
  const HeldPackets::Released gone = held_.discard_front(released_);
  // Too large to be played, it is no part of the stream's rate.
  if (oversized) capacity_.unmeasure(gone.bytes);
  counters_.dropped_overflow += gone.packets;
  next_seq_ = gone.next_seq;
  last_take_had_marker_ = false;
  released_ts_.insert(ts);
  ledger_.dropped(ts);
  discontinuity_ = true;
}

void ReceiveBuffer::end() {
  std::lock_guard lock(mutex_);
  end_of_stream_ = true;
  changed_.notify_all();
}

std::chrono::microseconds ReceiveBuffer::buffered() const {
  return held_.buffered(frame_interval_90k_);
}

bool ReceiveBuffer::playable() const {
  if (held_.empty()) return false;
  if (held_.has_later_data()) return true;
  return front_run().closed;
}

ReceiveBuffer::FrontRun ReceiveBuffer::front_run() const {
  if (held_.empty()) return held_.front_run(0, marker_trusted_);
  return held_.front_run(*next_seq_, marker_trusted_);
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_complete_locked() {
  const FrontRun run = front_run();
  if (!run.closed) return std::nullopt;
  return take_front(run);
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_incomplete_locked() {
  if (!held_.has_later_data()) return std::nullopt;
  return take_front(front_run());
}

std::optional<AccessUnitPayloads> ReceiveBuffer::take_incomplete_at_end_locked() {
  if (held_.empty()) return std::nullopt;
  return take_front(front_run());
}

AccessUnitPayloads ReceiveBuffer::take_front(const FrontRun& run) {
  AccessUnitPayloads au;
  au.complete = !discontinuity_;
  au.nack_round_trip = nack_round_trip_;
  au.retransmitted = recovered_ts_.erase(au.timestamp) > 0;
  discontinuity_ = false;
  const HeldPackets::Released taken = held_.take_front(run, *next_seq_, au, released_);
  // Whole when ended by its marker or the next access unit; at the end of
  // the stream also when ended by the last packet, where a sender that sets
  // markers set one, or one that never does sent it.
  const bool ended =
      run.closed || (end_of_stream_ && held_.empty() && (taken.last_marker || !markers_seen_));
  if (!ended) au.complete = false;
  next_seq_ = taken.next_seq;
  last_take_had_marker_ = taken.last_marker;
  released_ts_.insert(au.timestamp);
  ledger_.released(au.timestamp);
  note_interval(au.timestamp);
  after_take();
  return au;
}

BufferState ReceiveBuffer::state_for_policy(const PlayoutPolicy& policy, SteadyTime now) const {
  BufferState b;
  b.empty = held_.empty();
  b.end_of_stream = end_of_stream_;
  b.full = full();
  b.front_complete = front_run().closed;
  b.has_later_data = held_.has_later_data();
  if (!held_.empty()) b.front_timestamp = held_.front_ts();
  b.buffered = buffered();
  // held_for walks every packet held: only startup reads it.
  if (policy.measures_startup()) b.held_for = held_.held_for(now);
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
  return {playable(), end_of_stream_, full()};
}

std::chrono::microseconds ReceiveBuffer::startup_held(SteadyTime now) const {
  std::lock_guard lock(mutex_);
  return held_.held_for(now);
}

void ReceiveBuffer::wake() {
  std::lock_guard lock(mutex_);
  changed_.notify_all();
}

ReceiveBuffer::Snapshot ReceiveBuffer::snapshot() const {
  std::lock_guard lock(mutex_);
  Snapshot s;
  s.empty = held_.empty();
  s.playable = playable();
  s.front_complete = front_run().closed;
  s.has_later_data = held_.has_later_data();
  s.end_of_stream = end_of_stream_;
  s.full = full();
  if (!held_.empty()) s.front_timestamp = held_.front_ts();
  s.buffered = buffered();
  s.bytes = held_.bytes();
  s.held_packets = held_.packets();
  s.pictures = ledger_.tally();
  s.capacity = capacity_.time();
  s.capacity_bytes = capacity_.bytes();
  s.rate_bytes_per_s = capacity_.rate();
  s.byte_bound = capacity_.byte_bound();
  s.packet_bound = capacity_.packet_bound();
  s.frame_interval_90k = frame_interval_90k_;
  s.counters = counters_;
  s.counters.timestamp_jumps = timeline_.jumps();
  return s;
}

void ReceiveBuffer::after_take() {
  // Fillers behind the next access unit are passed.
  held_.pass_fillers(*next_seq_);
  if (writer_blocked_ && !full()) {
    writer_blocked_ = false;
    // The source resumes on its own thread; the callback only posts to it.
    if (drained_) drained_();
  }
}

void ReceiveBuffer::note_interval(int64_t ts) {
  if (last_released_ts_ && ts != *last_released_ts_) {
    recent_intervals_.push(std::min(std::abs(ts - *last_released_ts_), kMaxFrameInterval90k));
    // With B-frames the decode-order steps vary; the smallest is one frame.
    frame_interval_90k_ = *std::min_element(recent_intervals_.begin(), recent_intervals_.end());
  }
  last_released_ts_ = ts;
}

bool ReceiveBuffer::track_gap(int64_t seq, SteadyTime arrival) {
  const GapTracker::Arrival gap = gaps_.on_packet(seq, highest_seq_, arrival);
  // Smoothed as TCP smooths its round trip (RFC 6298 §2.3, alpha 1/8).
  if (gap.round_trip)
    nack_round_trip_ = nack_round_trip_
                           ? *nack_round_trip_ + (*gap.round_trip - *nack_round_trip_) / 8
                           : *gap.round_trip;
  return gap.recovered;
}

std::vector<uint16_t> ReceiveBuffer::take_new_gaps(SteadyTime now) {
  std::lock_guard lock(mutex_);
  return gaps_.take_new(now);
}

}  // namespace flowcast::client
