#pragma once
// What a session counts, typed once: the same structs are the entries of
// "sessions" in the server's metrics file (flowcast.server-metrics/1,
// docs/METRICS.md), serialized with nlohmann/json's macros, so a field's name
// is its key. Keys are only ever added; none is renamed.
//
// Threads: a session's stats are written on the network thread; the server
// copies them there too (stats(), stats_now()).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/netem/link_emulator.hpp"

// common/ has no JSON: the server's metrics file gives the link's counters
// their keys here, in the type's own namespace where ADL finds them.
namespace flowcast::common {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LinkCounters, offered, dropped_queue, dropped_loss, delayed,
                                   retransmitted, duplicated, reordered)
}  // namespace flowcast::common

namespace flowcast::server {

// How a session reaches its client: a flowcast client over TCP (RFC 4571) or
// UDP (after the handshake), or plain RTP pushed to a fixed address (--push).
enum class Transport { tcp, udp, push };

NLOHMANN_JSON_SERIALIZE_ENUM(Transport, {{Transport::tcp, "tcp"},
                                         {Transport::udp, "udp"},
                                         {Transport::push, "push"}})

// The name the metrics file and the log use: "tcp", "udp" or "push".
inline std::string to_string(Transport transport) {
  return nlohmann::json(transport).get<std::string>();
}

// What NACKs asked for, and what of it was not resent (the resent packets
// are SessionStats::packets_resent).
struct ResendMetrics {
  uint64_t bytes = 0;           // resent
  uint64_t refused_budget = 0;  // past the resend budget
  uint64_t refused_queue = 0;   // past the send queue's bound
  uint64_t repeated = 0;        // within 100 ms of its last resend
  uint64_t unknown = 0;         // no longer in the history
};

struct SessionStats {
  uint64_t id = 0;
  // How the session was set up: "flowcast" (its own handshake or TCP
  // connection), "rtsp" (RFC 2326) or "rtp" (--push).
  std::string protocol = "flowcast";
  Transport transport = Transport::tcp;
  std::string peer;
  uint64_t frames_sent = 0;
  uint64_t packets_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t packets_dropped_queue = 0;  // dropped by our own send queue
  uint64_t frames_dropped_queue = 0;
  // Live frames skipped, to the next keyframe, while the server was
  // overloaded (LoadMonitor): the whole server's sends were behind.
  uint64_t frames_skipped_overload = 0;
  double held_back_ms = 0;                // time our send queue was full
  double rwnd_limited_ms = 0;             // TCP_INFO: held back by the client's window
  double sndbuf_limited_ms = 0;           // TCP_INFO: held back by the kernel send buffer
  uint64_t peak_kernel_unsent_bytes = 0;  // SIOCOUTQ peak
  uint64_t peak_queue_bytes = 0;          // our send queue's peak
  common::LinkCounters link;              // what the emulated link did
  uint64_t plis_received = 0;
  uint64_t nacks_received = 0;
  uint64_t packets_resent = 0;  // answered a NACK
  ResendMetrics resends;
  uint64_t receiver_reports = 0;
  // The round trip to the client, from each receiver report that echoes an
  // SR of this session (RFC 3550 §6.4.1: A - LSR - DLSR), in ms; named as
  // W3C webrtc-stats' RTCRemoteInboundRtpStreamStats: the latest, the sum,
  // and how many. 0 before the first.
  double round_trip_time_ms = 0;
  double total_round_trip_time_ms = 0;
  uint64_t round_trip_time_measurements = 0;
  // The file's timestamps jumped and its timeline was re-anchored.
  uint64_t timestamp_discontinuities = 0;
  uint64_t sender_reports = 0;  // RTCP SR sent
  double duration_ms = 0;
  std::string end_reason;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ResendMetrics, bytes, refused_budget, refused_queue, repeated,
                                   unknown)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SessionStats, id, transport, peer, frames_sent, packets_sent,
                                   bytes_sent, packets_dropped_queue, frames_dropped_queue,
                                   held_back_ms, rwnd_limited_ms, sndbuf_limited_ms,
                                   peak_kernel_unsent_bytes, peak_queue_bytes, link, plis_received,
                                   nacks_received, packets_resent, resends, receiver_reports,
                                   timestamp_discontinuities, sender_reports, duration_ms,
                                   end_reason, protocol, frames_skipped_overload,
                                   round_trip_time_ms, total_round_trip_time_ms,
                                   round_trip_time_measurements)

}  // namespace flowcast::server
