#pragma once
// The whole client: NetworkSource -> ReceivePath (receiver statistics, then
// the ReceiveBuffer) -> DecodeStage -> render queue -> Renderer, timed by one
// PlayoutClock. One media stream: one ReceivePath. run() is the render loop and
// runs on the main thread; it returns the process exit code and writes the
// metrics file on every path out.
#include <atomic>
#include <memory>

#include "client/client_options.hpp"
#include "client/decode/decode_stage.hpp"
#include "client/metrics/client_metrics.hpp"
#include "client/metrics/quality_meter.hpp"
#include "client/metrics/session_accounting.hpp"
#include "client/playout/playout_clock.hpp"
#include "client/playout/playout_policy.hpp"
#include "client/playout/receive_path.hpp"
#include "client/render/renderer.hpp"
#include "client/render/status_line.hpp"
#include "client/report/report.hpp"
#include "client/transport/network_source.hpp"

namespace flowcast::client {

class Player {
 public:
  // launched: when the process started (startup_ms counts from there).
  Player(ClientOptions options, std::unique_ptr<Renderer> renderer, SteadyTime launched);
  ~Player();

  // Plays until the stream ends (0), --duration passes (0), the user quits
  // (0), a stop is requested (0), or the network fails (1).
  int run();
  // Asks the running Player (or the next) to stop, and wakes its render
  // loop. Any thread, but not a signal handler: main.cpp takes SIGINT and
  // SIGTERM on a thread of its own.
  static void request_stop();

  // The metrics file's content; after run() has returned.
  MetricsDocument metrics() const;

 private:
  // When the loop must look again by itself: the next picture due, the next
  // timeline sample, --duration, the next stall check.
  SteadyTime next_wake(SteadyTime now);
  void render_due_frames(SteadyTime now);
  void detect_stall(SteadyTime now);
  // Says once that the stream's pictures exceed --max-picture.
  void report_oversized();
  void sample_timeline(SteadyTime now);
  PlaybackStatus status_snapshot(SteadyTime now, const TimelineSample& sample);
  // Notes the session's edges once the loop sees them: the first packet, the
  // stream's end.
  void note_edges(SteadyTime now);
  // What ended the stream, from the source (once it ended or failed).
  EndedBy stream_ended_by() const;
  // The session's state word: JOINING, WAITING, PLAYING, REBUFFERING,
  // FROZEN, ENDED (DESIGN.md "Sessions and their states").
  SessionState session_state(SteadyTime now) const;
  void finish(int code);

  ClientOptions options_;
  std::unique_ptr<Renderer> renderer_;
  SteadyTime launched_;
  ReceivePath path_;       // the video stream's statistics and jitter buffer
  ReceiveBuffer& buffer_;  // path_'s
  PlayoutClock clock_;
  SenderClock sender_clock_;  // what the sender's reports say; read by policy_
  PlayoutPolicy policy_;
  NetworkSource source_;
  common::BoundedQueue<RenderFrame> frames_;
  DecodeStage decode_;
  RenderStats stats_;
  std::unique_ptr<QualityMeter> quality_;  // --reference, --snapshot, --frames
  uint64_t skipped_ = 0;
  uint64_t left_in_render_queue_ = 0;  // decoded, not shown: the session ended first
  bool reader_busy_ = false;           // `b` holds the network reader
  bool oversized_reported_ = false;
  StatusLine status_line_;
  std::vector<TimelineSample> timeline_;
  std::optional<int64_t> last_pts_;
  int64_t frame_interval_90k_ = 3000;
  SteadyTime next_sample_;
  uint64_t last_sample_bytes_ = 0;
  SteadyTime last_sample_time_;
  SteadyTime ended_at_;
  EndedBy ended_by_ = EndedBy::error;
  std::optional<SteadyTime> first_packet_;     // --listen: when the sender began
  std::optional<SteadyTime> stream_end_seen_;  // when the loop saw the stream end
  bool last_damaged_ = false;                  // the last picture shown was damaged
  static std::atomic<bool> stop_requested_;
};

// A session that failed before its pipeline could be built (RTSP's DESCRIBE:
// no server, the connection refused, 401, 404, 503, an SDP flowcast cannot
// play): says `error`, writes the files the options ask for (--metrics,
// --report, --timeline, --framemd5, --frames; DESIGN.md "The metrics file":
// every exit path writes them) as a video start failure ended by an error,
// and prints the summary. Returns the exit code, 1. Main thread.
int fail_before_playback(const ClientOptions& options, SteadyTime launched,
                         const std::string& error);

}  // namespace flowcast::client
