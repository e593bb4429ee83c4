#pragma once
// The metrics file, schema flowcast.metrics/1 (DESIGN.md "The metrics
// file"; docs/METRICS.md says what each figure means), as C++ types. The
// JSON comes from nlohmann/json's own macros, so every key is typed once, as
// a member's name, and the file's shape follows from these structs:
//
// - Player fills a MetricsDocument at exit, and writes it as JSON;
// - the summary table at exit (render/status_line) reads the same document;
// - the HTML report (report/) reads files as they come, older, partial or
//   hand-edited ones too, so it looks figures up where metrics_keys (below)
//   says they are, rather than converting a whole file; the unit tests check
//   that every one of those pointers names a member of these types.
//
// Keys are only ever added to flowcast.metrics/1, never renamed: a member
// here is a key in files that tools outside flowcast read.
//
// Reading (from_json) takes a missing key as the member's default, so a file
// written before a key was added still reads; a value of the wrong type
// throws nlohmann::json::type_error.
//
// Plain values; any thread.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "client/decode/loss_policy.hpp"
#include "client/metrics/audio_figures.hpp"
#include "client/metrics/av_sync_figures.hpp"
#include "client/metrics/client_load.hpp"
#include "client/metrics/jitter_buffer_figures.hpp"
#include "client/metrics/quality_figures.hpp"
#include "client/metrics/session_state.hpp"
#include "client/playout/overflow_policy.hpp"
#include "client/transport/transport_kind.hpp"
#include "common/util/json_optional.hpp"

