#include "server/load_monitor.hpp"

#include <time.h>

#include <algorithm>

namespace flowcast::server {

namespace {
// CPU seconds the calling thread has used.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double ms(LoadRules::Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// The bucket holds a quarter second of the limit: a keyframe's burst fits.
constexpr double kBucketSeconds = 0.25;
}  // namespace

LoadRules::LoadRules(std::optional<int64_t> egress_limit_bps) : limit_bps_(egress_limit_bps) {
  metrics_.egress_limit_bps = limit_bps_.value_or(0);
  if (limit_bps_) tokens_ = static_cast<double>(*limit_bps_) / 8 * kBucketSeconds;
}

void LoadRules::begin(Clock::time_point now, double cpu_seconds) {
  started_ = second_start_ = now;
  cpu_at_start_ = cpu_at_second_ = cpu_seconds;
}

void LoadRules::sent(uint64_t bytes) {
  second_bytes_ += bytes;
  if (limit_bps_) tokens_ -= static_cast<double>(bytes);
}

void LoadRules::tick(Clock::time_point now, Clock::time_point due,
                     const std::function<double()>& cpu_seconds,
                     const std::function<size_t()>& viewers) {
  const double lag = ms(now - due);
  second_lag_ms_ = std::max(second_lag_ms_, lag);
  metrics_.lag_ms_peak = std::max(metrics_.lag_ms_peak, lag);
  if (limit_bps_) {
    const double rate = static_cast<double>(*limit_bps_) / 8;  // bytes per second
    tokens_ = std::min(rate * kBucketSeconds, tokens_ + rate * ms(kTick + (now - due)) / 1000);
  }
  const bool was = overloaded_;
  late_ticks_ = lag > ms(kLagLimit) ? late_ticks_ + 1 : 0;
  overloaded_ = late_ticks_ >= kLateTicks || (limit_bps_ && tokens_ < 0);
  if (overloaded_) {
    if (was && last_overload_) metrics_.overloaded_ms += ms(now - *last_overload_);
    last_overload_ = now;
  }
  if (now - second_start_ >= std::chrono::seconds(1)) {
    const double wall = std::chrono::duration<double>(now - second_start_).count();
    const double cpu = cpu_seconds();
    busy_ = std::clamp((cpu - cpu_at_second_) / wall, 0.0, 1.0);
    lag_ms_ = second_lag_ms_;
    egress_bps_ = static_cast<double>(second_bytes_) * 8 / wall;
    metrics_.busy_percent_peak = std::max(metrics_.busy_percent_peak, busy_ * 100);
    metrics_.egress_bps_peak = std::max(metrics_.egress_bps_peak, egress_bps_);
    sampled_viewers_ = viewers ? viewers() : 0;
    cpu_at_second_ = cpu;
    second_start_ = now;
    second_lag_ms_ = 0;
    second_bytes_ = 0;
  }
}

bool LoadRules::admits(size_t viewers, Clock::time_point now) const {
  if (overloaded_) return false;
  if (last_overload_ && now - *last_overload_ < kCalm) return false;
  // Each viewer costs about what each cost in the last second (the fixed
  // part counted as theirs too: the estimate errs on the side of refusing).
  // With none served then, what is used now must leave room.
  const double shares =
      sampled_viewers_ == 0 ? 1.0 : static_cast<double>(viewers + 1) / sampled_viewers_;
  if (busy_ * shares > kAdmitBusy) return false;
  if (limit_bps_) {
    // Under a limit, a viewer's rate must be known before another joins:
    // viewers who join together would otherwise all be admitted, and all
    // skip frames for as long as they stay.
    if (sampled_viewers_ == 0 && viewers > 0) return false;
    if (egress_bps_ * shares > static_cast<double>(*limit_bps_)) return false;
  }
  return true;
}

LoadMetrics LoadRules::metrics(Clock::time_point now, double cpu_seconds) const {
  LoadMetrics m = metrics_;
  const double wall = std::chrono::duration<double>(now - started_).count();
  if (wall > 0) m.busy_percent_mean = (cpu_seconds - cpu_at_start_) / wall * 100;
  return m;
}

LoadMonitor::LoadMonitor(asio::io_context& io, std::optional<int64_t> egress_limit_bps)
    : timer_(io), rules_(egress_limit_bps) {}

void LoadMonitor::start() {
  const auto now = Clock::now();
  rules_.begin(now, thread_cpu_seconds());
  due_ = now + kTick;
  schedule();
}

void LoadMonitor::stop() {
  stopped_ = true;
  timer_.cancel();
}

void LoadMonitor::schedule() {
  timer_.expires_at(due_);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec && !stopped_) tick();
  });
}

void LoadMonitor::tick() {
  const auto now = Clock::now();
  rules_.tick(now, due_, thread_cpu_seconds, viewers_);
  // The next tick is due a tick from now: a late one is not run twice.
  due_ = now + kTick;
  schedule();
}

LoadMetrics LoadMonitor::metrics() const {
  return rules_.metrics(Clock::now(), thread_cpu_seconds());
}

}  // namespace flowcast::server
