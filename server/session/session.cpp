#include "server/session/session.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "common/rtp/receiver_statistics.hpp"
#include "common/rtp/rtcp.hpp"

namespace flowcast::server {

using Clock = std::chrono::steady_clock;

namespace {
// RFC 7022 §4.2: a random CNAME, 96 bits as hex, new per session.
std::string new_cname() {
  std::random_device rd;
  char text[32];
  std::snprintf(text, sizeof text, "%08x%08x%08x", rd(), rd(), rd());
  return text;
}

// The link a session emulates: over TCP, loss delays and a full queue blocks.
common::LinkConfig link_for(common::LinkConfig link, Transport transport) {
  link.reliable = transport == Transport::tcp;
  return link;
}
}  // namespace

Session::Session(asio::io_context& io, SessionHost& host, SessionSource source, uint64_t id,
                 std::shared_ptr<SessionTransport> transport)
    : host_(host),
      source_(std::move(source)),
      transport_(std::move(transport)),
      traits_(transport_->traits()),
      pacer_(source_.pacing),
      cname_(new_cname()),
      started_(Clock::now()),
      pace_timer_(io),
      report_timer_(io),
      delivery_(io, link_for(source_.link, traits_.kind), *this),
      feedback_(io, *this) {
  if (source_.streams.empty()) source_.streams.emplace_back();
  streams_.reserve(source_.streams.size());
  for (const auto& spec : source_.streams)
    streams_.push_back({RtpSender(spec.payload_type, spec.clock_rate, spec.marker_starts_talkspurt),
                        {},
                        spec.enabled});
  stats_.id = id;
  stats_.transport = traits_.kind;
  stats_.protocol = traits_.protocol;
}

void Session::begin() {
  transport_->pipe(*this);
  transport_->on_drain([this] { on_transport_drain(); });
  transport_->start(*this);
  // A client that never sends RTCP holds a --max-clients slot: after
  // kFeedbackTimeout it is let go.
  if (traits_.watch_silence) feedback_.watch();
  stats_.peer = peer();
  started_ = Clock::now();
  feedback_.restart(started_);
  if (traits_.sender_reports) {
    // The description before the first media packet: the client knows the
    // audio when it comes.
    if (describe_next()) send_sender_report();
    schedule_sender_report();
  }
  if (source_.file) {
    file_ = open_file(0);
    timeline_.restart(Clock::now());
    pump();
  } else {
    // Join at a keyframe, and do not make the new viewer wait a whole GOP.
    host_.request_keyframe(KeyframeLimiter::Reason::join);
  }
}

std::unique_ptr<FileReader> Session::open_file(int64_t start_90k) {
  // A transcoding worker wakes the session through the network thread;
  // a session gone by then is not woken.
  return source_.file(start_90k, [ex = pace_timer_.get_executor(), weak = weak_from_this()] {
    asio::post(ex, [weak] {
      if (auto self = weak.lock()) self->pump();
    });
  });
}

std::optional<double> Session::seek(double npt_s) {
  if (!source_.file || ended_ || closing_) return std::nullopt;
  const auto start_90k = static_cast<int64_t>(std::llround(std::max(0.0, npt_s) * 90000));
  auto reader = open_file(start_90k);  // throws before anything changes
  const int64_t at = reader->start_90k();
  pace_timer_.cancel();
  file_ = std::move(reader);
  // The next frame sent continues the session's timeline.
  seek_shift_90k_ = next_pts_90k_ ? *next_pts_90k_ - at : 0;
  next_.reset();
  timeline_.restart(Clock::now());
  end_pts_90k_.reset();
  waiting_drain_ = false;
  at_end_ = false;
  bye_sent_ = false;
  if (!paused_) {
    paused_ = true;
    paused_at_ = Clock::now();
  }
  // Reports start again (at the end they stopped); a running timer restarts.
  if (traits_.sender_reports) schedule_sender_report();
  pump();  // reads ahead; paused, it sends nothing yet
  return static_cast<double>(at) / 90000.0;
}

double Session::position_s() const {
  if (!source_.file) return 0;
  int64_t pts = 0;
  if (next_)
    pts = next_->pts_90k;
  else if (next_pts_90k_)
    pts = *next_pts_90k_;
  else
    return file_ ? static_cast<double>(file_->start_90k()) / 90000.0 : 0;
  return static_cast<double>(std::max<int64_t>(0, pts - seek_shift_90k_)) / 90000.0;
}

std::optional<double> Session::duration_s() const {
  if (!file_ || file_->duration_90k() <= 0) return std::nullopt;
  return static_cast<double>(file_->duration_90k()) / 90000.0;
}

void Session::pump() {
  if (ended_ || closing_) return;
  for (;;) {
    if (!next_) {
      auto read = file_->next();
      stats_.timestamp_discontinuities = file_->discontinuities();
      if (read.pending) return;  // the transcoding worker calls pump() again
      if (!read.error.empty()) {
        stop("read error: " + read.error);
        return;
      }
      if (!read.frame) {
        end_of_stream();
        return;
      }
      next_ = std::move(read.frame);
      next_->pts_90k += seek_shift_90k_;
      next_->dts_90k += seek_shift_90k_;
      timeline_.anchor(next_->dts_90k, Clock::now());
    }
    if (paused_) return;  // resume() goes on
    const auto due = timeline_.due(next_->dts_90k);
    if (due > Clock::now()) {
      pace_timer_.expires_at(due);
      pace_timer_.async_wait([this, self = shared_from_this()](const asio::error_code& ec) {
        if (!ec) pump();
      });
      return;
    }
    // Backpressure: the file waits, nothing is dropped.
    if (wait_if_held_back(&Session::pump)) return;
    if (stream_enabled(next_->stream)) {
      // The end is that of what is sent: a track not set up does not hold
      // the BYE back past the last picture.
      const int64_t end = next_->pts_90k + next_->duration_90k;
      end_pts_90k_ = end_pts_90k_ ? std::max(*end_pts_90k_, end) : end;
      auto packetized = packetize_frame(*next_, source_.mtu, file_->format(next_->stream));
      next_.reset();
      send_frame(packetized);
    } else {
      next_.reset();  // a track not set up (RTSP) is read and not sent
    }
  }
}

void Session::on_transport_drain() {
  transport_full_ = false;
  note_held(false);
  if (!waiting_drain_) return;
  waiting_drain_ = false;
  if (paused_) return;  // resume() goes on
  if (!source_.file) {
    pump_live();
    return;
  }
  // The file paused: it resumes at its own rate instead of bursting.
  if (next_ && timeline_.anchored()) timeline_.held_until(next_->dts_90k, Clock::now());
  pump();
}

void Session::note_held(bool held) {
  auto now = Clock::now();
  if (held && !held_since_) {
    held_since_ = now;
  } else if (!held && held_since_) {
    stats_.held_back_ms += std::chrono::duration<double, std::milli>(now - *held_since_).count();
    held_since_.reset();
  }
}

void Session::pause() {
  if (paused_ || ended_) return;
  paused_ = true;
  paused_at_ = Clock::now();
  if (source_.file) {
    pace_timer_.cancel();
  } else {
    backlog_.reset();
  }
}

void Session::resume() {
  if (!paused_ || ended_) return;
  paused_ = false;
  if (source_.file) {
    timeline_.paused_from(paused_at_, Clock::now());
    waiting_drain_ = false;
    if (file_) pump();
  } else {
    host_.request_keyframe(KeyframeLimiter::Reason::join);
  }
}

uint32_t Session::next_rtp_timestamp(size_t stream) const {
  const RtpSender& rtp = streams_.at(stream).rtp;
  if (next_) return rtp.timestamp_for(next_->pts_90k);
  return rtp.timestamp_for(next_pts_90k_.value_or(0));
}

void Session::enable_stream(size_t stream) {
  if (stream < streams_.size()) streams_[stream].enabled = true;
}

void Session::on_live_frame(const std::shared_ptr<const PacketizedFrame>& frame) {
  if (ended_ || closing_ || source_.file) return;
  if (frame->stream == 0) next_pts_90k_ = frame->pts_90k;
  if (paused_) return;
  const auto offered = backlog_.offer(frame, host_.overloaded());
  if (offered.skipped_overload) {
    ++stats_.frames_skipped_overload;
    host_.frame_skipped();
  }
  if (!offered.taken) return;
  stats_.frames_dropped_queue += offered.frames_dropped;
  stats_.packets_dropped_queue += offered.packets_dropped;
  if (offered.wants_keyframe) host_.request_keyframe(KeyframeLimiter::Reason::join);
  pump_live();
}

void Session::pump_live() {
  while (!backlog_.empty() && !ended_ && !closing_) {
    if (wait_if_held_back(&Session::pump_live)) return;
    auto frame = backlog_.pop();
    live_anchor_.emplace(Clock::now(), frame->dts_90k);
    send_frame(frame);
  }
}

bool Session::wait_if_held_back(void (Session::*resume)()) {
  if (transport_full_) {
    // The transport refused a write: its drain resumes.
    note_held(true);
    waiting_drain_ = true;
    return true;
  }
  if (auto room = delivery_.blocked_until(source_.mtu, Clock::now())) {
    // The emulated bottleneck is full (TCP): resume when it has room.
    note_held(true);
    pace_timer_.expires_at(*room);
    pace_timer_.async_wait([this, resume, self = shared_from_this()](const asio::error_code& ec) {
      if (!ec) (this->*resume)();
    });
    return true;
  }
  note_held(false);
  return false;
}

void Session::send_frame(const std::shared_ptr<const PacketizedFrame>& shared) {
  const PacketizedFrame& frame = *shared;
  if (!stream_enabled(frame.stream)) return;
  const size_t stream = frame.stream;
  OutgoingStream& out = streams_[stream];
  // The metrics' frames are the video's pictures, and the session's
  // position (RTSP Range, RTP-Info) is the video's.
  if (stream == 0) {
    ++stats_.frames_sent;
    next_pts_90k_ = frame.pts_90k + frame.duration_90k;
  }
  // A frame starts where the last one's bursts end, if they are still
  // waiting (a live frame that came early): never before them, so RTP
  // sequence order is send order.
  const auto now = std::max(Clock::now(), delivery_.last_offer());
  const auto now_us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count());
  // Padding is wasted on an emulated link, which takes packets one by one.
  const bool pad = transport_->segments_bursts() && !source_.link.active();
  out.rtp.send(shared, now_us, pacer_.schedule(frame.payloads.size(), frame.duration_90k), pad,
               [&](OutboundPacket&& packet, const common::RtpHeader& header, size_t index) {
                 out.history.remember(shared, index, header, packet.size());
                 const uint64_t send_us = header.send_time_us.value_or(now_us);
                 packet.on_stream(stream);
                 route(std::move(packet), now + std::chrono::microseconds(send_us - now_us));
               });
  delivery_.flush();
}

