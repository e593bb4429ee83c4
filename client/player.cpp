#include "client/player.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace flowcast::client {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::atomic<bool> Player::stop_requested_{false};

namespace {
// With nothing to show past a picture's stall check, yet no stall (see
// next_wake()), the loop looks again this often.
constexpr milliseconds kStallRecheck{10};

// The loop request_stop() wakes: the running Player's renderer.
std::mutex stop_mutex;
Renderer* stop_wakes = nullptr;

double ms(std::chrono::microseconds duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

// This process's CPU time, user and system, in ms (getrusage(2)).
double process_cpu_ms() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  const auto to_ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return to_ms(usage.ru_utime) + to_ms(usage.ru_stime);
}

SourceOptions source_options(const ClientOptions& o) {
  return {.payload_type = o.payload_type(),
          .payload_format = o.payload_format,
          .nack = o.nack,
          .consumer_pause = o.consumer_pause,
          .describes_in_band = o.audio_in_band()};
}

DecodeOptions decode_options(const ClientOptions& o) {
  return {.payload_format = o.payload_format,
          .parameter_sets = o.sdp_parameter_sets(),
          .on_loss = o.on_loss,
          .keep_digests = o.framemd5_path.has_value(),
          .max_picture = o.max_picture};
}

ReceiveBufferConfig buffer_config(const ClientOptions& o) {
  ReceiveBufferConfig c;
  c.capacity = o.buffer_max;
  c.policy = o.overflow;
  c.grow_max_bytes = o.grow_max.value_or(0);
  c.track_gaps = o.nack;
  return c;
}

PlayoutDelayConfig delay_config(const ClientOptions& o) {
  PlayoutDelayConfig c;
  c.adaptive = o.buffer_adaptive;
  c.fixed = o.buffer;
  c.floor = PlayoutDelay::kAdaptiveFloor;
  c.ceiling = o.buffer_max;
  return c;
}

}  // namespace

Player::Player(ClientOptions options, std::unique_ptr<Renderer> renderer, SteadyTime launched)
    : options_(std::move(options)),
      renderer_(std::move(renderer)),
      path_(buffer_config(options_)),
      delay_(delay_config(options_), clock_),
      policy_(PlayoutConfig{options_.buffer, options_.rebuffer_or_default()}, clock_),
      source_(source_options(options_), path_, launched,
              [this](asio::io_context& io) { return make_transport(options_, io); }),
      quality_(options_.quality.active() ? std::make_unique<QualityMeter>(options_.quality)
                                         : nullptr),
      render_(*renderer_, clock_, quality_.get(), launched),
      decode_(decode_options(options_), path_.buffer(), policy_, render_.queue(),
              [this] { source_.request_keyframe(); }),
      av_sync_(!options_.buffer_adaptive),
      status_line_(stderr, isatty(fileno(stderr)) != 0, options_.quiet),
      timeline_(launched) {
  if (const AudioStreamOptions* audio = options_.audio()) open_audio(*audio);
  facts_.config = metrics_config(options_);
  facts_.transport = options_.transport;
  facts_.protocol = session_protocol(options_);
  facts_.listen = options_.listen.has_value();
  facts_.launched = launched;
  facts_.metrics_path = options_.metrics_path;
  // A gap in the source, which the sender's reports show, is not a stall.
  source_.set_sender_clock(sender_clock_);
  policy_.set_sender_clock(&sender_clock_);
  policy_.set_playout_delay(&delay_);
  // The render loop sleeps until a picture is due or one of these wakes it.
  render_.queue().on_ready([this] { renderer_->wake(); });
  source_.on_change([this] { renderer_->wake(); });
  std::lock_guard lock(stop_mutex);
  stop_wakes = renderer_.get();
}

