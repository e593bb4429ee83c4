#include "client/player.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <mutex>

namespace flowcast::client {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::atomic<bool> Player::stop_requested_{false};

namespace {
// Frames the decoder may run ahead of the renderer: enough to cover B-frame
// reordering, few enough that the receive buffer holds the rest.
constexpr size_t kRenderQueueFrames = 8;
// With nothing to show past a picture's stall check, yet no stall (see
// next_wake()), the loop looks again this often.
constexpr milliseconds kStallRecheck{10};

// The loop request_stop() wakes: the running Player's renderer.
std::mutex stop_mutex;
Renderer* stop_wakes = nullptr;

double ms_between(SteadyTime a, SteadyTime b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

uint64_t steady_now_us() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
          .count());
}
ReceiveBufferConfig buffer_config(const ClientOptions& o) {
  ReceiveBufferConfig c;
  c.capacity = o.buffer_max;
  c.policy = o.overflow;
  c.grow_max_bytes = o.grow_max.value_or(0);
  c.track_gaps = o.nack;
  return c;
}

// The options a run played with, as the metrics file's `config` block.
MetricsConfig metrics_config(const ClientOptions& options) {
  auto ms = [](auto duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
  };
  return {.buffer_ms = ms(options.buffer),
          .buffer_max_ms = ms(options.buffer_max),
          .rebuffer_ms = ms(options.rebuffer_or_default()),
          .overflow = options.overflow,
          .on_loss = options.on_loss,
          .host = options.host,
          .port = options.port};
}

}  // namespace

Player::Player(ClientOptions options, std::unique_ptr<Renderer> renderer, SteadyTime launched)
    : options_(std::move(options)),
      renderer_(std::move(renderer)),
      launched_(launched),
      path_(buffer_config(options_)),
      buffer_(path_.buffer()),
      policy_(PlayoutConfig{options_.buffer, options_.rebuffer_or_default()}, clock_),
      source_(options_, path_, launched),
      frames_(kRenderQueueFrames),
      decode_(options_, buffer_, policy_, frames_, [this] { source_.request_keyframe(); }),
      status_line_(stderr, isatty(fileno(stderr)) != 0, options_.quiet) {
  if (options_.quality.active()) quality_ = std::make_unique<QualityMeter>(options_.quality);
  // The render loop sleeps until a picture is due or one of these wakes it.
  frames_.on_ready([this] { renderer_->wake(); });
  source_.on_change([this] { renderer_->wake(); });
  {
    std::lock_guard lock(stop_mutex);
    stop_wakes = renderer_.get();
  }
  // A gap in the source, which the sender's reports show, is not a stall.
  source_.set_sender_clock(sender_clock_);
  policy_.set_sender_clock(&sender_clock_);
}

Player::~Player() {
  {
    std::lock_guard lock(stop_mutex);
    if (stop_wakes == renderer_.get()) stop_wakes = nullptr;
  }
  decode_.stop();
  source_.stop();
}

void Player::request_stop() {
  stop_requested_.store(true);
  std::lock_guard lock(stop_mutex);
  if (stop_wakes) stop_wakes->wake();
}

int Player::run() {
  if (quality_) quality_->start();
  source_.start();
  decode_.start();
  next_sample_ = launched_;
  last_sample_time_ = launched_;
  int code = 0;
  for (;;) {
    const auto now = Clock::now();
    note_edges(now);
    if (stop_requested_) {
      ended_by_ = EndedBy::signal;
      break;
    }
    const UserAction action = renderer_->poll();
    if (action == UserAction::quit) {
      ended_by_ = EndedBy::user;
      break;
    }
    if (action == UserAction::toggle_busy) {
      // The interactive --consumer-pause: the network is not read while held.
      reader_busy_ = !reader_busy_;
      source_.set_consumer_busy(reader_busy_);
    }
    if (options_.duration && now - launched_ >= *options_.duration) {
      ended_by_ = EndedBy::duration;
      break;
    }
    if (source_.status() == SourceStatus::failed && stats_.rendered == 0 && decode_.finished()) {
      ended_by_ = stream_ended_by();
      code = 1;
      break;
    }
    render_due_frames(now);
    detect_stall(now);
    if (now >= next_sample_) {
      sample_timeline(now);
      report_oversized();
    }
    if (frames_.drained()) {
      // Everything received was played out.
      ended_by_ = stream_ended_by();
      code = source_.status() == SourceStatus::failed ? 1 : 0;
      break;
    }
    renderer_->wait_until(next_wake(now));
  }
  finish(code);
  return code;
}