void Session::send_burst(std::span<OutboundPacket> packets) {
  const SessionTransport::Sent sent = transport_->write_burst(packets);
  if (sent.past_mark) transport_full_ = true;
  note_queue();
  host_.sent(sent.bytes);
  stats_.packets_sent += sent.packets;
  stats_.bytes_sent += sent.bytes;
  stats_.packets_dropped_queue += packets.size() - sent.packets;
}

void Session::send_now(OutboundPacket&& packet) {
  if (!transport_->write(std::move(packet))) transport_full_ = true;
  note_queue();
}

void Session::note_queue() {
  stats_.peak_queue_bytes = std::max<uint64_t>(stats_.peak_queue_bytes, transport_->queued_bytes());
}

void Session::route(OutboundPacket&& packet, Clock::time_point offer_at) {
  delivery_.route(std::move(packet), offer_at);
  stats_.link = delivery_.counters();
}

void Session::send_rtcp(std::vector<uint8_t>&& packet, size_t stream) {
  delivery_.control(std::move(OutboundPacket(std::move(packet)).on_stream(stream)), Clock::now());
  stats_.link = delivery_.counters();
}

std::optional<int64_t> Session::media_clock_90k(Clock::time_point now) const {
  if (source_.file) {
    if (!timeline_.anchored()) return std::nullopt;
    // While held back, the file's timeline stands still (the drain moves
    // it by the time it was held).
    auto at = waiting_drain_ && held_since_ ? std::min(now, *held_since_) : now;
    if (paused_) at = std::min(at, paused_at_);  // and while paused (resume() moves it)
    const int64_t clock = timeline_.time_at(at);
    // Never past a frame not sent yet (held back by the emulated link, or
    // late): the client reads a report that arrives behind every packet it
    // counts as "nothing more was sent up to here" (SenderClock). Every
    // unsent picture is presented at or after the next one's decode time.
    return next_ ? std::min(clock, next_->dts_90k) : clock;
  }
  if (!live_anchor_) return std::nullopt;
  const int64_t clock =
      live_anchor_->second +
      std::chrono::duration_cast<std::chrono::microseconds>(now - live_anchor_->first).count() * 9 /
          100;
  return backlog_.empty() ? clock : std::min(clock, backlog_.front().dts_90k);
}

