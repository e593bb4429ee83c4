#include "server/session/pacer.hpp"

#include <algorithm>

namespace flowcast::server {

BurstSchedule Pacer::schedule(size_t packets, int64_t duration_90k) const {
  if (pacing_ != Pacing::smooth || packets <= kMinBurstPackets) return {};
  const int64_t interval_us =
      std::min(duration_90k > 0 ? duration_90k : kDefaultDuration90k, kMaxSpreadDuration90k) *
      1000 / 90;
  const int64_t spread_us = interval_us * kSpreadTenths / 10;
  const auto max_bursts = static_cast<size_t>(std::max<int64_t>(1, spread_us / kMinBurstGapUs));
  const size_t bursts = std::min(max_bursts, (packets + kMinBurstPackets - 1) / kMinBurstPackets);
  BurstSchedule schedule;
  schedule.size = (packets + bursts - 1) / bursts;
  schedule.spacing_us = static_cast<uint64_t>(spread_us) / bursts;
  return schedule;
}

}  // namespace flowcast::server
