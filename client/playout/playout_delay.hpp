#pragma once
// The playout delay: what it should be, what it is, and how fast it moves
// (DESIGN.md: `--buffer DURATION|adaptive`), and the W3C webrtc-stats
// jitter-buffer counters of RTCInboundRtpStreamStats, for every policy.
//
// Fed one frame at a time as frames leave the receive buffer, in decode
// order: its timestamp, when its first and last packets arrived, its size,
// and when the playout clock has it due.
//
//  - minimum(): what the network asks for, as libwebrtc's VCMTiming does:
//    the JitterEstimator's estimate (frame delay variation, 2.33 standard
//    deviations, the OS's 10 ms), plus `decode` and `render` time, plus
//    one round trip once retransmissions are needed (--nack, when the round
//    trip is known: set_round_trip()).
//    A stream with B-frames is sent in decode order, paced by decode time,
//    while RTP carries presentation times: the frame delay variation of a
//    frame against its timestamp would count the reordering as jitter. So
//    each frame is measured against the timestamp it would have in decode
//    order: the n-th frame taken gets the n-th smallest timestamp, found
//    among it and the kEstimateReorder frames taken after it (H.264 and
//    H.265 reorder by at most 16 pictures). The estimate runs that many
//    frames behind. The most any frame's timestamp fell behind its
//    decode-order one (up to 1 s), over the last kReorderMemory frames, is
//    the stream's reordering delay: a decoder holds pictures that long
//    before it shows them in order, so minimum() adds it (0 without
//    B-frames). A frame older than the last one placed means the timeline
//    stepped back: both start afresh. A smaller step back reads as
//    reordering for a while, and leaves the memory with its frames.
//  - target(): fixed: `--buffer`. Adaptive: minimum() within
//    [floor, ceiling] (kAdaptiveFloor, --buffer-max).
//  - actual(): how long before its due time a frame is whole, on average
//    (an exponential average over kSlackFrames frames). With B-frames a
//    frame is needed by the earliest due time of the frames decoded after
//    it (up to kReorderFrames): that is the due time measured.
//  - Adaptive only: each frame moves the playout clock (shift(), the change
//    of its base) toward target() by at most kMaxSlew of the media time the
//    frame advanced: 100 ms per second of media, as libwebrtc: playback
//    runs slow or fast for a while, it never freezes to catch up.
//  - Fixed only, early in the run: the startup measure (ReceiveBuffer::
//    held_for) sees the 15 or so access units held at start. With B-frames
//    each picture type waits its own time for its display slot (a stream
//    sent in decode order), and the median of so few can be a frame
//    interval off the stream's. So the median (nearest rank, as the latency
//    summary ranks it) of due − first packet's arrival is measured again
//    over all frames played, after kCalibrationFirst frames and then each
//    time their count doubles, up to kCalibrationLast; when it is off
//    `--buffer` by kCalibrationDeadband or more the clock moves by the
//    difference, at the same slew rate, at most kMaxCalibration in all.
//    Then the median frame is held what `--buffer` says. A stall ends it
//    (the clock moved by itself). `--buffer 0ms` asks for no wait at all
//    and is left as it started.
//  - W3C counters (https://www.w3.org/TR/webrtc-stats/
//    #dom-rtcinboundrtpstreamstats-jitterbufferdelay): a frame is emitted
//    when it leaves flowcast's jitter buffer for the screen: at its due time
//    (flowcast decodes ahead and holds the picture until then), or when it
//    left the receive buffer if that was later. jitterBufferDelay sums, in
//    seconds, emit − first packet's arrival; jitterBufferTargetDelay and
//    jitterBufferMinimumDelay sum target() and minimum() at emit;
//    jitterBufferEmittedCount counts the frames.
//
// Units: microseconds and 90 kHz ticks in, ms in readings. Pure: time comes
// in with each frame; no threads, not thread-safe (AdaptivePlayout locks).
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <vector>

#include "client/playout/jitter_estimator.hpp"
#include "client/playout/playout_clock.hpp"