SteadyTime Player::next_wake(SteadyTime now) {
  // Besides this time, the events wake the loop (Renderer::wake): a picture
  // queued while none was, the render queue closing, the source's status or
  // first packet, a stop request, the user's input.
  SteadyTime wake = next_sample_;
  if (options_.duration) wake = std::min(wake, launched_ + *options_.duration);
  const bool queued = frames_.peek([&](const RenderFrame& f) {
    if (auto due = clock_.due(f.pts_90k)) wake = std::min(wake, std::max(now, *due));
  });
  if (queued || !last_pts_ || stream_end_seen_) return wake;
  // Nothing to show: a stall may begin once the next picture is a frame late.
  if (auto check = policy_.stall_check_time(*last_pts_, frame_interval_90k_))
    // Past that time and no stall: the buffer holds something playable (the
    // decoder is on it) or the sender's reports show it idle; no event tells
    // when that changes, so look again as often as the loop always did.
    wake = std::min(wake, *check > now ? *check : now + kStallRecheck);
  return wake;
}

void Player::note_edges(SteadyTime now) {
  if (!first_packet_ && path_.statistics().counters.received > 0) first_packet_ = now;
  const SourceStatus status = source_.status();
  if (!stream_end_seen_ && (status == SourceStatus::ended || status == SourceStatus::failed))
    stream_end_seen_ = now;
}

EndedBy Player::stream_ended_by() const {
  switch (source_.stream_end()) {
    case StreamEnd::bye:
      return EndedBy::bye;
    case StreamEnd::closed:
      return EndedBy::closed;
    case StreamEnd::silence:
      return EndedBy::silence;
    case StreamEnd::error:
    case StreamEnd::none:
      break;
  }
  return EndedBy::error;
}

SessionState Player::session_state(SteadyTime now) const {
  switch (clock_.state()) {
    case PlayState::starting:
      return options_.listen && !first_packet_ ? SessionState::waiting : SessionState::joining;
    case PlayState::stalled:
      return SessionState::rebuffering;
    case PlayState::ended:
      return SessionState::ended;
    case PlayState::playing:
      break;
  }
  // A gap between shown pictures as long as a W3C freeze, whatever its
  // cause: the freeze loss policy, a server skipping ahead, a slow decoder.
  return stats_.freezes.in_progress(now) ? SessionState::frozen : SessionState::playing;
}

void Player::render_due_frames(SteadyTime now) {
  for (;;) {
    std::optional<SteadyTime> due;
    bool have = frames_.peek([&](const RenderFrame& f) { due = clock_.due(f.pts_90k); });
    if (!have || !due || *due > now) return;
    auto f = frames_.try_pop();
    if (!f) return;
    if (last_pts_ && f->pts_90k > *last_pts_)
      frame_interval_90k_ = std::clamp<int64_t>(f->pts_90k - *last_pts_, 300, 90000);
    last_pts_ = f->pts_90k;
    if (f->skipped) {
      // The freeze policy: the last good picture stays on screen.
      ++skipped_;
      continue;
    }
    // Too late to show when the next one is already due as well. Once the
    // stream has ended nothing more is coming: the pictures the decoder held
    // until the end are all shown, not dropped.
    std::optional<SteadyTime> next_due;
    frames_.peek([&](const RenderFrame& n) { next_due = clock_.due(n.pts_90k); });
    if (next_due && *next_due <= now && !stream_end_seen_) {
      ++stats_.dropped_late;
      continue;
    }
    const bool corrupt = f->corrupt, tainted = f->tainted;
    const auto send_time = f->send_time_us;
    if (quality_)
      quality_->submit(f->frame, f->pts_90k, ms_between(launched_, now), corrupt, tainted);
    renderer_->write(std::move(*f));
    ++stats_.rendered;
    if (corrupt) ++stats_.corrupt;
    if (tainted) ++stats_.tainted;
    if (corrupt || tainted) ++stats_.damaged;
    last_damaged_ = corrupt || tainted;
    if (!stats_.first_picture) {
      stats_.first_picture = now;
      // --listen: the sender's start is the session's, not the listener's.
      stats_.startup_ms =
          ms_between(options_.listen && first_packet_ ? *first_packet_ : launched_, now);
    }
    if (send_time) {
      const uint64_t now_us = steady_now_us();
      if (now_us >= *send_time)
        stats_.latencies_ms.push_back(static_cast<double>(now_us - *send_time) / 1000.0);
    }
    stats_.freezes.on_rendered(now, stream_end_seen_);
  }
}

