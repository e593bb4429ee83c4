#pragma once
// What the client measures while it plays; the metrics file itself is
// metrics_document.hpp. The definitions follow DESIGN.md "Playout and what
// counts".
//
// Threads: the render (main) thread owns a RenderStats and the timeline; the
// MetricsDocument is filled there at exit from snapshots of the other
// stages' counters.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "client/metrics/metrics_document.hpp"
#include "common/util/atomic_file.hpp"

namespace flowcast::client {

using SteadyTime = std::chrono::steady_clock::time_point;

// W3C webrtc-stats freezes (RTCInboundRtpStreamStats.freezeCount,
// totalFreezesDuration): a gap between rendered frames of at least
// max(3 x mean of the last 30 frame durations, that mean + 150 ms).
class FreezeDetector {
 public:
  // A picture shown at `t`. `stream_end`: when the stream's end became known
  // (BYE, closed, silence), if it did. A gap that the end fell into is the
  // wait for a stream that had ended (session state `ended`), not a freeze:
  // pictures the decoder held until the end are shown after it.
  void on_rendered(SteadyTime t, std::optional<SteadyTime> stream_end = std::nullopt);
  uint64_t count() const { return count_; }
  double total_ms() const { return total_ms_; }
  // Each freeze counted, from the picture before the gap to the one after.
  const std::vector<std::pair<SteadyTime, SteadyTime>>& freezes() const { return freezes_; }
  // A freeze is in progress at `now`: no picture for at least the threshold
  // since the last one (it is counted once the next picture is shown).
  bool in_progress(SteadyTime now) const;
  // How long the picture has been on screen at `now`; 0 before the first.
  double since_last_ms(SteadyTime now) const;

 private:
  double threshold_ms() const;
  std::optional<SteadyTime> last_;
  std::vector<std::pair<SteadyTime, SteadyTime>> freezes_;
  std::deque<double> durations_ms_;
  double sum_ms_ = 0;
  uint64_t count_ = 0;
  double total_ms_ = 0;
};

// The 10 Hz timeline ("timeline", --timeline): when the next sample is due,
// and the received rate between samples.
class TimelineRecorder {
 public:
  static constexpr std::chrono::milliseconds kInterval{100};

  // The first sample is due at `start`, and t_ms counts from it.
  explicit TimelineRecorder(SteadyTime start) : start_(start), next_(start), last_time_(start) {}

  SteadyTime next() const { return next_; }
  // A sample at `now` with t_ms and received_kbps filled in (from `bytes`,
  // the wire bytes received so far); the next is due kInterval later, or
  // kInterval after now if the caller fell behind. The caller fills the rest
  // and add()s it.
  TimelineSample begin(SteadyTime now, uint64_t bytes);
  void add(TimelineSample sample) { samples_.push_back(std::move(sample)); }
  const std::vector<TimelineSample>& samples() const { return samples_; }

 private:
  SteadyTime start_;
  SteadyTime next_;
  SteadyTime last_time_;
  uint64_t last_bytes_ = 0;
  std::vector<TimelineSample> samples_;
};

// Percentiles (nearest rank) of latencies in ms; nulls when empty.
LatencySummary summarize_latency(std::vector<double> latencies_ms);

struct RenderStats {
  uint64_t rendered = 0;
  uint64_t dropped_late = 0;
  uint64_t corrupt = 0;  // rendered with the decoder's error flag
  uint64_t tainted = 0;  // rendered after a loss, before the next keyframe
  uint64_t damaged = 0;  // rendered corrupt or tainted (each picture once)
  std::optional<double> startup_ms;
  std::optional<SteadyTime> first_picture;
  std::vector<double> latencies_ms;
  FreezeDetector freezes;
  // The client's own lag (ClientLoad): how late the loop came for each
  // picture it had been waiting for, in ms, and the pictures it held in
  // time yet dropped late for coming back after their successor was due.
  std::vector<double> wake_late_ms;
  uint64_t late_pictures = 0;
};

// Writes the timeline as CSV with a header row.
bool write_timeline_csv(const std::string& path, const std::vector<TimelineSample>& samples,
                        std::string& error);

// Metrics, timeline and framemd5 files are written whole or not at all.
using common::write_file_atomic;

}  // namespace flowcast::client
