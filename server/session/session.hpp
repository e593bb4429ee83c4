#pragma once
// One client's stream, whatever the transport. A session either plays a file
// from its start, paced by the file's timestamps (like ffmpeg -re), or relays
// the shared live frames. It writes its packets to a SessionTransport (a
// Duplex: write() refuses past the transport's high-water mark, and drain
// says when to go on), is piped the client's RTCP from it (the Session is,
// privately, a Writable of received RTCP), and hears the rest through the
// transport's Events: the session is composed, never subclassed.
//
// Threads: everything runs on the server's network thread (the io_context),
// except the transcoding of a file that is not H.264, which the session's
// FileReader does on its own worker and hands over through that thread.
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/netem/link_emulator.hpp"
#include "media/source/file_source.hpp"
#include "server/session/feedback_handler.hpp"
#include "server/session/link_delivery.hpp"
#include "server/session/live_backlog.hpp"
#include "server/session/pacer.hpp"
#include "server/session/playback_timeline.hpp"
#include "server/session/retransmission_history.hpp"
#include "server/session/rtp_sender.hpp"
#include "server/session/session_stats.hpp"
#include "server/session/session_transport.hpp"
#include "server/source/file_reader.hpp"
#include "server/source/keyframe_limiter.hpp"

namespace flowcast::server {

class Session;

// What a session needs from the server that owns it.
class SessionHost {
 public:
  virtual ~SessionHost() = default;
  // The live source's next frame should be a keyframe: a viewer joins (or
  // skipped ahead and waits for one), or sent a PLI. Rate-limited.
  virtual void request_keyframe(KeyframeLimiter::Reason reason) = 0;
  // Called once when the session has ended and sent its last byte.
  virtual void session_ended(const std::shared_ptr<Session>& session) = 0;
  // The server cannot keep up (LoadMonitor::overloaded): live sessions skip
  // to the next keyframe.
  virtual bool overloaded() const = 0;
  // A session skipped a live frame because the server was overloaded.
  virtual void frame_skipped() = 0;
  // A session handed `bytes` to its transport.
  virtual void sent(uint64_t bytes) = 0;
};

// One media stream a session sends: its RTP payload type and clock (as the
// source's SDP says), and whether it is sent (an RTSP client sets up each
// track it wants; --push sends stream k to PORT + 2k).
struct SessionStreamSpec {
  uint8_t payload_type = 96;
  uint32_t clock_rate = 90000;  // ticks a second
  bool enabled = true;
  // The marker on the stream's first packet only (PayloadFormat's
  // marker_starts_talkspurt), not on each frame's last.
  bool marker_starts_talkspurt = false;
};

// Where a session's frames come from, and how they leave.
struct SessionSource {
  // The source's media streams, in SDP order (0: the video). Empty: one
  // video stream, payload type 96, 90 kHz. A frame of a stream past the
  // list, or not enabled, is not sent.
  std::vector<SessionStreamSpec> streams;
  // The session's file: opens a reader of its own from the keyframe at or
  // before `start_90k` (MediaSource::open_reader of a per-session source).
  // Empty for a live source: the session takes the frames the server hands
  // it.
  std::function<std::unique_ptr<FileReader>(int64_t start_90k, std::function<void()> wake)> file;
  size_t mtu = 1200;
  Pacing pacing = Pacing::smooth;
  common::LinkConfig link;  // the transport's kind sets link.reliable
  // At the end of a file, send the BYE and wait (paused, at_end()) for a
  // PLAY that starts it again or for the end of the session, instead of
  // ending: an RTSP session lasts until TEARDOWN or its timeout (RFC 2326
  // §A.2), as live555's and GStreamer's servers keep it.
  bool hold_at_end = false;
  // The session's SDP (RFC 8866; media::write_sdp of every stream, as
  // DESCRIBE and --sdp write it), sent in band where the transport asks for
  // it (Traits::describes_in_band) and there is more than one stream. Empty:
  // not known yet (a live source before its first keyframe), or one stream.
  std::string description;
};

// A session composes its parts, each with one job: the Pacer (when a frame's
// packets leave), per media stream an RtpSender (their headers: its own
// SSRC, payload type, sequence numbers and sender reports) and a
// RetransmissionHistory (answers to NACKs, routed by their media SSRC), LinkDelivery (the emulated
// link and the queue of packets not yet due), the FeedbackHandler (the client's RTCP), the
// LiveBacklog (live frames not sent yet) and its SessionTransport (the
// bytes' way to the client). It keeps the source side itself: a file paced by
// its timestamps, or the live frames, and the backpressure from the
// transport and the link.
class Session final : public std::enable_shared_from_this<Session>,
                      private LinkDelivery::Sink,
                      private FeedbackHandler::Listener,
                      private common::Writable<ReceivedRtcp>,
                      private SessionTransport::Events {
 public:
  // A client that sends no RTCP for this long is gone (TCP and UDP alike).
  static constexpr auto kFeedbackTimeout = FeedbackHandler::kTimeout;
  // RTCP sender reports leave this often while a TCP or UDP session lives,
  // also when the source has no picture to send (a still in a
  // variable-frame-rate file), so the client knows the sender is alive and
  // where its media clock is (RFC 3550 §6.4.1). Well within the client's
  // --buffer (500 ms by default), so a gap is known before the client would
  // miss a picture; 52 bytes four times a second.
  static constexpr auto kSenderReportInterval = std::chrono::milliseconds(250);

  // `transport` (not null) is piped to and started by begin(), and held
  // until the session and every handler of the transport are gone.
  Session(asio::io_context& io, SessionHost& host, SessionSource source, uint64_t id,
          std::shared_ptr<SessionTransport> transport);

  // Pipes the transport's RTCP into the session and starts the transport
  // (reading RTCP), the silence watch when its traits
  // ask for it, and the stream (a session paused before begins paused).
  // Called once, by the server's admission. Throws media::SourceError when
  // the file cannot open.
  void begin();
  // A frame of the live source (ignored by file sessions).
  void on_live_frame(const std::shared_ptr<const PacketizedFrame>& frame);
  // Ends the stream with an RTCP BYE (server stopping). Idempotent.
  void stop(const std::string& reason);

  bool live() const { return !source_.file; }
  Transport transport() const { return stats_.transport; }
  bool ended() const { return ended_; }
  const SessionStats& stats() const { return stats_; }
  // The stats with duration_ms up to now for a session still running (one
  // cut off at shutdown, or listed in the metrics while it plays).
  SessionStats stats_now() const;
  std::string peer() const { return transport_->peer(); }
  // Bytes waiting in the transport's own send queue.
  size_t queued_bytes() const { return transport_->queued_bytes(); }

  // RTSP PAUSE (RFC 2326 §10.6): a file stops where it is, its timeline held;
  // a live session stops taking frames. Idempotent.
  void pause();
  // RTSP PLAY: a paused file goes on from where it stopped; a live session
  // joins again at the next keyframe. Idempotent.
  void resume();
  bool paused() const { return paused_; }
  // A file session with hold_at_end has sent its whole file and its BYE.
  bool at_end() const { return at_end_; }
  // A file session moves to the keyframe at or before `npt_s` (seconds from
  // the file's start; RTSP PLAY's Range, RFC 2326 §12.29), paused: resume()
  // plays from there. RTP sequence numbers and timestamps go on from where
  // they were (RTP-Info tells the player where the new range starts).
  // Returns where it landed, in seconds from the file's start; nullopt for a
  // live session or one that has ended. Throws media::SourceError when the
  // file cannot be opened or cannot seek.
  std::optional<double> seek(double npt_s);
  // Where a file session is in its file, in seconds from its start: the
  // presentation time of the next picture it sends (RTSP Range). 0 for live.
  double position_s() const;
  // The file's length in seconds; nullopt when live or unknown.
  std::optional<double> duration_s() const;
  // RTP-Info (RFC 2326 §12.33): the sequence number and RTP timestamp (in
  // the stream's clock) of the next packet of media stream `stream` sent.
  uint16_t next_rtp_sequence(size_t stream = 0) const {
    return streams_.at(stream).rtp.next_sequence();
  }
  uint32_t next_rtp_timestamp(size_t stream = 0) const;
  uint32_t ssrc(size_t stream = 0) const { return streams_.at(stream).rtp.ssrc(); }
  // The media streams the session knows (SessionSource::streams).
  size_t stream_count() const { return streams_.size(); }
  // Sends media stream `stream` from now on (an RTSP SETUP of its track,
  // before PLAY). Ignored past stream_count().
  void enable_stream(size_t stream);
  bool stream_enabled(size_t stream) const {
    return stream < streams_.size() && streams_[stream].enabled;
  }

 private:
  // LinkDelivery::Sink: due packets, to the transport.
  void send_burst(std::span<OutboundPacket> packets) override;
  void send_control(OutboundPacket&& packet) override { send_now(std::move(packet)); }
  // FeedbackHandler::Listener: what the client said.
  void on_receiver_reports(size_t count) override;
  // A block about our SSRC that echoes an SR: one round-trip measurement.
  void on_report_block(const common::ReportBlock& block, uint32_t arrival_ntp_middle) override;
  void on_plis(std::span<const common::PictureLossIndication> plis) override;
  void on_nacks(std::span<const common::GenericNack> nacks) override;
  void on_bye() override;
  void on_silence() override;
  void read_pending_feedback() override { transport_->read_pending(); }
  // Writable<ReceivedRtcp>: the client's RTCP, piped from the transport.
  // A BYE in it ends the session, which its owners may then let go: the
  // call holds it. Never refuses.
  bool write(ReceivedRtcp packet) override {
    auto self = shared_from_this();
    feedback_.handle(packet);
    return true;
  }
  // The transport does not end its RTCP: on_closed() says why it stopped.
  void end() override {}
  // The transport drained after refusing a write: a session held back goes
  // on.
  void on_transport_drain();
  // SessionTransport::Events: what the transport saw besides packets.
  void on_kernel_evidence(const KernelEvidence& evidence) override;
  void on_closed(const std::string& reason) override { finished(reason); }
  // All three: timer and socket handlers hold the session.
  std::shared_ptr<void> keep_alive() override { return shared_from_this(); }

  // The transport is gone (error, peer closed, closed after close()), or the
  // client said BYE. Idempotent.
  void finished(const std::string& reason);
  // One packet (RTP or RTCP, its stream set) to the transport now; the send
  // queue's peak follows, and a refusal holds the session back.
  void send_now(OutboundPacket&& packet);
  // The send queue's peak, after a send or a probe.
  void note_queue();
  // The session's goodbye (common::write_goodbye: an empty RR, then the BYE
  // with an optional reason) to the transport now, one per stream sent, the
  // video's last.
  void send_bye(const std::string& reason);
  // The stream a NACK or PLI names by its media SSRC; the video's (0) when
  // none has it, as a one-stream session answers whatever SSRC it names.
  size_t stream_of(uint32_t media_ssrc) const;
  // The resend counters of every stream, summed into the stats.
  void note_resends();

  // The session's file, read from the keyframe at or before `start_90k`.
  std::unique_ptr<FileReader> open_file(int64_t start_90k);
  // File playback: sends each frame when its decode time comes.
  void pump();
  void send_frame(const std::shared_ptr<const PacketizedFrame>& frame);
  // One packet into the link delivery; the link's counters follow.
  void route(OutboundPacket&& packet, std::chrono::steady_clock::time_point offer_at);
  // RTCP of media stream `stream` across the emulated link, behind every
  // media packet already offered (a sender report describes what was sent
  // before it, RFC 3550 §6.4.1), through send_control() to the transport.
  void send_rtcp(std::vector<uint8_t>&& packet, size_t stream);
  // The transport or the emulated link holds the session back: notes it,
  // arranges for `resume` to run when it may go on, and returns true.
  bool wait_if_held_back(void (Session::*resume)());
  // The file is read to its end: media_ended() once its last picture's
  // duration has passed (the file's end time), not as that picture leaves.
  void end_of_stream();
  // The file's end time: the session stops, or with hold_at_end sends its
  // BYE and waits at the end.
  void media_ended();
  void note_held(bool held);
  // Sends the BYE (behind every packet still crossing the link) and closes.
  void finish_stop();
  // Resends what a NACK asks for of media stream `stream`, within its
  // history's budget and the send queue's bound.
  void answer_nack(size_t stream, std::span<const uint16_t> sequences);
  // Every kSenderReportInterval, per stream sent: an SR once its media has
  // left (an empty RR before, as RFC 3550 §6.4 has a participant that has
  // sent nothing do); with more than one stream, each with an SDES CNAME,
  // the same for all (RFC 3550 §6.5.1). A session that describes itself in
  // band sends its first report at begin(), before any media, and the
  // video's compound carries the APP "FCSD": over TCP once, over UDP with
  // every report until the client's RTCP shows it is heard.
  void schedule_sender_report();
  void send_sender_report();
  // The video's next report carries the session's description.
  bool describe_next() const;
  // Where the session's media clock is at `now`, in 90 kHz ticks on the
  // frames' timeline: a file's pacing clock (held while the transport holds
  // the session back), or the last live frame sent plus the time since.
  // nullopt before the first frame.
  std::optional<int64_t> media_clock_90k(std::chrono::steady_clock::time_point now) const;

  SessionHost& host_;
  SessionSource source_;
  std::shared_ptr<SessionTransport> transport_;
  const SessionTransport::Traits& traits_;
  Pacer pacer_;  // stateless: one serves every stream
  struct OutgoingStream {
    RtpSender rtp;
    RetransmissionHistory history;
    bool enabled = true;
  };
  std::vector<OutgoingStream> streams_;
  // RFC 3550 §6.5.1: one CNAME for every stream of the session (RFC 7022:
  // random), sent with the reports when there is more than one stream.
  std::string cname_;
  // The description went out (describe_next()), and the client's RTCP has
  // come since the session began.
  bool described_ = false;
  bool client_heard_ = false;
  SessionStats stats_;
  std::chrono::steady_clock::time_point started_;
  bool ended_ = false;
  bool closing_ = false;

  // File playback.
  std::unique_ptr<FileReader> file_;
  std::optional<media::EncodedFrame> next_;
  asio::steady_timer pace_timer_;
  PlaybackTimeline timeline_;
  // The file's end on its timeline (90 kHz): the latest pts + duration sent.
  std::optional<int64_t> end_pts_90k_;
  bool waiting_drain_ = false;
  // A write to the transport was refused (past its high-water mark): no
  // frame goes until it drains.
  bool transport_full_ = false;
  bool paused_ = false;
  std::chrono::steady_clock::time_point paused_at_;
  std::optional<int64_t> next_pts_90k_;  // of the frame after the last one sent
  // Added to the times of the frames read since the last seek(), so the
  // session's timeline (and its RTP timestamps) goes on forward.
  int64_t seek_shift_90k_ = 0;
  // hold_at_end: the file was sent, and its BYE (or it is on its way).
  bool at_end_ = false;
  bool bye_sent_ = false;

  // Live relay: frames wait in the backlog while the transport or the link
  // holds the session back.
  void pump_live();
  LiveBacklog backlog_;

  std::optional<std::chrono::steady_clock::time_point> held_since_;

  asio::steady_timer report_timer_;
  // The live frame sent last: its presentation time and when it left.
  std::optional<std::pair<std::chrono::steady_clock::time_point, int64_t>> live_anchor_;

  LinkDelivery delivery_;
  FeedbackHandler feedback_;
};

}  // namespace flowcast::server