bool Player::open_audio(const AudioStreamOptions& audio) {
  if (audio.payload_type == options_.payload_type()) {
    // Its packets could not be told from the video's by payload type.
    std::fprintf(stderr,
                 "flowcast-client: the sound has the video's payload type (%u); video only\n",
                 static_cast<unsigned>(audio.payload_type));
    return false;
  }
  try {
    audio_ = std::make_unique<AudioPlayback>(
        audio, AudioPlaybackConfig{
                   .buffer = buffer_config(options_),
                   .playout = PlayoutConfig{options_.buffer, options_.rebuffer_or_default()},
                   .headless = options_.headless});
    source_.add_audio(audio.payload_type, audio_->path());
    // A fixed buffer's video clock follows the sound's (lip sync below).
    if (av_sync_.video_follows()) delay_.follow_other_clock();
    // A gap in the sound that its sender's reports show is not a stall.
    if (const StreamReceiver* receiver = source_.audio())
      audio_->set_sender_clock(&receiver->sender_clock());
    // Lip sync: each picture shown is measured against the sound heard,
    // and the video's clock follows the audio's.
    render_.on_shown([this](int64_t pts, SteadyTime when) {
      const auto shift =
          av_sync_.on_shown(pts, when, source_.video_sync_point(), source_.audio()->sync_point(),
                            audio_->stage().media_time_at(when), render_.frame_interval_90k());
      if (!shift) return;
      if (av_sync_.video_follows())
        clock_.shift(*shift);
      else
        audio_->stage().retime(-*shift);
    });
    // The beep-and-flash test: the flash as shown, against the beep as heard.
    render_.on_picture(
        [this](const AVFrame& picture, SteadyTime when) { beep_flash_.on_picture(picture, when); });
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flowcast-client: the %s sound cannot be played (%s); video only\n",
                 std::string(audio.format ? audio.format->display_name : "").c_str(), e.what());
    audio_.reset();
    return false;
  }
}

Player::~Player() {
  {
    std::lock_guard lock(stop_mutex);
    if (stop_wakes == renderer_.get()) stop_wakes = nullptr;
  }
  decode_.stop();
  source_.stop();
  if (audio_) audio_->stop();
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
  if (audio_) audio_->start();
  std::optional<int> code;
  for (;;) {
    const auto now = Clock::now();
    code = step(now);
    if (code) break;
    renderer_->wait_until(next_wake(now));
  }
  finish();
  return *code;
}

std::optional<int> Player::step(SteadyTime now) {
  note_edges(now);
  // Over flowcast's own TCP and UDP the audio is known once the sender has
  // described the session in band (the source's on_change woke the loop).
  if (!audio_)
    if (auto described = source_.take_described_audio(); described && open_audio(*described))
      audio_->start();
  if (stop_requested_) {
    facts_.ended_by = EndedBy::signal;
    return 0;
  }
  const UserAction action = renderer_->poll();
  if (action == UserAction::quit) {
    facts_.ended_by = EndedBy::user;
    return 0;
  }
  if (action == UserAction::toggle_mute && audio_) audio_->stage().mute(!audio_->stage().muted());
  if (action == UserAction::toggle_busy) {
    // The interactive --consumer-pause: the network is not read while held.
    reader_busy_ = !reader_busy_;
    source_.set_consumer_busy(reader_busy_);
  }
  if (options_.duration && now - facts_.launched >= *options_.duration) {
    facts_.ended_by = EndedBy::duration;
    return 0;
  }
  if (source_.status() == SourceStatus::failed && render_.stats().rendered == 0 &&
      decode_.finished()) {
    facts_.ended_by = stream_ended_by();
    return 1;
  }
  render_.show_due(now, facts_.stream_end_seen, startup_from());
  detect_stall(now);
  if (audio_) {
    audio_->check_stall(now);
    // The audio is the master clock: the video's, the session's, waits out
    // its stalls.
    const auto view = path_.buffer().playout_view();
    const bool video_has_media = render_.queue().size() > 0 || view.playable;
    // A full video buffer cannot wait out the audio's stall: under block the
    // source would stop reading, for the sound too, and nothing would come
    // back. The video goes on (AvSync aligns it after), and this audio stall
    // does not hold it again.
    const size_t audio_stall = audio_->clock().stall_count();
    if (view.full && clock_.held()) let_go_audio_stall_ = audio_stall;
    const bool let_go = let_go_audio_stall_ == audio_stall;
    const bool nothing_to_wait_for = audio_->ended() || audio_->sender_idle(now) || let_go;
    if (follow_audio_stalls(clock_, audio_->clock(), now, nothing_to_wait_for, video_has_media))
      path_.buffer().wake();
  }
  if (now >= timeline_.next()) {
    sample_timeline(now);
    report_oversized();
  }
  if (render_.queue().drained()) {
    // Everything received was played out.
    facts_.ended_by = stream_ended_by();
    return source_.status() == SourceStatus::failed ? 1 : 0;
  }
  return std::nullopt;
}