void Player::report_oversized() {
  if (oversized_reported_) return;
  const auto dc = decode_.counters();
  if (!dc.oversized_size) return;
  oversized_reported_ = true;
  const media::PictureLimit& limit = options_.max_picture;
  // Said once, on its own line: the status line is redrawn after it.
  std::fprintf(stderr,
               "%sflowcast-client: the stream's pictures are %s (%.1f Mpixel), larger than "
               "--max-picture %lldx%lld allows: not decoded (counted in frames.oversized; raise "
               "--max-picture to decode them)\n",
               isatty(fileno(stderr)) ? "\r\x1b[K" : "", dc.oversized_size->to_string().c_str(),
               static_cast<double>(dc.oversized_size->pixels()) / 1e6,
               static_cast<long long>(limit.width), static_cast<long long>(limit.height));
}

void Player::detect_stall(SteadyTime now) {
  if (clock_.state() != PlayState::playing || !last_pts_ || frames_.size() > 0) return;
  const auto b = buffer_.playout_view();
  // The decode thread waits on the buffer: a stall changes what it waits for.
  if (policy_.check_stall(now, *last_pts_, frame_interval_90k_, b.playable, b.end_of_stream))
    buffer_.wake();
}

void Player::sample_timeline(SteadyTime now) {
  next_sample_ += milliseconds(100);
  if (next_sample_ < now) next_sample_ = now + milliseconds(100);
  TimelineSample s;
  s.t_ms = ms_between(launched_, now);
  s.state = session_state(now);
  const auto b = buffer_.snapshot();
  const ReceiveCounters rc = path_.counters();
  s.buffer_ms = std::chrono::duration<double, std::milli>(b.buffered).count();
  s.buffer_bytes = b.bytes;
  s.lost = std::max<int64_t>(0, rc.cumulative_lost);
  const uint64_t bytes = rc.bytes;
  s.late = rc.late;
  s.buffer_ms += static_cast<double>(frames_.size()) * frame_interval_90k_ / 90.0;
  s.kernel_bytes = source_.counters().kernel_queued;
  double dt = ms_between(last_sample_time_, now);
  if (dt > 0) s.received_kbps = static_cast<double>(bytes - last_sample_bytes_) * 8.0 / dt;
  last_sample_bytes_ = bytes;
  last_sample_time_ = now;
  s.corrupt = stats_.corrupt;
  s.tainted = stats_.tainted;
  s.damaged = stats_.damaged;
  const PlaybackStatus status = status_snapshot(now, s);
  renderer_->set_status(status);
  status_line_.update(status, now);
  timeline_.push_back(std::move(s));
}

