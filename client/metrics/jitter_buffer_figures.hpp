#pragma once
// "jitter_buffer" in the metrics file (docs/METRICS.md): the W3C
// webrtc-stats counters of RTCInboundRtpStreamStats, with their names and
// units (seconds), so they compare with a browser's getStats()
// (https://www.w3.org/TR/webrtc-stats/#dom-rtcinboundrtpstreamstats-jitterbufferdelay;
// how flowcast counts them: client/playout/playout_delay.hpp).
//
// Plain values; any thread.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace flowcast::client {

struct JitterBufferFigures {
  std::string policy = "fixed";  // "fixed" (--buffer DURATION) or "adaptive"
  // Sums over the frames emitted, in seconds: emit − first packet's arrival;
  // the target delay and the minimum delay at emit.
  double jitterBufferDelay = 0;           // NOLINT(readability-identifier-naming): W3C's name
  double jitterBufferTargetDelay = 0;     // NOLINT(readability-identifier-naming)
  double jitterBufferMinimumDelay = 0;    // NOLINT(readability-identifier-naming)
  uint64_t jitterBufferEmittedCount = 0;  // NOLINT(readability-identifier-naming)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(JitterBufferFigures, policy, jitterBufferDelay,
                                                jitterBufferTargetDelay, jitterBufferMinimumDelay,
                                                jitterBufferEmittedCount)

}  // namespace flowcast::client
