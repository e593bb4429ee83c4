#pragma once
// The metrics file of a played session, assembled from what each part of the
// pipeline counted (DESIGN.md "The metrics file", docs/METRICS.md): the
// receive path and its buffer, the network source, the decoder, the render
// stage, the playout clock, the quality meter. A pure function of those
// readings, so the Player only reads its parts once at the end.
//
// Threads: the render (main) thread, after the pipeline stopped.
#include <optional>
#include <string>
#include <vector>

#include "client/decode/decoder_stage.hpp"
#include "client/metrics/client_metrics.hpp"
#include "client/metrics/quality_meter.hpp"
#include "client/metrics/session_accounting.hpp"
#include "client/playout/adaptive_playout.hpp"
#include "client/playout/playout_clock.hpp"
#include "client/playout/receive_buffer.hpp"
#include "client/playout/receive_path.hpp"
#include "client/transport/network_source.hpp"

namespace flowcast::client {

// What each part counted, read once the run ended.
struct PartReadings {
  ReceiveBuffer::Snapshot buffer;
  ReceiveCounters receive;
  SourceCounters source;
  DecodeCounters decode;
  uint64_t nonconformant = 0;  // DecodeStage::nonconformant_packets()
  RenderStats render;
  uint64_t skipped = 0;               // RenderStage::skipped()
  uint64_t left_in_render_queue = 0;  // RenderStage::left_in_queue()
  std::vector<StallEvent> stalls;     // closed at the end of the run
  std::chrono::microseconds play_time{0};
  double cpu_ms = 0;                // the process's CPU time so far (getrusage RUSAGE_SELF)
  AdaptivePlayout::Readings delay;  // the playout delay and the W3C counters
};

// The session around the pipeline: its edges, what ended it, and its
// settings as the metrics name them.
struct SessionFacts {
  MetricsConfig config;
  Transport transport = Transport::tcp;  // the one used (RTSP's auto settled)
  std::string protocol;                  // "flowcast", "rtsp", "listen"
  bool listen = false;
  SteadyTime launched;
  SteadyTime finished;
  std::optional<SteadyTime> first_packet;     // --listen: when the sender began
  std::optional<SteadyTime> stream_end_seen;  // when the loop saw the stream end
  EndedBy ended_by = EndedBy::error;
  // --metrics: snapshot paths are written relative to its folder.
  std::optional<std::string> metrics_path;
};

// The metrics document. quality: nullptr without --reference, --snapshot,
// --frames; finished.
MetricsDocument assemble_metrics(const SessionFacts& session, const PartReadings& parts,
                                 const QualityMeter* quality, std::vector<TimelineSample> timeline);

}  // namespace flowcast::client