PlaybackStatus Player::status_snapshot(SteadyTime now, const TimelineSample& sample) {
  PlaybackStatus st;
  const PlayState state = clock_.state();
  st.state = session_state(now);
  if (st.state == SessionState::waiting) st.waiting_port = options_.port;
  st.damaged_now = st.state == SessionState::playing && last_damaged_;
  st.frozen_ms = st.state == SessionState::frozen ? stats_.freezes.since_last_ms(now) : 0;
  const double need_ms =
      std::chrono::duration<double, std::milli>(
          state == PlayState::starting ? options_.buffer : options_.rebuffer_or_default())
          .count();
  st.buffering_percent =
      need_ms > 0 ? static_cast<int>(std::clamp(sample.buffer_ms / need_ms * 100.0, 0.0, 100.0))
                  : 100;
  st.transport = to_string(options_.transport);
  st.overflow = to_string(options_.overflow);
  st.t_s = sample.t_ms / 1000.0;
  st.buffer_ms = sample.buffer_ms;
  st.buffer_bytes = sample.buffer_bytes;
  st.buffer_mark_ms = std::chrono::duration<double, std::milli>(options_.buffer).count();
  const auto b = buffer_.snapshot();
  {
    st.buffer_capacity_ms = std::chrono::duration<double, std::milli>(b.capacity).count();
    st.buffer_capacity_bytes = static_cast<uint64_t>(b.capacity_bytes);
    st.late = b.counters.late;
    st.dropped_buffer = b.counters.dropped_overflow;
  }
  const auto sc = source_.counters();
  st.kernel_bytes = sample.kernel_bytes;
  st.kernel_capacity_bytes = static_cast<uint64_t>(std::max(0, sc.rcvbuf_bytes));
  st.reader_busy = sc.reading_paused;
  st.dropped_kernel = sc.dropped_kernel;
  st.stalls = clock_.stalls().size();
  st.stall_ms = std::chrono::duration<double, std::milli>(clock_.stall_time(now)).count();
  st.freezes = stats_.freezes.count();
  st.freeze_ms = stats_.freezes.total_ms();
  st.lost = sample.lost;
  st.received = path_.counters().received;
  st.rendered = stats_.rendered;
  st.corrupt = stats_.corrupt;
  st.tainted = stats_.tainted;
  st.damaged = stats_.damaged;
  st.dropped_late = stats_.dropped_late;
  if (!stats_.latencies_ms.empty()) {
    // The recent frames' latency, not the whole run's.
    const size_t n = std::min<size_t>(stats_.latencies_ms.size(), 30);
    std::vector<double> recent(stats_.latencies_ms.end() - static_cast<long>(n),
                               stats_.latencies_ms.end());
    st.latency_ms = summarize_latency(std::move(recent)).p50;
  }
  st.received_kbps = sample.received_kbps;
  if (quality_)
    if (auto psnr = quality_->recent_psnr()) st.psnr_db = *psnr;
  return st;
}