SteadyTime Player::next_wake(SteadyTime now) {
  // Besides this time, the events wake the loop (Renderer::wake): a picture
  // queued while none was, the render queue closing, the source's status or
  // first packet, a stop request, the user's input.
  SteadyTime wake = timeline_.next();
  if (options_.duration) wake = std::min(wake, facts_.launched + *options_.duration);
  if (audio_)
    if (auto check = audio_->next_check(now)) wake = std::min(wake, *check);
  if (auto due = render_.next_due()) return std::min(wake, std::max(now, *due));
  const auto last_pts = render_.last_pts();
  if (render_.queue().size() > 0 || !last_pts || facts_.stream_end_seen) return wake;
  // Nothing to show: a stall may begin once the next picture is a frame late.
  if (auto check = policy_.stall_check_time(*last_pts, render_.frame_interval_90k()))
    // Past that time and no stall: the buffer holds something playable (the
    // decoder is on it) or the sender's reports show it idle; no event tells
    // when that changes, so look again as often as the loop always did.
    wake = std::min(wake, *check > now ? *check : now + kStallRecheck);
  return wake;
}

void Player::note_edges(SteadyTime now) {
  if (!facts_.first_packet && path_.statistics().counters.received > 0) facts_.first_packet = now;
  const SourceStatus status = source_.status();
  if (!facts_.stream_end_seen && (status == SourceStatus::ended || status == SourceStatus::failed))
    facts_.stream_end_seen = now;
}

SteadyTime Player::startup_from() const {
  // --listen: the sender's start is the session's, not the listener's.
  return options_.listen && facts_.first_packet ? *facts_.first_packet : facts_.launched;
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
      return options_.listen && !facts_.first_packet ? SessionState::waiting
                                                     : SessionState::joining;
    case PlayState::stalled:
      return SessionState::rebuffering;
    case PlayState::ended:
      return SessionState::ended;
    case PlayState::playing:
      break;
  }
  // A gap between shown pictures as long as a W3C freeze, whatever its
  // cause: the freeze loss policy, a server skipping ahead, a slow decoder.
  return render_.stats().freezes.in_progress(now) ? SessionState::frozen : SessionState::playing;
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
  const auto last_pts = render_.last_pts();
  if (clock_.state() != PlayState::playing || !last_pts || render_.queue().size() > 0) return;
  const auto b = path_.buffer().playout_view();
  // The decode thread waits on the buffer: a stall changes what it waits for.
  if (policy_.check_stall(now, *last_pts, render_.frame_interval_90k(), b.playable,
                          b.end_of_stream))
    path_.buffer().wake();
}

void Player::sample_timeline(SteadyTime now) {
  const ReceiveCounters rc = path_.counters();
  TimelineSample s = timeline_.begin(now, rc.bytes);
  s.state = session_state(now);
  const auto b = path_.buffer().snapshot();
  // The media held counts the pictures decoded and not yet shown too.
  s.buffer_ms = ms(b.buffered) + static_cast<double>(render_.queue().size()) *
                                     static_cast<double>(render_.frame_interval_90k()) / 90.0;
  s.buffer_bytes = b.bytes;
  s.lost = std::max<int64_t>(0, rc.cumulative_lost);
  s.late = rc.late;
  s.kernel_bytes = source_.counters().kernel_queued;
  const RenderStats& rs = render_.stats();
  s.corrupt = rs.corrupt;
  s.tainted = rs.tainted;
  s.damaged = rs.damaged;
  const auto delay = delay_.readings();
  s.target_delay_ms = delay.target_ms;
  s.delay_ms = delay.actual_ms;
  if (audio_) {
    const AudioCounters ac = audio_->stage().counters();
    s.audio_buffer_ms = audio_->buffered_ms();
    s.audio_concealed_samples = ac.concealed_samples;
    s.audio_underruns = ac.underruns.count;
    s.av_offset_ms = av_sync_.take_interval_offset_ms();
  }
  const PlaybackStatus status = status_snapshot(now, s);
  renderer_->set_status(status);
  status_line_.update(status, now);
  timeline_.add(std::move(s));
}

