#include "client/transport/network_source.hpp"

#include <pthread.h>

#include <algorithm>
#include <random>

#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::client {

using Clock = std::chrono::steady_clock;
namespace {
constexpr auto kReportInterval = std::chrono::milliseconds(500);
constexpr auto kSampleInterval = std::chrono::milliseconds(50);
}  // namespace

NetworkSource::NetworkSource(SourceOptions options, ReceivePath& path, SteadyTime launched,
                             const TransportMaker& make)
    : options_(std::move(options)),
      path_(path),
      launched_(launched),
      transport_(make(io_)),
      bye_timer_(io_),
      report_timer_(io_),
      sample_timer_(io_),
      pause_timer_(io_),
      payload_type_(options_.payload_type) {
  std::random_device rd;
  own_ssrc_ = static_cast<uint32_t>(rd());
  pipe(path);
  transport_->pipe_receiver(*this);
  path.on_drain([this] {
    asio::post(io_, [this] {
      buffer_blocked_ = false;
      apply_reading();
    });
  });
}

NetworkSource::~NetworkSource() {
  stop();
}

std::string NetworkSource::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

std::optional<SyncPoint> NetworkSource::video_sync_point() const {
  std::lock_guard lock(mutex_);
  return video_sync_;
}

void NetworkSource::add_audio(uint8_t payload_type, ReceivePath& path) {
  if (audio_owned_) return;
  audio_owned_ = std::make_unique<StreamReceiver>(payload_type, path);
  StreamReceiver* receiver = audio_owned_.get();
  audio_view_.store(receiver);
  path.on_drain([this] {
    asio::post(io_, [this] {
      audio_blocked_ = false;
      apply_reading();
    });
  });
  asio::post(io_, [this, receiver] {
    audio_ = receiver;
    // A stream that ended before is over for the audio too.
    if (status_ == SourceStatus::ended || status_ == SourceStatus::failed) audio_->path().end();
  });
}

void NetworkSource::on_audio_rtp(const common::RtpView& rtp, size_t wire) {
  last_heard_ = Clock::now();
  if (!audio_->on_rtp(rtp, wire, last_heard_) && !audio_blocked_) {
    // Its buffer is full (block): one connection carries both streams, so
    // the video waits too (head-of-line).
    audio_blocked_ = true;
    apply_reading();
  }
}

SourceCounters NetworkSource::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void NetworkSource::start() {
  asio::post(io_, [this] { transport_->start(*this); });
  schedule_consumer_pause();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "fc-network");  // for top -H, /proc/PID/task
    io_.run();
  });
}

void NetworkSource::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    stopped_ = true;
    // A best-effort goodbye: the sender also times out.
    if (status_ == SourceStatus::streaming && transport_->traits().sends_feedback) {
      std::vector<uint8_t> bye;
      common::write_bye(common::Goodbye{{own_ssrc_}}, bye);
      transport_->write(std::move(bye));
    }
    transport_->close();
    io_.stop();
  });
  thread_.join();
}

void NetworkSource::request_keyframe() {
  asio::post(io_, [this] {
    if (status_ != SourceStatus::streaming || !media_ssrc_ || !transport_->traits().sends_feedback)
      return;
    std::vector<uint8_t> pli;
    common::write_pli(common::PictureLossIndication{own_ssrc_, *media_ssrc_}, pli);
    transport_->write(std::move(pli));
    count([](SourceCounters& c) { ++c.plis_sent; });
  });
}

void NetworkSource::set_consumer_busy(bool busy) {
  asio::post(io_, [this, busy] {
    consumer_busy_ = busy;
    apply_reading();
  });
}

void NetworkSource::schedule_consumer_pause() {
  if (!options_.consumer_pause) return;
  const auto at = launched_ + options_.consumer_pause->at;
  const auto until = at + options_.consumer_pause->duration;
  pause_timer_.expires_at(at);
  pause_timer_.async_wait([this, until](const asio::error_code& e) {
    if (e) return;
    consumer_busy_ = true;
    apply_reading();
    pause_timer_.expires_at(until);
    pause_timer_.async_wait([this](const asio::error_code& e2) {
      if (e2) return;
      consumer_busy_ = false;
      apply_reading();
    });
  });
}