MetricsDocument Player::metrics() const {
  const auto now = ended_at_;
  const auto b = buffer_.snapshot();
  const ReceiveCounters rc = path_.counters();
  const auto sc = source_.counters();
  const auto dc = decode_.counters();
  auto ms = [](auto duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
  };
  MetricsDocument m;
  m.transport = options_.transport;
  // RTSP's auto settles on UDP or TCP; the metrics name the one used.
  if (options_.rtsp)
    m.transport = source_.transport_name() == std::string("udp") ? Transport::udp : Transport::tcp;
  m.config = metrics_config(options_);
  m.duration_ms = ms_between(launched_, now);
  SessionRecord record;
  record.launched = launched_;
  record.finished = now;
  record.first_picture = stats_.first_picture;
  // --listen: joining begins with the sender; without one it never did.
  if (options_.listen) record.joining_from = first_packet_.value_or(now);
  const auto stalls = clock_.stalls();  // closed at the end of the run
  for (const auto& ev : stalls) record.stalls.push_back({ev.start, ev.start + ev.duration});
  record.play_time = clock_.play_time(now);
  for (const auto& [from, to] : stats_.freezes.freezes()) record.freezes.push_back({from, to});
  record.stream_end_seen = stream_end_seen_;
  record.ended_by = ended_by_;
  record.protocol = options_.listen ? "listen" : options_.rtsp ? "rtsp" : "flowcast";
  const SessionOutcome outcome = account_session(record);
  m.session = outcome.session;
  m.startup_ms = outcome.startup_ms;
  for (size_t i : outcome.counted_stalls)
    m.stalls.events.push_back({.start_ms = ms_between(launched_, stalls[i].start),
                               .duration_ms = ms(stalls[i].duration),
                               .cause = stalls[i].cause});
  m.stalls.count = m.stalls.events.size();
  m.stalls.total_ms = outcome.stall_ms;
  m.rebuffering_ratio = outcome.rebuffering_ratio;
  m.freezes = {.count = stats_.freezes.count(), .total_ms = stats_.freezes.total_ms()};
  m.packets = {.received = rc.received,
               .lost = std::max<int64_t>(0, rc.cumulative_lost),
               .late = rc.late,
               .duplicate = rc.duplicate,
               .reordered = rc.reordered,
               .dropped_overflow = rc.dropped_overflow,
               .dropped_kernel = sc.dropped_kernel,
               .recovered = rc.recovered,
               .foreign_payload_type = sc.foreign_payload_type,
               .foreign_ssrc = sc.foreign_ssrc,
               .malformed = sc.malformed,
               .plis_sent = sc.plis_sent,
               .nacks_sent = sc.nacks_sent,
               .padding = sc.padding,
               .nonconformant = decode_.nonconformant_packets(),
               .sequence_resyncs = rc.sequence_resyncs,
               .timestamp_jumps = rc.timestamp_jumps,
               .ssrc_changes = sc.ssrc_changes};
  const PictureTally& pt = b.pictures;
  // Pictures of which nothing came are counted from timestamp gaps; no
  // more of them than packets went missing (a sender's pause is no loss).
  const uint64_t missing = std::min<uint64_t>(
      pt.missing, static_cast<uint64_t>(std::max<int64_t>(0, rc.cumulative_lost)));
  m.frames = {.decoded = dc.decoded,
              .rendered = stats_.rendered,
              .dropped_late = stats_.dropped_late,
              .corrupt = dc.corrupt,
              .tainted = stats_.tainted,
              .skipped = skipped_,
              .oversized = dc.oversized,
              .incomplete_access_units = dc.incomplete_access_units,
              .unrecovered = dc.unrecovered,
              .damaged = stats_.damaged,
              .rendered_corrupt = stats_.corrupt,
              .sent = pt.seen + missing,
              .rendered_clean = stats_.rendered - stats_.damaged,
              .dropped_buffer = pt.dropped,
              .lost = pt.late + missing,
              .undecodable = dc.undecodable + dc.oversized + dc.unrecovered,
              .pending = pt.pending + dc.held + left_in_render_queue_,
              .decode_order_timestamps = dc.decode_order_timestamps};
  m.frames.accounted = conservation_sum(m.frames);
  m.buffer = {.capacity_bytes = b.capacity_bytes,
              .capacity_ms = ms(b.capacity),
              .peak_bytes = rc.peak_bytes,
              .peak_ms = rc.peak_ms,
              .grow_events = rc.grow_events};
  m.kernel = {.rcvbuf_bytes = sc.rcvbuf_bytes, .peak_queued_bytes = sc.peak_kernel_queued};
  m.latency_ms = summarize_latency(stats_.latencies_ms);
  if (quality_) {
    m.quality = quality_->quality();
    m.snapshots = quality_->snapshot_records();
    // Named from the metrics file's folder, so the file and its pictures
    // are read together from any directory (flowcast-report does).
    if (options_.metrics_path) {
      namespace fs = std::filesystem;
      std::error_code ec;
      const fs::path folder = fs::absolute(fs::path(*options_.metrics_path), ec).parent_path();
      for (auto& snap : m.snapshots) {
        const fs::path relative = fs::absolute(snap.file, ec).lexically_relative(folder);
        if (!ec && !relative.empty()) snap.file = relative.string();
      }
    }
  }
  m.timeline = timeline_;
  return m;
}

namespace {

// --report: the run as a self-contained HTML page.
void write_report(const ClientOptions& options, const nlohmann::json& metrics) {
  std::string label = to_string(options.transport);
  label += options.listen ? " listening on port " : " ";
  if (!options.listen) {
    label += options.host;
    label += ':';
  }
  label += std::to_string(options.port);
  std::string error = validate_metrics_for_report(metrics);
  if (error.empty()) {
    // Snapshot paths in the metrics are relative to the metrics file's
    // folder, or without --metrics to the current directory.
    const std::string base =
        options.metrics_path
            ? std::filesystem::absolute(*options.metrics_path).parent_path().string()
            : std::string();
    const std::string html =
        render_report_html({ReportRun{label, metrics, base, ""}}, "flowcast-client: " + label);
    if (write_file_atomic(*options.report_path, html, error)) return;
  }
  std::fprintf(stderr, "flowcast-client: report %s not written: %s\n", options.report_path->c_str(),
               error.c_str());
}

// --metrics and --report, from the same document.
void write_metrics_and_report(const ClientOptions& options, const MetricsDocument& document) {
  const nlohmann::json metrics = document;
  std::string error;
  if (options.metrics_path &&
      !write_file_atomic(*options.metrics_path, metrics.dump(2) + "\n", error))
    std::fprintf(stderr, "flowcast-client: %s\n", error.c_str());
  if (options.report_path) write_report(options, metrics);
}

}  // namespace