namespace flowcast::client {

inline constexpr const char* kMetricsSchema = "flowcast.metrics/1";

// "config": the options that shape playout.
struct MetricsConfig {
  double buffer_ms = 0;
  double buffer_max_ms = 0;
  double rebuffer_ms = 0;
  OverflowPolicy overflow = OverflowPolicy::block;
  LossPolicy on_loss = LossPolicy::conceal;
  std::string host;
  uint16_t port = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MetricsConfig, buffer_ms, buffer_max_ms,
                                                rebuffer_ms, overflow, on_loss, host, port)

// "session": the session as CTA-2066 and ExoPlayer's PlaybackStats see it
// (DESIGN.md "Sessions and their states").

// What ended the session ("session.ended_by").
enum class EndedBy { bye, teardown, closed, silence, duration, user, signal, error };
NLOHMANN_JSON_SERIALIZE_ENUM(EndedBy, {{EndedBy::bye, "bye"},
                                       {EndedBy::teardown, "teardown"},
                                       {EndedBy::closed, "closed"},
                                       {EndedBy::silence, "silence"},
                                       {EndedBy::duration, "duration"},
                                       {EndedBy::user, "user"},
                                       {EndedBy::signal, "signal"},
                                       {EndedBy::error, "error"}})
inline std::string to_string(EndedBy e) {
  return nlohmann::json(e).get<std::string>();
}
// The stream's own end (BYE, TEARDOWN, the sender closing or going silent,
// a lost connection), as opposed to the viewer's (--duration, q, a signal).
inline bool is_stream_end(EndedBy e) {
  return e != EndedBy::duration && e != EndedBy::user && e != EndedBy::signal;
}

// CTA-2066 5.4/5.5: a session that ended before its first picture
// ("session.start_failure"; null when a picture was shown).
enum class StartFailure { video_start_failure, exit_before_video_start };
NLOHMANN_JSON_SERIALIZE_ENUM(StartFailure,
                             {{StartFailure::video_start_failure, "video_start_failure"},
                              {StartFailure::exit_before_video_start, "exit_before_video_start"}})
inline std::string to_string(StartFailure f) {
  return nlohmann::json(f).get<std::string>();
}

// "session.state_ms": the session's time in each state, in ms; the states
// do not overlap and add up to duration_ms (docs/METRICS.md says which wins
// where two apply).
struct StateTimes {
  double joining = 0;
  double playing = 0;
  double rebuffering = 0;
  double frozen = 0;
  double ended = 0;    // waiting for a stream that had ended (not rebuffering)
  double waiting = 0;  // --listen: before the sender's first packet (not startup)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StateTimes, joining, playing, rebuffering, frozen,
                                                ended, waiting)

struct SessionFigures {
  std::string protocol = "flowcast";  // "flowcast", "rtsp" or "listen"
  bool video_started = false;         // a picture was shown
  std::optional<StartFailure> start_failure;
  EndedBy ended_by = EndedBy::error;
  StateTimes state_ms;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SessionFigures, protocol, video_started,
                                                start_failure, ended_by, state_ms)

// One entry of "stalls.events".
struct StallRecord {
  double start_ms = 0;  // since launch
  double duration_ms = 0;
  std::string cause;  // "underrun", "audio_underrun" (docs/METRICS.md)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StallRecord, start_ms, duration_ms, cause)

struct StallFigures {
  uint64_t count = 0;
  double total_ms = 0;
  std::vector<StallRecord> events;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StallFigures, count, total_ms, events)

struct FreezeFigures {
  uint64_t count = 0;
  double total_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FreezeFigures, count, total_ms)

struct PacketCounts {
  uint64_t received = 0;
  int64_t lost = 0;  // RFC 3550 §6.4.1, never negative in a file the client writes
  uint64_t late = 0;
  uint64_t duplicate = 0;
  uint64_t reordered = 0;
  uint64_t dropped_overflow = 0;
  uint64_t dropped_kernel = 0;
  uint64_t recovered = 0;
  uint64_t foreign_payload_type = 0;
  uint64_t foreign_ssrc = 0;
  uint64_t malformed = 0;
  uint64_t plis_sent = 0;
  uint64_t nacks_sent = 0;
  // Packets of the stream without payload (padding only): neither payload
  // nor loss.
  uint64_t padding = 0;
  // Packets the payload format's RFC forbids, taken as their evident meaning
  // (RFC 6184: an FU-A with both S and E set).
  uint64_t nonconformant = 0;
  // Discontinuities of the sender: the sequence space restarted after a
  // jump (RFC 3550 Appendix A.1), a timestamp jump re-anchored, and a
  // restarted sender followed to its new SSRC.
  uint64_t sequence_resyncs = 0;
  uint64_t timestamp_jumps = 0;
  uint64_t ssrc_changes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PacketCounts, received, lost, late, duplicate,
                                                reordered, dropped_overflow, dropped_kernel,
                                                recovered, foreign_payload_type, foreign_ssrc,
                                                malformed, plis_sent, nacks_sent, padding,
                                                nonconformant, sequence_resyncs, timestamp_jumps,
                                                ssrc_changes)

struct FrameCounts {
  uint64_t decoded = 0;
  uint64_t rendered = 0;
  uint64_t dropped_late = 0;
  uint64_t corrupt = 0;
  uint64_t tainted = 0;
  uint64_t skipped = 0;
  uint64_t oversized = 0;
  uint64_t incomplete_access_units = 0;
  // Pictures before the first recovery point of a stream joined without a
  // keyframe, on a clean link: not shown, not in decoded.
  uint64_t unrecovered = 0;
  // Rendered pictures that were damaged: corrupt (decoder-flagged) or
  // tainted, each picture counted once. rendered_corrupt is the corrupt ones
  // among the rendered (corrupt counts decoded pictures, shown or not).
  uint64_t damaged = 0;
  uint64_t rendered_corrupt = 0;
  // Frame conservation (docs/METRICS.md): every picture the sender sent is
  // in exactly one of rendered_clean, damaged, skipped, dropped_late,
  // dropped_buffer, lost, undecodable and pending, and `accounted` is their
  // sum. `sent` is known from the RTP timestamps that arrived and, for
  // pictures of which nothing arrived, from the gaps between them.
  uint64_t sent = 0;
  uint64_t rendered_clean = 0;  // shown, neither corrupt nor tainted
  uint64_t dropped_buffer = 0;  // every packet that came discarded by the overflow policy
  uint64_t lost = 0;            // never reached the buffer in time (network, kernel, late)
  uint64_t undecodable = 0;     // reached the decoder, no picture to show
  uint64_t pending = 0;         // still on its way when the session ended
  uint64_t accounted = 0;       // the sum of the buckets above
  // The stream's RTP timestamps follow decode order, not presentation
  // order: pictures were timed by the decoder's output order.
  bool decode_order_timestamps = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FrameCounts, decoded, rendered, dropped_late,
                                                corrupt, tainted, skipped, oversized,
                                                incomplete_access_units, unrecovered, damaged,
                                                rendered_corrupt, sent, rendered_clean,
                                                dropped_buffer, lost, undecodable, pending,
                                                accounted, decode_order_timestamps)

// The sum of the conservation buckets of `f` (what `accounted` holds).
inline uint64_t conservation_sum(const FrameCounts& f) {
  return f.rendered_clean + f.damaged + f.skipped + f.dropped_late + f.dropped_buffer + f.lost +
         f.undecodable + f.pending;
}

// "buffer": the receive buffer.
struct BufferFigures {
  int64_t capacity_bytes = 0;
  double capacity_ms = 0;
  uint64_t peak_bytes = 0;
  double peak_ms = 0;
  uint64_t grow_events = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BufferFigures, capacity_bytes, capacity_ms,
                                                peak_bytes, peak_ms, grow_events)

// "kernel": the socket's receive buffer.
struct KernelFigures {
  int rcvbuf_bytes = 0;
  uint64_t peak_queued_bytes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(KernelFigures, rcvbuf_bytes, peak_queued_bytes)

// "latency_ms": send->render latency of rendered frames, from the RTP
// header extension that carries the send time (flowcast-server sends it);
// null when no rendered frame carried one (other senders, --listen).
struct LatencySummary {
  std::optional<double> p50, p95, max;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LatencySummary, p50, p95, max)

// One entry of "snapshots": a PNG written under --snapshot.
struct SnapshotRecord {
  std::string file;
  // "damaged" (the first damaged picture of a loss episode; its file is
  // damaged-NN-corrupt or damaged-NN-tainted), "worst", "worst-reference",
  // "clean"; files written before 2026-11 say "corrupt" for "damaged".
  std::string kind;
  double t_ms = 0;
  double pts_ms = 0;
  std::optional<double> psnr;  // null when not compared
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SnapshotRecord, file, kind, t_ms, pts_ms, psnr)

// One entry of "timeline", every 100 ms; also a row of --timeline's CSV.
struct TimelineSample {
  double t_ms = 0;
  SessionState state = SessionState::joining;
  double buffer_ms = 0;
  uint64_t buffer_bytes = 0;
  uint64_t kernel_bytes = 0;
  double received_kbps = 0;
  int64_t lost = 0;  // cumulative, as are late, corrupt, tainted and damaged
  uint64_t late = 0;
  uint64_t corrupt = 0;  // rendered pictures the decoder flagged
  uint64_t tainted = 0;
  uint64_t damaged = 0;
  double target_delay_ms = 0;        // the playout delay's target (PlayoutDelay)
  std::optional<double> delay_ms{};  // its actual value; null before playback
  // The sound, null without an audio stream: what it holds (ms: its buffer
  // and the output's queue), W3C concealedSamples and the output's
  // underruns so far, and the A/V offset (ms, audio − video, + audio
  // early) of the pictures shown since the last sample, their mean; null
  // when none was measured.
  std::optional<double> audio_buffer_ms{};
  std::optional<uint64_t> audio_concealed_samples{};
  std::optional<uint64_t> audio_underruns{};
  std::optional<double> av_offset_ms{};
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TimelineSample, t_ms, state, buffer_ms,
                                                buffer_bytes, kernel_bytes, received_kbps, lost,
                                                late, corrupt, tainted, damaged, target_delay_ms,
                                                delay_ms, audio_buffer_ms, audio_concealed_samples,
                                                audio_underruns, av_offset_ms)

// "qoe": flowcast's open QoE score and its two terms (docs/METRICS.md "QoE
// score"; computed by client/metrics/qoe_score). Scores are MOS on 1..5;
// null when no picture was shown.
struct QoeFigures {
  std::optional<double> score;        // 1 + (stall_mos − 1)·(picture_mos − 1)/4
  std::optional<double> stall_mos;    // Hoßfeld et al.'s exponential in N and L
  std::optional<double> picture_mos;  // EvalVid's PSNR → MOS, or the damaged share
  // What picture_mos rests on: "psnr" (pictures compared with --reference) or
  // "damaged_share" (no PSNR: clean pictures 5, damaged ones 1); null with
  // no picture shown.
  std::optional<std::string> picture_basis;
  uint64_t interruptions = 0;           // N: stalls and the freezes no stall caused
  double interruption_mean_ms = 0;      // L (in ms; the model takes seconds); 0 when N is 0
  std::optional<double> damaged_share;  // frames.damaged / frames.rendered
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(QoeFigures, score, stall_mos, picture_mos,
                                                picture_basis, interruptions, interruption_mean_ms,
                                                damaged_share)

// The whole file. Times are in ms.
struct MetricsDocument {
  std::string schema = kMetricsSchema;
  Transport transport = Transport::tcp;  // RTSP interleaved and --listen count as their carrier
  MetricsConfig config;
  double duration_ms = 0;
  SessionFigures session;
  std::optional<double> startup_ms;  // null when no picture was shown
  StallFigures stalls;
  std::optional<double> rebuffering_ratio;  // null when no picture was shown
  FreezeFigures freezes;
  PacketCounts packets;
  FrameCounts frames;
  BufferFigures buffer;
  KernelFigures kernel;
  LatencySummary latency_ms;
  Quality quality;
  std::vector<SnapshotRecord> snapshots;
  std::vector<TimelineSample> timeline;
  QoeFigures qoe;
  ClientLoad client_load;
  JitterBufferFigures jitter_buffer;
  std::optional<AudioFigures> audio;     // null without an audio stream
  std::optional<AvSyncFigures> av_sync;  // null without an audio stream
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MetricsDocument, schema, transport, config,
                                                duration_ms, session, startup_ms, stalls,
                                                rebuffering_ratio, freezes, packets, frames, buffer,
                                                kernel, latency_ms, quality, snapshots, timeline,
                                                qoe, client_load, jitter_buffer, audio, av_sync)

// Where readers find figures in a file: the one list of JSON pointers for
// code that reads files as they come (flowcast-report), checked against the
// types above by tests/client/metrics/test_metrics_document.cpp.
namespace metrics_keys {

using Pointer = nlohmann::json::json_pointer;

// In the document.
inline const Pointer kSchema{"/schema"};
inline const Pointer kTransport{"/transport"};
inline const Pointer kConfig{"/config"};
inline const Pointer kConfigBufferMs{"/config/buffer_ms"};
inline const Pointer kConfigBufferMaxMs{"/config/buffer_max_ms"};
inline const Pointer kConfigRebufferMs{"/config/rebuffer_ms"};
inline const Pointer kConfigOverflow{"/config/overflow"};
inline const Pointer kConfigOnLoss{"/config/on_loss"};
inline const Pointer kDurationMs{"/duration_ms"};
inline const Pointer kSession{"/session"};
inline const Pointer kSessionProtocol{"/session/protocol"};
inline const Pointer kSessionVideoStarted{"/session/video_started"};
inline const Pointer kSessionStartFailure{"/session/start_failure"};
inline const Pointer kSessionEndedBy{"/session/ended_by"};
inline const Pointer kSessionStateMs{"/session/state_ms"};
inline const Pointer kStateJoiningMs{"/session/state_ms/joining"};
inline const Pointer kStatePlayingMs{"/session/state_ms/playing"};
inline const Pointer kStateRebufferingMs{"/session/state_ms/rebuffering"};
inline const Pointer kStateFrozenMs{"/session/state_ms/frozen"};
inline const Pointer kStateEndedMs{"/session/state_ms/ended"};
inline const Pointer kStateWaitingMs{"/session/state_ms/waiting"};
inline const Pointer kStartupMs{"/startup_ms"};
inline const Pointer kStalls{"/stalls"};
inline const Pointer kStallsCount{"/stalls/count"};
inline const Pointer kStallsTotalMs{"/stalls/total_ms"};
inline const Pointer kStallsEvents{"/stalls/events"};
inline const Pointer kRebufferingRatio{"/rebuffering_ratio"};
inline const Pointer kFreezes{"/freezes"};
inline const Pointer kFreezesCount{"/freezes/count"};
inline const Pointer kFreezesTotalMs{"/freezes/total_ms"};
inline const Pointer kPackets{"/packets"};
inline const Pointer kPacketsReceived{"/packets/received"};
inline const Pointer kPacketsLost{"/packets/lost"};
inline const Pointer kPacketsLate{"/packets/late"};
inline const Pointer kPacketsDroppedOverflow{"/packets/dropped_overflow"};
inline const Pointer kPacketsDroppedKernel{"/packets/dropped_kernel"};
inline const Pointer kPacketsRecovered{"/packets/recovered"};
inline const Pointer kFrames{"/frames"};
inline const Pointer kFramesDecoded{"/frames/decoded"};
inline const Pointer kFramesRendered{"/frames/rendered"};
inline const Pointer kFramesCorrupt{"/frames/corrupt"};
inline const Pointer kFramesTainted{"/frames/tainted"};
inline const Pointer kFramesSkipped{"/frames/skipped"};
inline const Pointer kFramesDroppedLate{"/frames/dropped_late"};
inline const Pointer kFramesDamaged{"/frames/damaged"};
inline const Pointer kFramesRenderedCorrupt{"/frames/rendered_corrupt"};
inline const Pointer kFramesSent{"/frames/sent"};
inline const Pointer kFramesRenderedClean{"/frames/rendered_clean"};
inline const Pointer kFramesDroppedBuffer{"/frames/dropped_buffer"};
inline const Pointer kFramesLost{"/frames/lost"};
inline const Pointer kFramesUndecodable{"/frames/undecodable"};
inline const Pointer kFramesPending{"/frames/pending"};
inline const Pointer kFramesAccounted{"/frames/accounted"};
inline const Pointer kBuffer{"/buffer"};
inline const Pointer kBufferPeakMs{"/buffer/peak_ms"};
inline const Pointer kBufferPeakBytes{"/buffer/peak_bytes"};
inline const Pointer kKernel{"/kernel"};
inline const Pointer kKernelPeakQueuedBytes{"/kernel/peak_queued_bytes"};
inline const Pointer kLatency{"/latency_ms"};
inline const Pointer kLatencyP50{"/latency_ms/p50"};
inline const Pointer kLatencyP95{"/latency_ms/p95"};
inline const Pointer kQuality{"/quality"};
inline const Pointer kQualityPsnrMean{"/quality/psnr_mean"};
inline const Pointer kQualityPsnrMin{"/quality/psnr_min"};
inline const Pointer kQualityMosMean{"/quality/mos_mean"};
inline const Pointer kQualityPerFrame{"/quality/per_frame"};
inline const Pointer kQualityMosHistogram{"/quality/mos_histogram"};
inline const Pointer kSnapshots{"/snapshots"};
inline const Pointer kTimeline{"/timeline"};
inline const Pointer kQoe{"/qoe"};
inline const Pointer kQoeScore{"/qoe/score"};
inline const Pointer kQoeStallMos{"/qoe/stall_mos"};
inline const Pointer kQoePictureMos{"/qoe/picture_mos"};
inline const Pointer kQoePictureBasis{"/qoe/picture_basis"};
inline const Pointer kClientLoad{"/client_load"};
inline const Pointer kClientLoadWakeLateMax{"/client_load/wake_late_ms/max"};
inline const Pointer kClientLoadWakeLateP95{"/client_load/wake_late_ms/p95"};
inline const Pointer kClientLoadLatePictures{"/client_load/late_pictures"};
inline const Pointer kAudio{"/audio"};
inline const Pointer kAudioConcealedSamples{"/audio/concealedSamples"};
inline const Pointer kAudioUnderruns{"/audio/underruns"};

// In one entry of "timeline".
inline const Pointer kSampleTMs{"/t_ms"};
inline const Pointer kSampleBufferMs{"/buffer_ms"};
inline const Pointer kSampleKernelBytes{"/kernel_bytes"};
inline const Pointer kSampleReceivedKbps{"/received_kbps"};
inline const Pointer kSampleLost{"/lost"};
inline const Pointer kSampleLate{"/late"};
inline const Pointer kSampleCorrupt{"/corrupt"};
inline const Pointer kSampleTainted{"/tainted"};
inline const Pointer kSampleDamaged{"/damaged"};
inline const Pointer kSampleState{"/state"};
inline const Pointer kSampleTargetDelayMs{"/target_delay_ms"};
inline const Pointer kSampleDelayMs{"/delay_ms"};
inline const Pointer kSampleAudioBufferMs{"/audio_buffer_ms"};
inline const Pointer kSampleAudioConcealed{"/audio_concealed_samples"};
inline const Pointer kSampleAudioUnderruns{"/audio_underruns"};
inline const Pointer kSampleAvOffsetMs{"/av_offset_ms"};

// In one entry of "stalls.events".
inline const Pointer kStallStartMs{"/start_ms"};
inline const Pointer kStallDurationMs{"/duration_ms"};
inline const Pointer kStallCause{"/cause"};

// In one entry of "quality.per_frame".
inline const Pointer kFrameTMs{"/t_ms"};
inline const Pointer kFramePsnr{"/psnr"};

// In one entry of "snapshots".
inline const Pointer kSnapshotFile{"/file"};
inline const Pointer kSnapshotKind{"/kind"};
inline const Pointer kSnapshotTMs{"/t_ms"};
inline const Pointer kSnapshotPtsMs{"/pts_ms"};
inline const Pointer kSnapshotPsnr{"/psnr"};

}  // namespace metrics_keys

}  // namespace flowcast::client
