#include "client/playout/held_packets.hpp"

#include <algorithm>
#include <iterator>

#include "common/util/percentile.hpp"

namespace flowcast::client {

const HeldPackets::Packet* HeldPackets::find(int64_t seq) const {
  const auto it = packets_.find(seq);
  return it == packets_.end() ? nullptr : &it->second;
}

std::chrono::microseconds HeldPackets::buffered(int64_t frame_interval_90k) const {
  if (per_ts_.empty()) return std::chrono::microseconds(0);
  int64_t span = per_ts_.rbegin()->first - per_ts_.begin()->first + frame_interval_90k;
  return std::chrono::microseconds(span * 1000 / 90);
}

std::chrono::microseconds HeldPackets::held_for(SteadyTime now) const {
  if (packets_.empty()) return std::chrono::microseconds(0);
  const Packet& front = packets_.begin()->second;
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
  const int64_t median_ahead_us = common::nearest_rank_unsorted(ahead_us, 0.5);
  const auto waited = std::chrono::duration_cast<std::chrono::microseconds>(now - front.arrival);
  return std::max(std::chrono::microseconds(0),
                  waited + std::chrono::microseconds(median_ahead_us));
}

void HeldPackets::hold(int64_t seq, Packet packet) {
  bytes_ += packet.bytes;
  PerTimestamp& t = per_ts_[packet.ts];
  ++t.packets;
  t.bytes += packet.bytes;
  packets_.emplace(seq, std::move(packet));
}

void HeldPackets::add_filler(int64_t seq) {
  fillers_.insert(seq);
  while (fillers_.size() > kMaxFillers) fillers_.erase(fillers_.begin());
}

void HeldPackets::pass_fillers(int64_t next_seq) {
  fillers_.erase(fillers_.begin(), fillers_.lower_bound(next_seq));
}

int64_t HeldPackets::skip_fillers(int64_t seq) const {
  while (fillers_.count(seq)) ++seq;
  return seq;
}

HeldPackets::FrontRun HeldPackets::front_run(int64_t next_seq, bool marker_trusted) const {
  FrontRun run;
  run.end = packets_.end();
  if (packets_.empty()) return run;
  auto it = packets_.begin();
  const int64_t ts = it->second.ts;
  int64_t expect = skip_fillers(next_seq);
  bool contiguous = true;
  for (; it != packets_.end() && it->second.ts == ts; ++it) {
    contiguous = contiguous && it->first == expect;
    expect = skip_fillers(it->first + 1);
    if (it->second.marker && marker_trusted) {
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

HeldPackets::Map::iterator HeldPackets::release(Map::iterator it, Released& r,
                                                common::RecentSet<int64_t>& released) {
  const Packet& h = it->second;
  bytes_ -= h.bytes;
  auto t = per_ts_.find(h.ts);
  t->second.bytes -= h.bytes;
  if (--t->second.packets == 0) per_ts_.erase(t);
  ++r.packets;
  r.bytes += h.bytes;
  r.next_seq = it->first + 1;
  r.last_marker = h.marker;
  released.insert(it->first);
  return packets_.erase(it);
}

HeldPackets::Released HeldPackets::take_front(const FrontRun& run, int64_t next_seq,
                                              AccessUnitPayloads& unit,
                                              common::RecentSet<int64_t>& released) {
  Released r;
  r.next_seq = next_seq;
  unit.timestamp = packets_.begin()->second.ts;
  for (auto it = packets_.begin(); it != run.end;) {
    Packet& h = it->second;
    const bool gap = it->first != skip_fillers(r.next_seq);
    if (gap) unit.complete = false;
    if (unit.payloads.empty()) {
      unit.send_time_us = h.send_time_us;
      unit.first_arrival = h.arrival;
      unit.last_arrival = h.arrival;
    }
    unit.first_arrival = std::min(unit.first_arrival, h.arrival);
    unit.last_arrival = std::max(unit.last_arrival, h.arrival);
    unit.bytes += h.bytes;
    unit.gap_before.push_back(gap);
    unit.payloads.push_back(std::move(h.payload));
    it = release(it, r, released);
  }
  return r;
}

HeldPackets::Released HeldPackets::discard_front(common::RecentSet<int64_t>& released) {
  Released r;
  const int64_t ts = packets_.begin()->second.ts;
  auto it = packets_.begin();
  while (it != packets_.end() && it->second.ts == ts) it = release(it, r, released);
  return r;
}

}  // namespace flowcast::client