void Session::on_bye() {
  closing_ = true;
  finished("client left");
}

void Session::on_silence() {
  const std::string reason = "no RTCP from the client for 5 s";
  // A viewer whose reports were lost on the way is told it was let go.
  if (traits_.bye_on_silence) send_bye(reason);
  transport_->abort(reason);
}

void Session::on_kernel_evidence(const KernelEvidence& evidence) {
  stats_.rwnd_limited_ms = evidence.rwnd_limited_ms;
  stats_.sndbuf_limited_ms = evidence.sndbuf_limited_ms;
  stats_.peak_kernel_unsent_bytes =
      std::max(stats_.peak_kernel_unsent_bytes, evidence.unsent_bytes);
  note_queue();
}

void Session::end_of_stream() {
  // The last picture is held for its duration: the file ends at its end
  // time, not when its last frame is sent.
  if (timeline_.anchored() && end_pts_90k_) {
    const auto end = timeline_.due(*end_pts_90k_);
    if (end > Clock::now()) {
      // A pause cancels the wait; resume() reads the end again and waits anew.
      pace_timer_.expires_at(end);
      pace_timer_.async_wait([this, self = shared_from_this()](const asio::error_code& ec) {
        if (!ec) media_ended();
      });
      return;
    }
  }
  media_ended();
}