void NetworkSource::apply_reading() {
  if (stopped_ || status_ != SourceStatus::streaming) return;
  const bool reading = reading_allowed();
  // Silence while we were not reading is ours, not the sender's.
  if (reading) last_heard_ = std::max(last_heard_, Clock::now() - std::chrono::seconds(1));
  // So is a gap between packets: the sender's quiet counts from here, and
  // what waited in the kernel is not a new sender's chance to take over.
  if (reading && !reading_ && last_gap_packet_) last_gap_packet_ = Clock::now();
  reading_ = reading;
  if (!reading && sender_clock_) sender_clock_->on_not_reading(Clock::now());
  if (!reading && audio_) audio_->on_not_reading(Clock::now());
  // Stopping takes effect at the transport's next write(), which says so.
  if (reading) emit_drain();
}

void NetworkSource::fail(const std::string& message) {
  if (stopped_ || status_ == SourceStatus::failed || status_ == SourceStatus::ended) return;
  {
    std::lock_guard lock(mutex_);
    if (error_.empty()) error_ = message;
  }
  if (stream_end_ == StreamEnd::none) stream_end_ = StreamEnd::error;
  status_ = SourceStatus::failed;
  transport_->close();
  bye_timer_.cancel();
  report_timer_.cancel();
  sample_timer_.cancel();
  end_downstream();
  if (audio_) audio_->path().end();
  changed();
}

void NetworkSource::finish_stream() {
  if (status_ == SourceStatus::failed || status_ == SourceStatus::ended) return;
  if (stream_end_ == StreamEnd::none) stream_end_ = bye_seen_ ? StreamEnd::bye : StreamEnd::silence;
  status_ = SourceStatus::ended;
  bye_timer_.cancel();
  report_timer_.cancel();
  end_downstream();
  if (audio_) audio_->path().end();
  changed();
}

void NetworkSource::changed() {
  if (changed_) changed_();
}

void NetworkSource::on_connected(int rcvbuf_bytes) {
  count([&](SourceCounters& c) { c.rcvbuf_bytes = rcvbuf_bytes; });
  status_ = SourceStatus::streaming;
  changed();
  last_heard_ = Clock::now();
  last_media_ = last_heard_;
  schedule_report();
  schedule_sampling();
  apply_reading();
}

void NetworkSource::on_failed(const std::string& message) {
  fail(message);
}

void NetworkSource::end() {
  if (bye_seen_) {
    finish_stream();
  } else {
    if (status_ == SourceStatus::streaming) stream_end_ = StreamEnd::closed;
    fail("the server closed the connection without ending the stream");
  }
}

void NetworkSource::on_stray() {
  count([](SourceCounters& c) { ++c.malformed; });
}

void NetworkSource::on_kernel_drops(uint32_t total) {
  count([&](SourceCounters& c) { c.dropped_kernel = total; });
}

void NetworkSource::on_read_done() {
  send_nacks();
  if (transport_->traits().sample_after_read) sample_kernel();
}

bool NetworkSource::write(ReceivedDatagram packet) {
  if (status_ != SourceStatus::streaming) return true;
  if (common::is_rtcp(packet))
    on_rtcp(packet);
  else
    on_rtp(packet);
  return reading_;
}

