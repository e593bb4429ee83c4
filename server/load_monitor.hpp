#pragma once
// The server's load, measured on the network thread as it runs, and what is
// decided on it: whether live sessions must skip to the next keyframe (the
// server is behind), and whether one more viewer fits.
//
// Two measures, sampled every kTick:
// - the loop lag: how late a timer due now runs. Past kLagLimit, the network
//   thread is behind its own schedule (its paced sends leave late);
// - the network thread's CPU share over the last second (its busy share),
//   from CLOCK_THREAD_CPUTIME_ID.
// With --egress-limit, a token bucket over every session's bytes is a
// third: past the limit the server is overloaded as surely as when its CPU
// is (a test hook as much as a model of a server's uplink).
//
// Overloaded: kLateTicks ticks in a row ran past kLagLimit (one late tick is
// a hiccup: another process had the core), or the bucket is empty.
// A viewer is admitted while the server has not been overloaded for kCalm,
// and when its busy share (and its egress rate, with a limit) per viewer, as
// measured in the last whole second, times the viewers now served plus one
// stays within kAdmitBusy (the limit). Viewers who join within one second
// are all judged on that second's measure; the overload that may follow is
// shed as above. Under --egress-limit, a first viewer is measured alone
// before a second is admitted.
//
// LoadRules holds the rules; LoadMonitor runs them on the network thread.
// Threads: the network thread only (start(), the tick, and every call).
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "server/source/encoder_meter.hpp"

namespace flowcast::server {

// The server's load over its run, for the metrics file ("load").
struct LoadMetrics {
  double busy_percent_mean = 0;  // network thread CPU / wall time, whole run
  double busy_percent_peak = 0;  // in its busiest second
  double lag_ms_peak = 0;        // the latest a due timer ran
  double overloaded_ms = 0;      // time spent overloaded
  uint64_t frames_skipped = 0;   // live frames not sent: sessions skipped to a keyframe
  uint64_t refused = 0;          // viewers refused with FULL past capacity
  int64_t egress_limit_bps = 0;  // --egress-limit; 0: none
  double egress_bps_peak = 0;    // bits sent in the busiest second
  // The live pattern's encoder (Server fills it from MediaSource::encoder()).
  EncoderMetrics encoder;
};

// The rules above, fed with samples: the times a tick was due and ran, the
// network thread's CPU seconds, the bytes sent and the viewers served. No
// timer and no clock of its own, so every rule can be tried with made-up
// samples. Threads: one (the network thread, in LoadMonitor).
class LoadRules {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kTick = std::chrono::milliseconds(50);
  // Sends this late are behind: the client's 500 ms buffer starts to drain.
  static constexpr auto kLagLimit = std::chrono::milliseconds(100);
  static constexpr int kLateTicks = 2;
  static constexpr double kAdmitBusy = 0.85;
  static constexpr auto kCalm = std::chrono::seconds(2);

  // egress_limit_bps: --egress-limit (bits per second), none when nullopt.
  explicit LoadRules(std::optional<int64_t> egress_limit_bps);

  // The run begins at `now`; `cpu_seconds`: the thread's CPU time then.
  void begin(Clock::time_point now, double cpu_seconds);
  // A tick due at `due` ran at `now`. Once a whole second has passed since
  // the last sample, `cpu_seconds()` and `viewers()` are read for the next.
  void tick(Clock::time_point now, Clock::time_point due,
            const std::function<double()>& cpu_seconds, const std::function<size_t()>& viewers);
  // Media bytes the sessions handed to their transports (the egress rate and
  // the bucket; RTCP is left out).
  void sent(uint64_t bytes);
  bool overloaded() const { return overloaded_; }
  // Whether one more viewer fits beside `viewers` now served, at `now`.
  bool admits(size_t viewers, Clock::time_point now) const;
  void frame_skipped() { ++metrics_.frames_skipped; }
  void viewer_refused() { ++metrics_.refused; }

  // The last whole second's busy share (0..1), peak lag (ms) and egress (bit/s).
  double busy() const { return busy_; }
  double lag_ms() const { return lag_ms_; }
  double egress_bps() const { return egress_bps_; }
  // The run so far, at `now` with the thread's CPU time `cpu_seconds`.
  LoadMetrics metrics(Clock::time_point now, double cpu_seconds) const;

 private:
  size_t sampled_viewers_ = 0;  // served during the last whole second
  std::optional<int64_t> limit_bps_;
  Clock::time_point started_;
  Clock::time_point second_start_;
  double cpu_at_start_ = 0;
  double cpu_at_second_ = 0;
  double second_lag_ms_ = 0;
  uint64_t second_bytes_ = 0;
  double busy_ = 0;
  double lag_ms_ = 0;
  double egress_bps_ = 0;
  double tokens_ = 0;  // bytes the limit still allows now; below 0: over it
  bool overloaded_ = false;
  int late_ticks_ = 0;  // in a row
  std::optional<Clock::time_point> last_overload_;
  LoadMetrics metrics_;
};

// LoadRules on the network thread: a timer ticks every kTick, the thread's
// CPU time is read from CLOCK_THREAD_CPUTIME_ID.
class LoadMonitor {
 public:
  using Clock = LoadRules::Clock;
  static constexpr auto kTick = LoadRules::kTick;

  // egress_limit_bps: --egress-limit (bits per second), none when nullopt.
  LoadMonitor(asio::io_context& io, std::optional<int64_t> egress_limit_bps);

  void start();
  void stop();
  // The viewers served, read with every second's sample, so that admission
  // compares each viewer's share as measured with the viewers now served.
  void watch_viewers(std::function<size_t()> viewers) { viewers_ = std::move(viewers); }
  void sent(uint64_t bytes) { rules_.sent(bytes); }
  // Live sessions skip to the next keyframe while this holds.
  bool overloaded() const { return rules_.overloaded(); }
  // Whether one more viewer fits beside `viewers` now served.
  bool admits(size_t viewers) const { return rules_.admits(viewers, Clock::now()); }
  void frame_skipped() { rules_.frame_skipped(); }
  void viewer_refused() { rules_.viewer_refused(); }
  double busy() const { return rules_.busy(); }
  double lag_ms() const { return rules_.lag_ms(); }
  double egress_bps() const { return rules_.egress_bps(); }
  LoadMetrics metrics() const;

 private:
  void schedule();
  void tick();

  asio::steady_timer timer_;
  std::function<size_t()> viewers_;
  LoadRules rules_;
  Clock::time_point due_;
  bool stopped_ = false;
};

}  // namespace flowcast::server