PlaybackStatus Player::status_snapshot(SteadyTime now, const TimelineSample& sample) {
  PlaybackStatus st;
  const RenderStats& rs = render_.stats();
  st.state = sample.state;
  if (st.state == SessionState::waiting) st.waiting_port = options_.port;
  st.damaged_now = st.state == SessionState::playing && render_.last_damaged();
  st.frozen_ms = st.state == SessionState::frozen ? rs.freezes.since_last_ms(now) : 0;
  const double need_ms =
      ms(clock_.state() == PlayState::starting ? options_.buffer : options_.rebuffer_or_default());
  // A stall the audio holds fills with the sound.
  const double held_ms = clock_.held() && sample.audio_buffer_ms
                             ? std::min(sample.buffer_ms, *sample.audio_buffer_ms)
                             : sample.buffer_ms;
  st.buffering_percent =
      need_ms > 0 ? static_cast<int>(std::clamp(held_ms / need_ms * 100.0, 0.0, 100.0)) : 100;
  st.transport = to_string(options_.transport);
  st.overflow = to_string(options_.overflow);
  st.t_s = sample.t_ms / 1000.0;
  st.buffer_ms = sample.buffer_ms;
  st.buffer_bytes = sample.buffer_bytes;
  // --buffer adaptive: the mark follows the delay's target.
  st.buffer_mark_ms = options_.buffer_adaptive ? sample.target_delay_ms : ms(options_.buffer);
  const auto b = path_.buffer().snapshot();
  st.buffer_capacity_ms = ms(b.capacity);
  st.buffer_capacity_bytes = static_cast<uint64_t>(b.capacity_bytes);
  st.late = b.counters.late;
  st.dropped_buffer = b.counters.dropped_overflow;
  const auto sc = source_.counters();
  st.kernel_bytes = sample.kernel_bytes;
  st.kernel_capacity_bytes = static_cast<uint64_t>(std::max(0, sc.rcvbuf_bytes));
  st.reader_busy = sc.reading_paused;
  st.dropped_kernel = sc.dropped_kernel;
  st.stalls = clock_.stalls().size();
  st.stall_ms = ms(clock_.stall_time(now));
  st.freezes = rs.freezes.count();
  st.freeze_ms = rs.freezes.total_ms();
  st.lost = sample.lost;
  st.received = path_.counters().received;
  st.rendered = rs.rendered;
  st.corrupt = rs.corrupt;
  st.tainted = rs.tainted;
  st.damaged = rs.damaged;
  st.dropped_late = rs.dropped_late;
  if (!rs.latencies_ms.empty()) {
    // The recent frames' latency, not the whole run's.
    const size_t n = std::min<size_t>(rs.latencies_ms.size(), 30);
    std::vector<double> recent(rs.latencies_ms.end() - static_cast<long>(n), rs.latencies_ms.end());
    st.latency_ms = summarize_latency(std::move(recent)).p50;
  }
  st.received_kbps = sample.received_kbps;
  if (quality_)
    if (auto psnr = quality_->recent_psnr()) st.psnr_db = *psnr;
  if (audio_) {
    st.audio = true;
    st.av_offset_ms = av_sync_.last_offset_ms();
    st.audio_level = audio_->stage().counters().level.rms;
    st.muted = audio_->stage().muted();
  }
  return st;
}

MetricsDocument Player::metrics() const {
  SessionFacts facts = facts_;
  // RTSP's auto settles on UDP or TCP; the metrics name the one used.
  if (options_.rtsp) facts.transport = source_.carrier();
  const PartReadings parts{.buffer = path_.buffer().snapshot(),
                           .receive = path_.counters(),
                           .source = source_.counters(),
                           .decode = decode_.counters(),
                           .nonconformant = decode_.nonconformant_packets(),
                           .render = render_.stats(),
                           .skipped = render_.skipped(),
                           .left_in_render_queue = render_.left_in_queue(),
                           .stalls = clock_.stalls(),
                           .play_time = clock_.play_time(facts.finished),
                           .cpu_ms = process_cpu_ms(),
                           .delay = delay_.readings()};
  MetricsDocument document = assemble_metrics(facts, parts, quality_.get(), timeline_.samples());
  if (audio_) {
    document.audio = audio_->figures(facts.finished);
    document.av_sync = av_sync_.figures();
    beep_flash_.fill(audio_->stage().beeps_heard(), *document.av_sync);
  }
  return document;
}

void Player::finish() {
  facts_.finished = Clock::now();
  clock_.end(facts_.finished);
  source_.stop();
  decode_.stop();
  if (audio_) audio_->stop();
  if (quality_) quality_->finish();
  std::string error;
  if (options_.quality.frames_path &&
      !quality_->write_frames_csv(*options_.quality.frames_path, error))
    std::fprintf(stderr, "flowcast-client: %s\n", error.c_str());
  if (options_.framemd5_path &&
      !write_file_atomic(*options_.framemd5_path, media::framemd5_text(decode_.digests()), error))
    std::fprintf(stderr, "flowcast-client: %s\n", error.c_str());
  if (options_.timeline_path &&
      !write_timeline_csv(*options_.timeline_path, timeline_.samples(), error))
    std::fprintf(stderr, "flowcast-client: %s\n", error.c_str());
  const MetricsDocument document = metrics();
  write_metrics_and_report(options_, document);
  if (source_.status() == SourceStatus::failed)
    std::fprintf(stderr, "flowcast-client: %s\n", source_.error().c_str());
  status_line_.finish();
  if (!options_.quiet) std::fprintf(stderr, "%s", format_summary(document).c_str());
}

}  // namespace flowcast::client
