#pragma once
// The whole client: NetworkSource -> ReceivePath (receiver statistics, then
// the ReceiveBuffer) -> DecodeStage -> RenderStage (render queue ->
// Renderer), timed by one PlayoutClock; with an audio stream, its own
// ReceivePath, clock and output beside it (AudioPlayback), the master: the
// video's clock waits out the audio's stalls (stall_follower.hpp).
// run() is the render loop and runs on the main thread; it returns the
// process exit code and writes the session's files on every path out
// (session_files.hpp; the metrics from player_metrics.hpp).
#include <atomic>
#include <memory>
#include <optional>

#include "client/audio/audio_playback.hpp"
#include "client/audio/av_sync.hpp"
#include "client/audio/beep_flash.hpp"
#include "client/audio/stall_follower.hpp"
#include "client/client_options.hpp"
#include "client/decode/decode_stage.hpp"
#include "client/metrics/client_metrics.hpp"
#include "client/metrics/quality_meter.hpp"
#include "client/player_metrics.hpp"
#include "client/playout/adaptive_playout.hpp"
#include "client/playout/playout_clock.hpp"
#include "client/playout/playout_policy.hpp"
#include "client/playout/receive_path.hpp"
#include "client/render/render_stage.hpp"
#include "client/render/renderer.hpp"
#include "client/render/status_line.hpp"
#include "client/session_files.hpp"
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
  // One pass of the render loop at `now`: the exit code once the session is
  // over, nullopt to go on.
  std::optional<int> step(SteadyTime now);
  // When the loop must look again by itself: the next picture due, the next
  // timeline sample, --duration, the next stall check.
  SteadyTime next_wake(SteadyTime now);
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
  // What the first picture's startup counts from: the launch, or with
  // --listen the sender's first packet.
  SteadyTime startup_from() const;
  void finish();
  // Builds the audio's playback for `audio`, routes its packets to it and
  // measures lip sync against it; false (said on stderr, audio_ left empty)
  // when it cannot be played. In the constructor (an SDP's audio) or, for
  // an audio described in band, on the render thread while the loop runs.
  bool open_audio(const AudioStreamOptions& audio);

  ClientOptions options_;
  std::unique_ptr<Renderer> renderer_;
  ReceivePath path_;  // the video stream's statistics and jitter buffer
  PlayoutClock clock_;
  // The playout delay (fixed or adaptive) and the W3C jitter-buffer counters.
  AdaptivePlayout delay_;
  SenderClock sender_clock_;  // what the sender's reports say; read by policy_
  PlayoutPolicy policy_;
  NetworkSource source_;
  std::unique_ptr<QualityMeter> quality_;  // --reference, --snapshot, --frames
  RenderStage render_;
  DecodeStage decode_;
  // The audio stream, when the session has one the client can play (render
  // thread; from the start, or once described in band).
  std::unique_ptr<AudioPlayback> audio_;
  AvSync av_sync_;             // render thread: the A/V offset, the video kept on the audio
  BeepFlashMeter beep_flash_;  // render thread: the pattern's flashes as shown
  StatusLine status_line_;
  TimelineRecorder timeline_;
  // The session's edges and settings, as the loop sees them: the metrics'.
  SessionFacts facts_;
  bool reader_busy_ = false;  // `b` holds the network reader
  // The audio stall (its number, PlayoutClock::stall_count) whose hold on
  // the video a full video buffer ended.
  std::optional<size_t> let_go_audio_stall_;
  bool oversized_reported_ = false;
  static std::atomic<bool> stop_requested_;
};

}  // namespace flowcast::client