namespace flowcast::client {

using std::chrono::microseconds;

struct PlayoutDelayConfig {
  bool adaptive = false;            // --buffer adaptive
  microseconds fixed{500'000};      // --buffer DURATION: the target when not adaptive
  microseconds floor{40'000};       // adaptive: the least target
  microseconds ceiling{2'000'000};  // adaptive: the most (--buffer-max)
  microseconds decode{15'000};      // decode time allowed for
  microseconds render{10'000};      // render delay (libwebrtc's default)
  double max_slew = 0.1;            // delay change per media time
};

// One frame as it leaves the receive buffer.
struct TakenFrame {
  int64_t timestamp = 0;  // unwrapped 90 kHz
  SteadyTime first_arrival;
  SteadyTime last_arrival;  // when it was whole
  size_t bytes = 0;
  bool complete = true;           // nothing missing
  bool retransmitted = false;     // completed by a retransmission (--nack)
  SteadyTime taken;               // when it left the receive buffer
  std::optional<SteadyTime> due;  // by the playout clock; nullopt: not playing
};

// The four W3C counters (seconds, as webrtc-stats has them).
struct JitterBufferCounters {
  double delay_s = 0;
  double target_delay_s = 0;
  double minimum_delay_s = 0;
  uint64_t emitted = 0;
};

class PlayoutDelay {
 public:
  static constexpr microseconds kAdaptiveFloor{40'000};
  static constexpr int kSlackFrames = 32;
  static constexpr size_t kReorderFrames = 4;
  static constexpr size_t kEstimateReorder = 16;
  static constexpr int64_t kMaxReorder90k = 90'000;  // 1 s
  static constexpr size_t kReorderMemory = 256;      // frames
  static constexpr size_t kCalibrationFirst = 60;    // frames
  static constexpr size_t kCalibrationLast = 480;    // frames
  static constexpr microseconds kCalibrationDeadband{2'000};
  static constexpr microseconds kMaxCalibration{100'000};

  explicit PlayoutDelay(PlayoutDelayConfig config) : config_(config) {}

  // A frame left the receive buffer; returns how far to move the playout
  // clock's base (positive: later), already counted in actual().
  microseconds on_frame(const TakenFrame& frame);
  // The playout clock moved by itself (a stall and its resume): what was
  // measured against its old base is dropped.
  void rebase();
  // The round trip (NACK: a retransmission takes one); nullopt: unknown.
  void set_round_trip(std::optional<microseconds> rtt) { rtt_ = rtt; }
  // A retransmission was needed: from now on the minimum counts a round trip.
  void note_retransmission() { retransmitting_ = true; }
  // Another clock leads this one (lip sync: the sound's, as master): a fixed
  // buffer makes no move of its own (see above); its clock follows that one.
  void follow_other_clock() {
    calibrated_ = true;
    calibration_left_ = microseconds(0);
  }

  microseconds minimum() const;
  // The stream's reordering delay (see minimum()); 0 until seen.
  microseconds reorder_delay() const;
  microseconds target() const;
  // nullopt before a frame was measured against the playout clock.
  std::optional<microseconds> actual() const;
  const JitterBufferCounters& counters() const { return counters_; }
  const JitterEstimator& estimator() const { return estimator_; }
  const PlayoutDelayConfig& config() const { return config_; }

 private:
  void estimate(const TakenFrame& frame);
  void measure_slack(const TakenFrame& frame);
  microseconds slew(const TakenFrame& frame);
  microseconds calibrate(const TakenFrame& frame);
  // The most the clock may move for this frame: max_slew of the media time
  // it advanced.
  microseconds slew_step(const TakenFrame& frame) const;
  // The clock moved by `shift`: what was measured against it moves too.
  void moved(microseconds shift);
  void count(const TakenFrame& frame, microseconds shift);

  PlayoutDelayConfig config_;
  JitterEstimator estimator_;
  std::optional<microseconds> rtt_;
  bool retransmitting_ = false;
  // The last frame measured, at its decode-order timestamp.
  std::optional<int64_t> last_ts_;
  SteadyTime last_arrival_;
  size_t last_bytes_ = 0;
  // Frames taken, in decode order, waiting for their decode-order timestamp
  // (see minimum()), and the timestamps among them.
  struct Unordered {
    int64_t timestamp = 0;  // its own
    SteadyTime last_arrival;
    size_t bytes = 0;
    bool measured = false;  // complete, and not completed by a retransmission
  };
  std::deque<Unordered> unordered_;
  std::multiset<int64_t> unordered_ts_;
  // How far a placed frame's timestamp fell behind its decode-order one,
  // the most over the last kReorderMemory frames placed (reorder_delay()):
  // a sliding-window maximum. It holds the frames no later frame has matched
  // or exceeded, their amounts falling from front to back, each with its
  // place in the count of frames placed; the front is the maximum.
  struct Reorder {
    uint64_t placed = 0;
    int64_t amount_90k = 0;
  };
  std::deque<Reorder> reorder_max_;
  uint64_t placed_count_ = 0;
  std::optional<int64_t> placed_ts_;  // the last decode-order timestamp given
  // The newest timestamp any frame had: media time advances with it.
  std::optional<int64_t> newest_ts_;
  // Frames waiting for the frames decoded after them (see actual()).
  struct Pending {
    SteadyTime needed_by;
    SteadyTime whole;
  };
  std::deque<Pending> pending_;
  std::optional<double> slack_us_;  // the average, µs
  // Fixed buffer (see above): due − first arrival of each frame played so
  // far, less what the clock had moved by then (µs); the moves made, and
  // still to make; the count at which to measure next.
  std::vector<int64_t> calibration_us_;
  microseconds calibration_made_{0};
  microseconds calibration_left_{0};
  size_t calibration_next_ = kCalibrationFirst;
  bool calibrated_ = false;  // no more measures
  JitterBufferCounters counters_;
};

}  // namespace flowcast::client
