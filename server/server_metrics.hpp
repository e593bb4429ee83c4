#pragma once
// The server's metrics file, flowcast.server-metrics/1 (docs/METRICS.md),
// typed once: these structs, serialized with nlohmann/json's macros, are the
// file; a field's name is its key. Keys are only ever added; none is renamed.
// Server::metrics() fills them on the network thread; run() writes them at
// exit.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/netem/link_emulator.hpp"
#include "server/load_monitor.hpp"
#include "server/session/session_stats.hpp"
#include "server/transport/rtsp_listener.hpp"

namespace flowcast::server {

// The live source's keyframes: requests (joins and PLIs), the ones forced
// (at least 1 s apart) and the requests coalesced into one already due.
struct KeyframeMetrics {
  uint64_t requests = 0;
  uint64_t forced = 0;
  uint64_t coalesced = 0;
};

// The --link-* options every session's link emulates, times in ms.
struct LinkConfigMetrics {
  int64_t rate_bps = 0;
  double queue_ms = 0;
  double delay_ms = 0;
  double jitter_ms = 0;
  double loss_percent = 0;
  double burst = 0;
  double reorder_percent = 0;
  double duplicate_percent = 0;
  uint64_t seed = 0;

  static LinkConfigMetrics of(const common::LinkConfig& link);
};

struct ServerMetrics {
  std::string schema = "flowcast.server-metrics/1";
  std::string source;  // INPUT, or "pattern"
  double duration_ms = 0;
  uint64_t refused_full = 0;  // clients refused past --max-clients
  KeyframeMetrics keyframes;
  uint64_t udp_stray_datagrams = 0;  // neither a session's RTCP nor a HELLO
  LinkConfigMetrics link_config;
  common::LinkCounters link;  // every session's, summed
  RtspCounters rtsp;          // the RTSP listener's (port 0: RTSP off)
  LoadMetrics load;           // the network thread's and the encoder's load, skips, refusals
  // Every session's round-trip measurements (SessionStats), summed, in ms.
  double total_round_trip_time_ms = 0;
  uint64_t round_trip_time_measurements = 0;
  std::vector<SessionStats> sessions;  // ended ones first, then those still running

  // Adds a session, and its link's counters to the sum.
  void add(const SessionStats& session);
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeyframeMetrics, requests, forced, coalesced)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LinkConfigMetrics, rate_bps, queue_ms, delay_ms, jitter_ms,
                                   loss_percent, burst, reorder_percent, duplicate_percent, seed)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RtspCounters, port, connections, connections_refused, requests,
                                   bad_requests, error_responses, timed_out, sessions_timed_out,
                                   udp_stray_datagrams)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EncoderMetrics, codec, preset, target_fps, pictures_encoded,
                                   pictures_skipped, pictures_per_second_mean,
                                   pictures_per_second_min, picture_ms_mean, picture_ms_peak,
                                   behind_ms_peak, fell_behind)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LoadMetrics, busy_percent_mean, busy_percent_peak, lag_ms_peak,
                                   overloaded_ms, frames_skipped, refused, egress_limit_bps,
                                   egress_bps_peak, encoder)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ServerMetrics, schema, source, duration_ms, refused_full,
                                   keyframes, udp_stray_datagrams, link_config, link, sessions,
                                   rtsp, load, total_round_trip_time_ms,
                                   round_trip_time_measurements)

}  // namespace flowcast::server
