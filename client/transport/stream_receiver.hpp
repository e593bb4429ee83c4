#pragma once
// The receiver side of one further media stream of a session (the audio
// beside the video), inside NetworkSource: RTP of its payload type goes to
// its own ReceivePath (receiver statistics, jitter buffer), its sender's
// reports to that path and to the stream's sync point, and its report block
// into the session's receiver reports. The video keeps NetworkSource's own
// rules (the SSRC switch at a keyframe, the stream's end); this stream's
// are simpler:
//  - it locks onto the first SSRC of its payload type (other than the
//    video's), and follows a new one once the current one has been silent
//    for kSwitchSilence (its path restarts: counted in ssrc_changes); other
//    SSRCs of the payload type are counted and dropped;
//  - its BYE ends its path (a sound track shorter than the video ends
//    without an underrun), not the session: the video's ends that. Nothing
//    is followed after it;
//  - its sender's reports and media go to its own SenderClock, as the
//    video's go to the session's: a gap in the sound (a track that ends
//    early, a microphone that stopped) that the reports show is not a stall
//    of the audio's playout.
//
// Threads: the network thread only, but for sync_point() and counters(),
// which any thread may call.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "client/playout/receive_path.hpp"
#include "client/playout/sender_clock.hpp"
#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"

namespace flowcast::client {

// An instant on two clocks, from a sender report (RFC 3550 §6.4.1): the
// stream's media timestamp on its buffer's timeline (90 kHz ticks) and the
// sender's wall clock (64-bit NTP). Two streams of one sender (one CNAME)
// are aligned through it: equal NTP times are the same instant.
struct SyncPoint {
  int64_t media_ts_90k = 0;
  uint64_t ntp_time = 0;
  // When its report arrived, and when a report of its stream last moved
  // the mapping (next_sync_point); the clock's epoch for never.
  std::chrono::steady_clock::time_point received{};
  std::chrono::steady_clock::time_point moved{};
};

// A change of a stream's NTP-to-media mapping beyond this between two of its
// sender reports is a move (a sender's clocks drift by microseconds a second).
inline constexpr std::chrono::microseconds kMappingMove{5000};
// The sync point of a stream's report that arrived at `received`; `last` is
// the stream's previous one.
SyncPoint next_sync_point(const std::optional<SyncPoint>& last, int64_t media_ts_90k,
                          uint64_t ntp_time, std::chrono::steady_clock::time_point received);

// The NTP time a media timestamp (90 kHz, on the timeline of `point`) is at,
// in µs since the NTP epoch.
int64_t ntp_us_of(const SyncPoint& point, int64_t media_ts_90k);
// An NTP timestamp (RFC 3550 §4: seconds since 1900 in the high 32 bits,
// the fraction in the low) in µs.
int64_t ntp_to_us(uint64_t ntp_time);

// A sender report that came before its stream's first packet (ffmpeg sends
// one so), kept until the stream has a timeline to place it on.
struct EarlyReport {
  common::SenderReport report;
  std::chrono::steady_clock::time_point arrival;
};
// Keeps `early` in `kept`: the latest of each SSRC, kMaxEarlyReports SSRCs
// at most (the newest).
inline constexpr size_t kMaxEarlyReports = 4;
void keep_early_report(std::vector<EarlyReport>& kept, EarlyReport early);

struct StreamReceiverCounters {
  uint64_t foreign_ssrc = 0;  // RTP of the payload type from an SSRC not played
  uint64_t ssrc_changes = 0;  // a new SSRC followed
  uint64_t padding = 0;       // packets without payload (RFC 3550 §5.1 P bit)
  bool bye = false;           // the sender said BYE
  uint64_t after_bye = 0;     // its packets after that, dropped
};

class StreamReceiver {
 public:
  static constexpr std::chrono::milliseconds kSwitchSilence{1000};

  // Borrows path; it outlives the receiver.
  StreamReceiver(uint8_t payload_type, ReceivePath& path)
      : payload_type_(payload_type), path_(path) {}

  uint8_t payload_type() const { return payload_type_; }
  std::optional<uint32_t> ssrc() const { return ssrc_; }
  ReceivePath& path() { return path_; }

  // An RTP packet of the payload type (any SSRC), `wire` bytes on the wire,
  // arrived at `now`. Returns false when its path refuses more (the block
  // policy: stop reading until its drain).
  bool on_rtp(const common::RtpView& rtp, size_t wire, std::chrono::steady_clock::time_point now);
  // The sender report of some SSRC: taken when it is this stream's
  // (to_sender_clock: its SenderClock's too).
  void on_sender_report(const common::SenderReport& report,
                        std::chrono::steady_clock::time_point now, bool to_sender_clock = true);
  // A BYE naming these SSRCs: ends the path when this stream's is among them.
  void on_bye(std::span<const uint32_t> ssrcs);
  // The report block about this stream's sender at `now`, or nullopt.
  std::optional<common::ReportBlock> report_block(std::chrono::steady_clock::time_point now);

  // The receiver stopped reading at `now` (SenderClock::on_not_reading).
  void on_not_reading(std::chrono::steady_clock::time_point now) {
    sender_clock_.on_not_reading(now);
  }

  // Any thread: the last sender report's sync point, nullopt before one.
  std::optional<SyncPoint> sync_point() const;
  // Any thread: what this stream's sender reports say of its media clock,
  // on its path's timeline (the audio's PlayoutPolicy reads it).
  const SenderClock& sender_clock() const { return sender_clock_; }
  StreamReceiverCounters counters() const;

 private:
  const uint8_t payload_type_;
  ReceivePath& path_;
  // --- Network thread only.
  std::optional<uint32_t> ssrc_;
  bool bye_seen_ = false;
  std::chrono::steady_clock::time_point last_media_{};
  std::vector<EarlyReport> early_reports_;  // before the first packet
  bool media_seen_ = false;                 // a packet with payload arrived
  SenderClock sender_clock_;                // locks itself
  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  std::optional<SyncPoint> sync_point_;
  StreamReceiverCounters counters_;
};

}  // namespace flowcast::client