void NetworkSource::on_rtcp(std::span<const uint8_t> packet) {
  auto rtcp = common::parse_rtcp(packet);
  if (!rtcp) {
    on_stray();
    return;
  }
  count([](SourceCounters& c) { ++c.rtcp_received; });
  last_heard_ = Clock::now();
  if (options_.describes_in_band) on_apps(*rtcp);
  for (const auto& sr : rtcp->sender_reports) {
    on_sender_report(sr, Clock::now());
    if (audio_) audio_->on_sender_report(sr, Clock::now());
  }
  const TransportTraits& traits = transport_->traits();
  for (const auto& bye : rtcp->byes) {
    if (audio_) audio_->on_bye(bye.ssrcs);
    // The BYE of a new SSRC that could be followed: it is the sender now,
    // and what it sent plays before its end.
    if (candidate_ &&
        std::find(bye.ssrcs.begin(), bye.ssrcs.end(), candidate_->ssrc) != bye.ssrcs.end() &&
        candidate_followable(Clock::now()))
      follow_candidate(Clock::now());
    // Only the sender we play can end the stream; before any media, a peer
    // we connected to may (one behind an open port may not).
    const bool ours =
        media_ssrc_ ? std::find(bye.ssrcs.begin(), bye.ssrcs.end(), *media_ssrc_) != bye.ssrcs.end()
                    : traits.sends_feedback;
    if (!ours || bye_seen_) continue;
    if (!media_ssrc_ && !bye.reason.empty()) {
      // Refused before any media, with the server's reason (RFC 3550 §6.6),
      // shown without the control characters a peer could put in it.
      std::string reason = bye.reason;
      for (char& c : reason)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
      fail("the server ended the session before any media: " + reason);
      return;
    }
    bye_seen_ = true;
    if (!traits.bye_grace) return;  // the peer closing the connection ends it
    if (traits.bye_grace->count() == 0) {
      finish_stream();
      return;
    }
    bye_timer_.expires_after(*traits.bye_grace);
    bye_timer_.async_wait([this](const asio::error_code& e) {
      if (!e) finish_stream();
    });
  }
}

void NetworkSource::on_rtp(std::span<const uint8_t> packet) {
  auto rtp = common::parse_rtp(packet);
  if (!rtp) {
    on_stray();
    return;
  }
  const bool our_type = rtp->header.payload_type == payload_type_;
  if (audio_ && rtp->header.payload_type == audio_->payload_type() && !our_type &&
      (!media_ssrc_ || rtp->header.ssrc != *media_ssrc_)) {
    on_audio_rtp(*rtp, packet.size());
    return;
  }
  if (!media_ssrc_ && our_type) media_ssrc_ = rtp->header.ssrc;
  if (!media_ssrc_ || rtp->header.ssrc != *media_ssrc_) {
    if (!our_type) {
      count([](SourceCounters& c) { ++c.foreign_payload_type; });
      return;
    }
    if (!consider_switch(rtp->header.ssrc, rtp->header.sequence, packet, rtp->payload)) {
      count([](SourceCounters& c) { ++c.foreign_ssrc; });
      return;
    }
  }
  last_heard_ = Clock::now();
  if (!replaying_) note_media_gap(last_heard_);
  last_media_ = last_heard_;
  if (our_type && !rtp->payload.empty()) last_media_ts_ = rtp->header.timestamp;
  if (sender_clock_) sender_clock_->on_media(last_heard_);
  ReceivedPacket p;
  p.sequence = rtp->header.sequence;
  p.timestamp = rtp->header.timestamp;
  p.marker = rtp->header.marker;
  p.arrival = last_heard_;
  p.wire_bytes = packet.size();
  if (!our_type || rtp->payload.empty()) {
    // Of our sender, but nothing of the stream: it only takes its number.
    p.filler = true;
    count([&](SourceCounters& c) { our_type ? ++c.padding : ++c.foreign_payload_type; });
  } else {
    p.payload.assign(rtp->payload.begin(), rtp->payload.end());
    p.send_time_us = rtp->header.send_time_us;
  }
  deliver(std::move(p));
  if (!early_reports_.empty()) {
    const std::vector<EarlyReport> early = std::move(early_reports_);
    early_reports_.clear();
    // For the receiver reports' LSR/DLSR and the sync point only: the
    // sender clock knows media came after them.
    for (const EarlyReport& e : early) on_sender_report(e.report, e.arrival, false);
  }
}

void NetworkSource::deliver(ReceivedPacket packet) {
  // false: the buffer is full (block). The transport finishes this read,
  // then stops reading until it drains: the kernel holds the rest.
  if (!push(std::move(packet)) && !buffer_blocked_) {
    buffer_blocked_ = true;
    apply_reading();
  }
  if (!delivered_) {
    delivered_ = true;
    changed();
  }
}

bool NetworkSource::opens_keyframe(std::span<const uint8_t> payload) const {
  // flowcast-server's own TCP and UDP name no payload format: the stream's
  // first keyframe tells it, as it does the depacketizer.
  if (const media::PayloadFormat* format = options_.payload_format)
    return format->opens_keyframe && format->opens_keyframe(payload);
  return media::detect_payload_format(payload) != nullptr;
}

