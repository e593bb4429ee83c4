#pragma once
// Lip sync: the A/V offset of each picture shown, and the video kept on the
// audio's clock. Audio is the master while it plays (as in ffplay): a
// picture's offset is what the listener hears when it is shown, against the
// picture, both placed on the sender's wall clock through their streams'
// RTCP sender reports (RFC 3550 §6.4.1: one CNAME, so equal NTP times are
// the same instant, whatever each stream's RTP timestamp base):
//
//   offset = NTP(audio heard at the picture's display) − NTP(the picture)
//
// in ms, positive when the audio is early (it plays a later instant than
// the picture shows). Its magnitude is summarized (mean, p50, p95, max),
// and so is the share of time outside ITU-R BT.1359's detectability window
// (audio no more than 45 ms early nor 125 ms late), each picture counting
// for the time until the next one.
//
// Correction: when the median offset of the last kWindow pictures (the first
// time kFirstWindow) is beyond
// kCorrectAbove, the video's playout clock moves by it, so later pictures
// are due when their sound is heard: the render stage then drops the
// pictures already due (audio early) or holds the one shown (audio late).
// Under --buffer adaptive the playout delay leads both media, so the audio's
// clock moves instead (the opposite way), and the audio stage inserts or
// removes samples to follow (W3C insertedSamplesForDeceleration,
// removedSamplesForAcceleration).
// kCorrectAbove (15 ms) sits well inside BT.1359's window and below ffplay's
// smallest threshold (AV_SYNC_THRESHOLD_MIN, 40 ms), so a clean run stays
// within ±20 ms; the median keeps one late wake-up from moving the clock.
//
// A sender report that moves its stream's mapping to the sender's clock by
// more than kMappingMove (SyncPoint::moved) is not yet an A/V offset: the
// sender may have moved both streams' mappings (GStreamer's first reports,
// sent at PLAY before its live pipeline's latency is set, are 60-70 ms off
// its later ones), and the other stream's report saying so comes up to an
// RTCP interval later. Until the other stream has reported since the move,
// the pictures are neither measured nor corrected on the mismatched pair.
//
// Pure: times and sync points are handed in. Threads: the render thread.
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "client/metrics/av_sync_figures.hpp"
#include "client/playout/playout_clock.hpp"
#include "client/transport/stream_receiver.hpp"

namespace flowcast::client {

class AvSync {
 public:
  // video_follows: the corrections move the video's clock (audio master);
  // false: the audio's (the adaptive playout delay leads).
  explicit AvSync(bool video_follows = true) : video_follows_(video_follows) {}
  bool video_follows() const { return video_follows_; }

  static constexpr double kAudioEarlyLimitMs = kBt1359AudioEarlyMs;  // detectable beyond
  static constexpr double kAudioLateLimitMs = kBt1359AudioLateMs;    // detectable beyond
  static constexpr std::chrono::milliseconds kCorrectAbove{15};
  static constexpr size_t kWindow = 5;
  // The first correction needs fewer: the two clocks started apart is the
  // likeliest offset, and every picture shown before it counts.
  static constexpr size_t kFirstWindow = 3;
  // After a correction, none for this long: its effect reaches the
  // measurement through the output's queue first.
  static constexpr std::chrono::milliseconds kHoldOff{1000};
  // Offsets kept for the summary: the first this many pictures (over 9 h at
  // 30 fps, 8 MB), so a long session's memory stays bounded.
  static constexpr size_t kMaxPictures = 1'000'000;

  // A picture of video timestamp `video_pts` (90 kHz, the video buffer's
  // timeline) shown at `shown`; `audio_ts` is the audio heard then (90 kHz,
  // the audio buffer's timeline; AudioStage::media_time_at), nullopt when
  // none. The sync points are each stream's last sender report. Returns the
  // move to apply to the video's clock (PlayoutClock::shift: later when
  // positive), or nullopt. frame_interval_90k: the video's.
  std::optional<std::chrono::microseconds> on_shown(int64_t video_pts, SteadyTime shown,
                                                    const std::optional<SyncPoint>& video,
                                                    const std::optional<SyncPoint>& audio,
                                                    std::optional<int64_t> audio_ts,
                                                    int64_t frame_interval_90k);
  AvSyncFigures figures() const;
  // The mean offset (ms, + audio early) of the pictures measured since the
  // last call; nullopt when none was (the timeline's av_offset_ms).
  std::optional<double> take_interval_offset_ms();
  // The last picture's offset (ms, + audio early); nullopt before one.
  std::optional<double> last_offset_ms() const {
    return measured_ ? std::optional<double>(last_offset_ms_) : std::nullopt;
  }

 private:
  bool video_follows_;
  std::vector<double> offsets_ms_;  // every picture measured (signed)
  std::vector<double> window_;      // since the last correction
  std::optional<SteadyTime> last_shown_;
  std::optional<SteadyTime> hold_until_;
  bool last_outside_ = false;
  std::chrono::nanoseconds measured_time_{0};
  std::chrono::nanoseconds outside_time_{0};
  uint64_t measured_ = 0;
  double last_offset_ms_ = 0;
  double interval_sum_ms_ = 0;  // since take_interval_offset_ms()
  uint64_t interval_count_ = 0;
  uint64_t corrections_ = 0;
  uint64_t dropped_ = 0;
  uint64_t repeated_ = 0;
};

}  // namespace flowcast::client
