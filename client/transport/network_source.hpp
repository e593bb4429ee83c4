#pragma once
// The Readable end of the pipeline: the RFC 3550 receiver side over one
// RtpTransport (TCP, UDP or listen; make_transport() picks it). It is the
// same for every transport:
//  - RTP of the expected payload type from the first SSRC heard goes to the
//    Writable it is piped to (the stream's ReceivePath: receiver statistics,
//    then the jitter buffer). Packets of that SSRC that
//    carry nothing of the stream (padding only, another payload type: FEC,
//    RTX) go as fillers: they take their sequence number, so they are not
//    loss. Other SSRCs are counted and dropped;
//  - a sender that restarts is followed: a new SSRC of the expected payload
//    type becomes the sender played (the buffer restarts its sequence space
//    and timeline; counted in ssrc_changes), its packets from before the
//    switch played too, and its BYE ends the stream. It is followed
//     * at once when it starts a decodable picture (its first packet opens a
//       keyframe, the payload format says, and the rest follow in sequence)
//       and the current SSRC has gone quiet for longer than its usual gap:
//       the longest gap between its packets over the last kGapWindow.
//       Cameras and SFUs change SSRC so at a keyframe, right after the last
//       packet of the old one, without a pause or a BYE;
//     * otherwise after kSwitchPackets packets in sequence, once the current
//       one sent BYE or fell silent for kSwitchSilence;
//  - a receiver report every 500 ms: the ReceivePath's report block
//    (fraction lost, cumulative lost, extended highest sequence, jitter, and
//    the echo of the sender's last SR, LSR and DLSR, from which the sender
//    computes the round trip; RFC 3550 §6.4.1), a PLI when asked, NACKs after a read
//    (--nack), a BYE on stop: where the transport can send feedback;
//  - the stream ends on the sender's BYE (as the transport's traits say),
//    or after its silence; a transport's failure fails it. Any RTCP from
//    the sender is a sign of life: its sender reports keep a session alive
//    through a gap in the source, and go to the SenderClock, if one is set.
// When the buffer's write() says false (the block policy), and while the
// consumer is busy (--consumer-pause, the b key), the transport stops
// reading: over TCP the window closes and the server is held back; over UDP
// the kernel drops, and SO_RXQ_OVFL counts it.
//
// Threads: owns the network thread, which runs an asio io_context and never
// blocks. Other threads call the public methods; they post to that thread.
#include <asio.hpp>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/playout/receive_path.hpp"
#include "client/playout/sender_clock.hpp"
#include "client/transport/rtp_transport.hpp"
#include "client/transport/stream_receiver.hpp"
#include "common/rtp/rtcp.hpp"
#include "common/stream/stream.hpp"
#include "common/util/units.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::client {

enum class SourceStatus { connecting, streaming, ended, failed };
// How the stream ended, once status() is ended or failed: the sender's BYE,
// the peer closing the connection without one, silence, or another failure.
enum class StreamEnd { none, bye, closed, silence, error };

struct SourceCounters {
  uint64_t rtcp_received = 0;
  uint64_t foreign_payload_type = 0;
  uint64_t foreign_ssrc = 0;  // RTP of a sender other than the one locked onto
  uint64_t padding = 0;       // packets of the stream without payload (RFC 3550 §5.1 P bit)
  uint64_t ssrc_changes = 0;  // a restarted sender followed to its new SSRC
  uint64_t malformed = 0;
  uint64_t plis_sent = 0;
  uint64_t nacks_sent = 0;
  uint64_t dropped_kernel = 0;  // SO_RXQ_OVFL (UDP)
  int rcvbuf_bytes = 0;         // SO_RCVBUF as the kernel reports it
  uint64_t kernel_queued = 0;   // last sample: SIOCINQ (TCP), SO_MEMINFO (UDP)
  uint64_t peak_kernel_queued = 0;
  bool reading_paused = false;  // not reading the socket right now
};

// What the receiver side needs of the command line.
struct SourceOptions {
  // The stream's RTP payload type (ClientOptions::payload_type()).
  uint8_t payload_type = 96;
  // The stream's payload format; nullptr (flowcast-server's own TCP and
  // UDP): found from the stream's first keyframe.
  const media::PayloadFormat* payload_format = nullptr;
  bool nack = false;                            // --nack
  std::optional<common::AtFor> consumer_pause;  // --consumer-pause AT+FOR
};