void Session::media_ended() {
  if (!source_.hold_at_end) {
    stop("end of stream");
    return;
  }
  // The file is over, the session is not: the BYE says so (behind every
  // packet still crossing the link), and a PLAY may start it again.
  at_end_ = true;
  paused_ = true;
  paused_at_ = Clock::now();
  pace_timer_.cancel();
  report_timer_.cancel();
  delivery_.after_crossing([this] {
    if (!at_end_ || bye_sent_ || ended_ || closing_) return;
    bye_sent_ = true;
    send_bye("");
  });
}

SessionStats Session::stats_now() const {
  SessionStats s = stats_;
  if (!ended_)
    s.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
  return s;
}

void Session::stop(const std::string& reason) {
  if (ended_ || closing_) return;
  closing_ = true;
  stats_.end_reason = reason;
  pace_timer_.cancel();
  report_timer_.cancel();
  // The BYE goes out behind every packet still crossing the link.
  delivery_.after_crossing([this] { finish_stop(); });
}

void Session::finish_stop() {
  if (!bye_sent_) send_bye("");
  bye_sent_ = true;
  transport_->end();
}

void Session::finished(const std::string& reason) {
  if (ended_) return;
  ended_ = true;
  closing_ = true;
  if (stats_.end_reason.empty()) stats_.end_reason = reason;
  note_held(false);
  pace_timer_.cancel();
  report_timer_.cancel();
  delivery_.close();
  feedback_.close();
  transport_->release();
  stats_.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
  host_.session_ended(shared_from_this());
}

}  // namespace flowcast::server
