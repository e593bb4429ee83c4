#pragma once
// flowcast-load's results file, flowcast.load/1: these structs, serialized
// with nlohmann/json's macros, are the file; a field's name is its key, in
// RFC 3550 / webrtc-stats terms. Times are in ms since the tool started;
// rates in packets per second. Main thread only.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/util/json_optional.hpp"

namespace flowcast::bench {

// What a viewer received in its measured window (from measure_after after
// its join until it left or the server ended it).
struct MeasuredWindow {
  double start_ms = 0;
  double duration_ms = 0;
  uint64_t packets_received = 0;
  uint64_t packets_expected = 0;  // highest - first + 1 (extended sequence numbers)
  int64_t packets_lost = 0;       // expected - received (negative with duplicates)
  // received / expected; 0 when nothing arrived in the window.
  double fraction_received = 0;
  double packets_per_s = 0;
  uint64_t bytes_received = 0;
  // Access units begun in the window, a second: a server that skips frames
  // to keyframes shows here, not in the packets lost.
  double frames_per_s = 0;
};

// One viewer. state: "joined", "full" (the server refused it), "handshake_timeout"
// (no ACCEPT within 3 s), "connect_failed" (TCP), or "waiting" (the run ended
// before its turn). end_reason: "left" (it sent BYE at the end), "bye" (the
// server's RTCP BYE), "closed" (the server closed the TCP connection),
// "unreachable" (ICMP: nothing listens at the server's port any more), or
// null when it never joined.
struct ViewerRow {
  int index = 0;
  std::string local_address;
  bool stalled = false;
  std::string state = "waiting";
  std::optional<double> joined_at_ms;
  std::optional<double> join_ms;  // HELLO (or connect) to ACCEPT (or connected)
  std::optional<uint32_t> ssrc;
  uint64_t packets_received = 0;  // whole stay, RTP of the server's SSRC
  uint64_t bytes_received = 0;
  std::optional<int64_t> first_sequence;    // extended (RFC 3550 A.1)
  std::optional<int64_t> highest_sequence;  // extended
  uint64_t packets_expected = 0;
  int64_t packets_lost = 0;
  MeasuredWindow measured;
  uint64_t sender_reports_received = 0;
  uint64_t receiver_reports_sent = 0;
  uint64_t other_ssrc_packets = 0;
  uint64_t malformed = 0;
  // Datagrams the kernel dropped at this tool's socket (SO_RXQ_OVFL): its
  // receive buffer was full, because the tool read too late or the sender
  // sent a burst larger than the buffer; not a loss on the way.
  uint64_t dropped_kernel = 0;
  bool ended_by_server = false;
  // Joined, still there at the end, but nothing (not even an RTCP SR, which
  // the server sends at least every second) arrived in its last kSilence:
  // the server dropped the session without a BYE.
  bool went_silent = false;
  std::optional<double> last_heard_ms;
  std::optional<double> ended_at_ms;
  std::optional<std::string> end_reason;
};

struct FractionSummary {
  std::optional<double> min;
  std::optional<double> p1;  // nearest-rank 1st percentile
  std::optional<double> median;
};

struct RateSummary {
  std::optional<double> min;
  std::optional<double> median;
};

// Every figure over the counted viewers (joined and not stalled), unless named
// otherwise.
struct Aggregate {
  int viewers = 0;
  int stalled = 0;
  int joined = 0;  // stalled ones included
  int refused_full = 0;
  int handshake_timeouts = 0;
  int connect_failures = 0;
  int ended_by_server = 0;  // every viewer the server ended (BYE or close)
  int went_silent = 0;      // not stalled, and nothing arrived at the end (no BYE)
  int stalled_ended_by_server = 0;
  int unreachable = 0;
  int counted = 0;
  uint64_t packets_received = 0;  // measured windows
  uint64_t packets_expected = 0;
  int64_t packets_lost = 0;
  uint64_t bytes_received = 0;
  FractionSummary fraction_received;
  int viewers_below_99_9 = 0;  // fraction_received < 0.999
  double packets_per_s = 0;    // sum of the viewers' rates
  RateSummary packets_per_s_per_viewer;
  RateSummary frames_per_s_per_viewer;
  uint64_t dropped_kernel = 0;  // at this tool's sockets, every viewer
};

struct LoadReport {
  std::string schema = "flowcast.load/1";
  std::string mode = "server";  // or "passive"
  std::string server;           // HOST:PORT, or "127.0.0.1:FIRST-LAST" when passive
  std::string transport = "udp";
  double join_rate = 0;
  double duration_ms = 0;
  double measure_after_ms = 0;
  int rcvbuf_bytes = 0;  // what the kernel granted the first socket
  double run_ms = 0;
  double tool_cpu_s = 0;  // this process, user + sys
  double tool_cpu_cores = 0;
  // SIGINT or SIGTERM ended the run early: the figures cover it so far.
  bool interrupted = false;
  Aggregate aggregate;
  std::vector<ViewerRow> viewers;

  // Fills `aggregate` from `viewers`.
  void summarize();
  // The human summary, a few lines for stderr.
  std::string summary_text() const;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MeasuredWindow, start_ms, duration_ms, packets_received,
                                   packets_expected, packets_lost, fraction_received, packets_per_s,
                                   bytes_received, frames_per_s)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ViewerRow, index, local_address, stalled, state, joined_at_ms,
                                   join_ms, ssrc, packets_received, bytes_received, first_sequence,
                                   highest_sequence, packets_expected, packets_lost, measured,
                                   sender_reports_received, receiver_reports_sent,
                                   other_ssrc_packets, malformed, dropped_kernel, ended_by_server,
                                   went_silent, last_heard_ms, ended_at_ms, end_reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FractionSummary, min, p1, median)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RateSummary, min, median)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Aggregate, viewers, stalled, joined, refused_full,
                                   handshake_timeouts, connect_failures, ended_by_server,
                                   went_silent, stalled_ended_by_server, unreachable, counted,
                                   packets_received, packets_expected, packets_lost, bytes_received,
                                   fraction_received, viewers_below_99_9, packets_per_s,
                                   packets_per_s_per_viewer, dropped_kernel,
                                   frames_per_s_per_viewer)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LoadReport, schema, mode, server, transport, join_rate,
                                   duration_ms, measure_after_ms, rcvbuf_bytes, run_ms, tool_cpu_s,
                                   tool_cpu_cores, aggregate, viewers, interrupted)

}  // namespace flowcast::bench