// A Readable of the packets it plays, piped into the ReceivePath; the
// transport below it is piped into it (a private Writable of what the
// transport receives) and is written the RTCP it sends.
class NetworkSource : public common::Readable<ReceivedPacket>,
                      private common::Writable<ReceivedDatagram>,
                      private TransportEvents {
 public:
  // A restarted sender that does not start at a keyframe: packets in
  // sequence from the new SSRC, and how long the current one must have been
  // silent (unless it sent BYE).
  static constexpr size_t kSwitchPackets = 3;
  static constexpr std::chrono::milliseconds kSwitchSilence{1000};
  // The current SSRC's usual gap between packets is the longest over this
  // long (at least half of it, at most all of it).
  static constexpr std::chrono::milliseconds kGapWindow{1000};
  // Packets of a would-be new sender kept to play once it is followed, and
  // their bytes: a keyframe of a 20 Mbit/s stream is several hundred.
  static constexpr size_t kMaxCandidatePackets = 2048;
  static constexpr size_t kMaxCandidateBytes = 4 << 20;
  // Makes the transport, on the source's io_context (its network thread).
  using TransportMaker = std::function<std::unique_ptr<RtpTransport>(asio::io_context&)>;
  // Pipes itself into path, installs its drain callback, and tells it the
  // sender's reports; its receiver reports are the path's report blocks.
  // Borrows path. Receives over the transport `make` gives: make_transport()
  // for what the command line asks; one without sockets drives the receiver
  // side with bytes of its own (tests/fuzz/fuzz_network_source.cpp).
  // launched: what --consumer-pause counts from.
  NetworkSource(SourceOptions options, ReceivePath& path, SteadyTime launched,
                const TransportMaker& make);
  ~NetworkSource() override;

  // Starts the network thread: the transport's set-up, then reading.
  void start();
  // Sends an RTCP BYE (where it can), closes, joins the network thread.
  // Idempotent.
  void stop();
  // Asks the sender for a keyframe (RTCP PLI). Any thread.
  void request_keyframe();
  // Holds the reader busy (true) or lets it go (false). Any thread.
  void set_consumer_busy(bool busy);
  // Tells `clock` what the sender's reports say. Borrows it (it outlives
  // the source); call before start().
  void set_sender_clock(SenderClock& clock) { sender_clock_ = &clock; }
  // Calls changed (on the network thread) when status() changes and when
  // the stream's first packet went to the path: what a loop waiting on
  // other things as well needs to hear. Call before start().
  void on_change(std::function<void()> changed) { changed_ = std::move(changed); }
  // The session's audio stream: its RTP (payload type `payload_type`, an
  // SSRC other than the video's) goes to `path`, its reports as
  // StreamReceiver says; its backpressure holds the reading as the video's
  // does (one connection carries both: a full buffer stops both). Borrows
  // path. Call before start(), once.
  void add_audio(uint8_t payload_type, ReceivePath& path);
  // The audio's receiver, nullptr without audio. Its sync_point() and
  // counters() are for any thread.
  const StreamReceiver* audio() const { return audio_.get(); }
  // The video's last sender report as a sync point; nullopt before one.
  // Any thread.
  std::optional<SyncPoint> video_sync_point() const;

  SourceStatus status() const { return status_.load(); }
  StreamEnd stream_end() const { return stream_end_.load(); }
  // What went wrong, for the user (when status() is failed).
  std::string error() const;
  SourceCounters counters() const;
  // What carried the stream: RTSP's --transport auto settles on one. Read it
  // once the source is stopped.
  Transport carrier() const { return transport_->traits().carrier; }

 private:
  // Writable<ReceivedDatagram>, on the network thread: one packet from the
  // transport. Returns false while the transport should not read (the
  // buffer is full under the block policy, or the consumer is busy);
  // emit_drain() tells it to read again.
  bool write(ReceivedDatagram packet) override;
  // The peer closed the connection.
  void end() override;
  // TransportEvents, on the network thread.
  void on_connected(int rcvbuf_bytes) override;
  void on_stray() override;
  void on_kernel_drops(uint32_t total) override;
  void on_failed(const std::string& message) override;
  void on_read_done() override;

  void on_rtcp(std::span<const uint8_t> packet);
  void on_rtp(std::span<const uint8_t> packet);
  // A packet of the expected payload type from another SSRC: true when it
  // made that SSRC the one played (the caller then plays the packet).
  bool consider_switch(uint32_t ssrc, uint16_t sequence, std::span<const uint8_t> packet,
                       std::span<const uint8_t> payload);
  // The candidate may be followed now (see the class comment).
  bool candidate_followable(SteadyTime now) const;
  // Makes the candidate the sender played, and plays its packets kept.
  void follow_candidate(SteadyTime now);
  // A packet of the SSRC played arrived at `now`: its gap since the last.
  void note_media_gap(SteadyTime now);
  // The current SSRC has been quiet for longer than its usual gap.
  bool quiet_beyond_usual_gap(SteadyTime now) const;
  // The payload opens a keyframe, where decoding can start.
  bool opens_keyframe(std::span<const uint8_t> payload) const;
  void deliver(ReceivedPacket packet);
  // An RTCP SR of the sender we play: recorded for the receiver reports'
  // LSR/DLSR; where its media clock is, and whether every packet it counts
  // has arrived.
  // `now`: when it arrived. to_sender_clock: tell the SenderClock too (not
  // for a report kept from before the media, which came after it).
  void on_sender_report(const common::SenderReport& report, SteadyTime now,
                        bool to_sender_clock = true);
  void apply_reading();
  bool reading_allowed() const { return !buffer_blocked_ && !audio_blocked_ && !consumer_busy_; }
  // An RTP packet of the audio's payload type from an SSRC other than the
  // video's: the audio's.
  void on_audio_rtp(const common::RtpView& rtp, size_t wire);
  // Tells on_change()'s callback.
  void changed();
  // Every 500 ms: the silence check, and a receiver report.
  void schedule_report();
  void send_receiver_report();
  // --nack: asks the sender for the packets the buffer found missing.
  void send_nacks();
  void schedule_sampling();
  void schedule_consumer_pause();
  void sample_kernel();
  void fail(const std::string& message);
  void finish_stream();
  template <typename F>
  void count(F&& change) {
    std::lock_guard lock(mutex_);
    change(counters_);
  }

  const SourceOptions options_;
  ReceivePath& path_;
  SteadyTime launched_;
  asio::io_context io_;
  std::thread thread_;
  std::unique_ptr<RtpTransport> transport_;
  asio::steady_timer bye_timer_;
  asio::steady_timer report_timer_;
  asio::steady_timer sample_timer_;
  asio::steady_timer pause_timer_;
  // --- Network thread only.
  uint8_t payload_type_;
  std::unique_ptr<StreamReceiver> audio_;
  bool buffer_blocked_ = false;
  bool audio_blocked_ = false;
  bool consumer_busy_ = false;
  bool bye_seen_ = false;
  bool stopped_ = false;
  uint32_t own_ssrc_;
  std::optional<uint32_t> media_ssrc_;  // the sender locked onto
  SteadyTime last_heard_;               // the last packet from the sender: silence counts from here
  SteadyTime last_media_;               // the last RTP packet of the SSRC played
  // The longest gap between packets of the SSRC played, in the current and
  // the previous half of kGapWindow; none until two of its packets arrived.
  std::optional<SteadyTime> last_gap_packet_;
  SteadyTime gap_bucket_start_{};
  std::chrono::steady_clock::duration longest_gap_{0};
  std::chrono::steady_clock::duration longest_gap_before_{0};
  bool replaying_ = false;  // a followed SSRC's kept packets are played
  bool reading_ = true;     // the transport may read (as apply_reading last said)
  // Another SSRC of the expected payload type, and its recent packets.
  struct Candidate {
    uint32_t ssrc = 0;
    uint16_t next_sequence = 0;
    size_t in_sequence = 0;
    // The packets kept begin with one that opens a keyframe, and the rest
    // follow it in sequence: a decodable picture starts there.
    bool from_keyframe = false;
    std::deque<std::vector<uint8_t>> packets;
    size_t bytes = 0;
  };
  std::optional<Candidate> candidate_;
  // Sender reports that came before any media (the latest of each SSRC),
  // applied after the first packet.
  std::vector<EarlyReport> early_reports_;
  SenderClock* sender_clock_ = nullptr;
  std::function<void()> changed_;
  bool delivered_ = false;  // a packet went to the path
  // The last RTP timestamp of the media, as sent: media began.
  std::optional<uint32_t> last_media_ts_;
  std::atomic<SourceStatus> status_{SourceStatus::connecting};
  std::atomic<StreamEnd> stream_end_{StreamEnd::none};

  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  std::string error_;
  SourceCounters counters_;
  std::optional<SyncPoint> video_sync_;
};

}  // namespace flowcast::client