void Player::finish(int code) {
  ended_at_ = Clock::now();
  clock_.end(ended_at_);
  source_.stop();
  decode_.stop();
  // Pictures decoded but never shown: the session ended first. A picture the
  // decode thread finished as the queue closed was discarded, not queued.
  left_in_render_queue_ = frames_.size() + frames_.discarded();
  if (quality_) quality_->finish();
  std::string error;
  if (options_.quality.frames_path &&
      !quality_->write_frames_csv(*options_.quality.frames_path, error))
    std::fprintf(stderr, "flowcast-client: %s\n", error.c_str());
  if (options_.framemd5_path &&
      !write_file_atomic(*options_.framemd5_path, media::framemd5_text(decode_.digests()), error))
    std::fprintf(stderr, "flowcast-client: %s\n", error.c_str());
  if (options_.timeline_path && !write_timeline_csv(*options_.timeline_path, timeline_, error))
    std::fprintf(stderr, "flowcast-client: %s\n", error.c_str());
  const MetricsDocument document = metrics();
  write_metrics_and_report(options_, document);
  if (source_.status() == SourceStatus::failed)
    std::fprintf(stderr, "flowcast-client: %s\n", source_.error().c_str());
  status_line_.finish();
  if (!options_.quiet) std::fprintf(stderr, "%s", format_summary(document).c_str());
  (void)code;
}

int fail_before_playback(const ClientOptions& options, SteadyTime launched,
                         const std::string& error) {
  const SteadyTime failed = Clock::now();
  auto ms = [](auto duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
  };
  MetricsDocument m;
  // RTSP's auto would have tried UDP first.
  m.transport = options.transport == Transport::automatic ? Transport::udp : options.transport;
  m.config = metrics_config(options);
  m.duration_ms = ms_between(launched, failed);
  SessionRecord record;
  record.launched = launched;
  record.finished = failed;
  record.stream_end_seen = failed;
  record.ended_by = EndedBy::error;
  record.protocol = options.listen ? "listen" : options.rtsp ? "rtsp" : "flowcast";
  const SessionOutcome outcome = account_session(record);
  m.session = outcome.session;
  m.startup_ms = outcome.startup_ms;
  m.rebuffering_ratio = outcome.rebuffering_ratio;
  m.buffer.capacity_ms = ms(options.buffer_max);
  // The session's one state, joining, at its two ends: a timeline the report
  // can draw, however soon the failure came.
  for (double t : {0.0, m.duration_ms}) {
    TimelineSample sample;
    sample.t_ms = t;
    sample.state = SessionState::joining;
    m.timeline.push_back(sample);
  }
  std::string write_error;
  if (options.timeline_path && !write_timeline_csv(*options.timeline_path, m.timeline, write_error))
    std::fprintf(stderr, "flowcast-client: %s\n", write_error.c_str());
  if (options.framemd5_path &&
      !write_file_atomic(*options.framemd5_path, media::framemd5_text({}), write_error))
    std::fprintf(stderr, "flowcast-client: %s\n", write_error.c_str());
  if (options.quality.frames_path &&
      !write_file_atomic(*options.quality.frames_path, std::string(QualityMeter::kFramesCsvHeader),
                         write_error))
    std::fprintf(stderr, "flowcast-client: %s\n", write_error.c_str());
  write_metrics_and_report(options, m);
  std::fprintf(stderr, "flowcast-client: %s\n", error.c_str());
  if (!options.quiet) std::fprintf(stderr, "%s", format_summary(m).c_str());
  return 1;
}

}  // namespace flowcast::client