void NetworkSource::on_sender_report(const common::SenderReport& report, SteadyTime now,
                                     bool to_sender_clock) {
  if (!media_ssrc_) {
    // A sender's first report may come before its first packet (ffmpeg
    // sends it so): kept until the stream has a timeline to place it on.
    keep_early_report(early_reports_, {report, now});
    return;
  }
  if (report.sender_ssrc != *media_ssrc_) return;
  path_.on_sender_report(report.ntp_time, now);
  {
    std::lock_guard lock(mutex_);
    video_sync_ =
        next_sync_point(video_sync_, path_.timeline_of(report.rtp_time), report.ntp_time, now);
  }
  if (!to_sender_clock || !sender_clock_ || !last_media_ts_) return;
  // RFC 3550 A.3: expected = extended highest sequence - first + 1, which is
  // what arrived plus what is lost. The report's count wraps modulo 2^32.
  const auto statistics = path_.statistics();
  const auto expected = static_cast<uint32_t>(statistics.counters.expected());
  const bool all_received = static_cast<int32_t>(report.packet_count - expected) <= 0;
  // On the buffer's timeline, which follows the sender's discontinuities.
  const int64_t media_ts = path_.timeline_of(report.rtp_time);
  sender_clock_->on_sender_report(now, media_ts, all_received);
}

void NetworkSource::send_nacks() {
  if (!options_.nack || !media_ssrc_ || status_ != SourceStatus::streaming ||
      !transport_->traits().sends_feedback)
    return;
  auto gaps = path_.buffer().take_new_gaps(Clock::now());
  if (gaps.empty()) return;
  std::vector<uint8_t> packet;
  common::write_nack(common::GenericNack{own_ssrc_, *media_ssrc_, std::move(gaps)}, packet);
  transport_->write(std::move(packet));
  count([](SourceCounters& c) { ++c.nacks_sent; });
}

void NetworkSource::schedule_sampling() {
  sample_timer_.expires_after(kSampleInterval);
  sample_timer_.async_wait([this](const asio::error_code& e) {
    if (e || status_ != SourceStatus::streaming) return;
    sample_kernel();
    schedule_sampling();
  });
}

void NetworkSource::sample_kernel() {
  const KernelQueue q = transport_->sample_kernel();
  count([&](SourceCounters& c) {
    c.rcvbuf_bytes = std::max(c.rcvbuf_bytes, q.rcvbuf_bytes);
    c.kernel_queued = q.queued;
    c.peak_kernel_queued = std::max(c.peak_kernel_queued, q.queued);
    c.reading_paused = !reading_allowed();
  });
}

void NetworkSource::schedule_report() {
  report_timer_.expires_after(kReportInterval);
  report_timer_.async_wait([this](const asio::error_code& e) {
    if (e || status_ != SourceStatus::streaming) return;
    const TransportTraits& traits = transport_->traits();
    // Silence counts while we read, and, where silence is the end, only once
    // media began.
    const bool listening = reading_allowed() && (!traits.silence_is_end || media_ssrc_);
    if (traits.silence && listening && Clock::now() - last_heard_ > *traits.silence) {
      if (!bye_seen_) stream_end_ = StreamEnd::silence;
      if (bye_seen_ || traits.silence_is_end)
        finish_stream();
      else
        fail("the server is gone: no packet from " + transport_->where() + " for " +
             std::to_string(traits.silence->count()) + " s over " + to_string(traits.carrier));
      return;
    }
    if (traits.sends_feedback) send_receiver_report();
    schedule_report();
  });
}

void NetworkSource::send_receiver_report() {
  common::ReceiverReport rr;
  rr.sender_ssrc = own_ssrc_;
  if (media_ssrc_) {
    if (auto block = path_.report_block(*media_ssrc_, Clock::now())) rr.blocks.push_back(*block);
  }
  if (audio_)
    if (auto block = audio_->report_block(Clock::now())) rr.blocks.push_back(*block);
  std::vector<uint8_t> packet;
  common::write_receiver_report(rr, packet);
  transport_->write(std::move(packet));
}

}  // namespace flowcast::client
