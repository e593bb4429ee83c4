// The server's metrics file (flowcast.server-metrics/1) keeps its keys: the
// structs are serialized by nlohmann/json's macros, so renaming a field would
// rename a key. This pins every key path, and the transport's names.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "server/server_metrics.hpp"

using namespace flowcast;
using namespace flowcast::server;
using nlohmann::json;

namespace {

// Every key path in `j`, with array elements as "#".
void collect(const json& j, const std::string& prefix, std::set<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      out.insert(path);
      collect(value, path, out);
    }
  } else if (j.is_array()) {
    for (const auto& value : j) collect(value, prefix + ".#", out);
  }
}

}  // namespace

TEST_CASE("Server metrics keep their keys", "[unit][server][metrics]") {
  ServerMetrics m;
  SessionStats session;
  session.transport = Transport::udp;
  session.link.offered = 5;
  m.add(session);
  m.add(session);
  const json j = m;
  std::set<std::string> keys;
  collect(j, "", keys);
  const std::set<std::string> expected = {"duration_ms",
                                          "keyframes",
                                          "keyframes.coalesced",
                                          "keyframes.forced",
                                          "keyframes.requests",
                                          "link",
                                          "link.delayed",
                                          "link.dropped_loss",
                                          "link.dropped_queue",
                                          "link.duplicated",
                                          "link.offered",
                                          "link.reordered",
                                          "link.retransmitted",
                                          "link_config",
                                          "link_config.burst",
                                          "link_config.delay_ms",
                                          "link_config.duplicate_percent",
                                          "link_config.jitter_ms",
                                          "link_config.loss_percent",
                                          "link_config.queue_ms",
                                          "link_config.rate_bps",
                                          "link_config.reorder_percent",
                                          "link_config.seed",
                                          "load",
                                          "load.busy_percent_mean",
                                          "load.busy_percent_peak",
                                          "load.egress_bps_peak",
                                          "load.egress_limit_bps",
                                          "load.encoder",
                                          "load.encoder.behind_ms_peak",
                                          "load.encoder.codec",
                                          "load.encoder.fell_behind",
                                          "load.encoder.picture_ms_mean",
                                          "load.encoder.picture_ms_peak",
                                          "load.encoder.pictures_encoded",
                                          "load.encoder.pictures_per_second_mean",
                                          "load.encoder.pictures_per_second_min",
                                          "load.encoder.pictures_skipped",
                                          "load.encoder.preset",
                                          "load.encoder.target_fps",
                                          "load.frames_skipped",
                                          "load.lag_ms_peak",
                                          "load.overloaded_ms",
                                          "load.refused",
                                          "refused_full",
                                          "round_trip_time_measurements",
                                          "rtsp",
                                          "rtsp.bad_requests",
                                          "rtsp.connections",
                                          "rtsp.connections_refused",
                                          "rtsp.error_responses",
                                          "rtsp.port",
                                          "rtsp.requests",
                                          "rtsp.sessions_timed_out",
                                          "rtsp.timed_out",
                                          "rtsp.udp_stray_datagrams",
                                          "schema",
                                          "sessions",
                                          "sessions.#.bytes_sent",
                                          "sessions.#.duration_ms",
                                          "sessions.#.end_reason",
                                          "sessions.#.frames_dropped_queue",
                                          "sessions.#.frames_sent",
                                          "sessions.#.frames_skipped_overload",
                                          "sessions.#.held_back_ms",
                                          "sessions.#.id",
                                          "sessions.#.link",
                                          "sessions.#.link.delayed",
                                          "sessions.#.link.dropped_loss",
                                          "sessions.#.link.dropped_queue",
                                          "sessions.#.link.duplicated",
                                          "sessions.#.link.offered",
                                          "sessions.#.link.reordered",
                                          "sessions.#.link.retransmitted",
                                          "sessions.#.nacks_received",
                                          "sessions.#.packets_dropped_queue",
                                          "sessions.#.packets_resent",
                                          "sessions.#.packets_sent",
                                          "sessions.#.peak_kernel_unsent_bytes",
                                          "sessions.#.peak_queue_bytes",
                                          "sessions.#.peer",
                                          "sessions.#.plis_received",
                                          "sessions.#.protocol",
                                          "sessions.#.receiver_reports",
                                          "sessions.#.round_trip_time_measurements",
                                          "sessions.#.round_trip_time_ms",
                                          "sessions.#.sender_reports",
                                          "sessions.#.timestamp_discontinuities",
                                          "sessions.#.resends",
                                          "sessions.#.resends.bytes",
                                          "sessions.#.resends.refused_budget",
                                          "sessions.#.resends.refused_queue",
                                          "sessions.#.resends.repeated",
                                          "sessions.#.resends.unknown",
                                          "sessions.#.rwnd_limited_ms",
                                          "sessions.#.sndbuf_limited_ms",
                                          "sessions.#.total_round_trip_time_ms",
                                          "sessions.#.transport",
                                          "source",
                                          "total_round_trip_time_ms",
                                          "udp_stray_datagrams"};
  CHECK(keys == expected);
  CHECK(j["schema"] == "flowcast.server-metrics/1");
  CHECK(j["sessions"].size() == 2);
  CHECK(j["sessions"][0]["transport"] == "udp");
  // The top-level link is every session's, summed.
  CHECK(j["link"]["offered"] == 10);
  // What is written reads back the same.
  CHECK(json(j.get<ServerMetrics>()) == j);
}

TEST_CASE("Server metrics: the transports by name", "[unit][server][metrics]") {
  CHECK(json(Transport::tcp) == "tcp");
  CHECK(json(Transport::udp) == "udp");
  CHECK(json(Transport::push) == "push");
  CHECK(to_string(Transport::push) == "push");
  CHECK(json("udp").get<Transport>() == Transport::udp);
}

TEST_CASE("Server metrics: the link's settings in ms", "[unit][server][metrics][link]") {
  common::LinkConfig link;
  link.rate_bps = 1'400'000;
  link.delay = std::chrono::microseconds(40'500);
  link.loss_percent = 2;
  link.seed = 9;
  const json j = LinkConfigMetrics::of(link);
  CHECK(j["rate_bps"] == 1'400'000);
  CHECK(j["queue_ms"] == 200.0);
  CHECK(j["delay_ms"] == 40.5);
  CHECK(j["loss_percent"] == 2.0);
  CHECK(j["seed"] == 9);
}
