#pragma once
// "client_load" of flowcast.metrics/1: how far the client itself fell
// behind, as opposed to the network (docs/METRICS.md "The client's own
// lag"). A machine too busy to run the client on time makes figures that are
// not the link's: flowcast-sweep marks such a run invalid and runs it again.
//
// Plain values; any thread.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/util/json_optional.hpp"

namespace flowcast::client {

// How late the render loop woke for a picture it held, in ms (nearest-rank
// percentiles); null when it never waited for one.
struct WakeLateness {
  std::optional<double> p50, p95, max;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WakeLateness, p50, p95, max)

struct ClientLoad {
  // Times the render loop went to sleep holding the next picture and came
  // back once it was due: the samples of wake_late_ms.
  uint64_t wakes = 0;
  // How long after that picture's due time the loop came back (ms): the
  // scheduler's and the loop's own delay, never the network's (the picture
  // was already decoded and waiting).
  WakeLateness wake_late_ms;
  // Pictures the loop held before they were due and dropped as too late
  // (counted in frames.dropped_late too) because it came back after their
  // successor was due as well: dropped by the client's own lag.
  uint64_t late_pictures = 0;
  // The client process's CPU time over the run (user + system,
  // getrusage(2) RUSAGE_SELF), in ms.
  double cpu_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ClientLoad, wakes, wake_late_ms, late_pictures,
                                                cpu_ms)

}  // namespace flowcast::client
