#include "client/metrics/client_metrics.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "common/util/percentile.hpp"

namespace flowcast::client {

double FreezeDetector::threshold_ms() const {
  const double mean = sum_ms_ / static_cast<double>(durations_ms_.size());
  return std::max(3 * mean, mean + 150.0);
}

bool FreezeDetector::in_progress(SteadyTime now) const {
  if (!last_ || durations_ms_.empty()) return false;
  return since_last_ms(now) >= threshold_ms();
}

double FreezeDetector::since_last_ms(SteadyTime now) const {
  if (!last_ || now < *last_) return 0;
  return std::chrono::duration<double, std::milli>(now - *last_).count();
}

void FreezeDetector::on_rendered(SteadyTime t, std::optional<SteadyTime> stream_end) {
  if (last_) {
    double d = std::chrono::duration<double, std::milli>(t - *last_).count();
    const bool ended_in_gap = stream_end && *stream_end > *last_ && *stream_end <= t;
    if (ended_in_gap) {
      last_ = t;
      return;
    }
    if (!durations_ms_.empty() && d >= threshold_ms()) {
      ++count_;
      total_ms_ += d;
      freezes_.emplace_back(*last_, t);
    }
    durations_ms_.push_back(d);
    sum_ms_ += d;
    if (durations_ms_.size() > 30) {
      sum_ms_ -= durations_ms_.front();
      durations_ms_.pop_front();
    }
  }
  last_ = t;
}

LatencySummary summarize_latency(std::vector<double> v) {
  LatencySummary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.p50 = common::nearest_rank(v, 0.50);
  s.p95 = common::nearest_rank(v, 0.95);
  s.max = v.back();
  return s;
}

bool write_timeline_csv(const std::string& path, const std::vector<TimelineSample>& samples,
                        std::string& error) {
  std::ostringstream csv;
  csv << "t_ms,state,buffer_ms,buffer_bytes,kernel_bytes,received_kbps,lost,late,corrupt,tainted,"
         "damaged,target_delay_ms,delay_ms,audio_buffer_ms,audio_concealed_samples,audio_underruns,"
         "av_offset_ms\n";
  // A null is an empty field.
  const auto optional = [&csv](const auto& value) {
    if (value) csv << *value;
  };
  for (const auto& s : samples) {
    csv << s.t_ms << ',' << to_string(s.state) << ',' << s.buffer_ms << ',' << s.buffer_bytes << ','
        << s.kernel_bytes << ',' << s.received_kbps << ',' << s.lost << ',' << s.late << ','
        << s.corrupt << ',' << s.tainted << ',' << s.damaged << ',' << s.target_delay_ms << ',';
    optional(s.delay_ms);  // empty before playback
    csv << ',';
    optional(s.audio_buffer_ms);  // the four: empty without sound
    csv << ',';
    optional(s.audio_concealed_samples);
    csv << ',';
    optional(s.audio_underruns);
    csv << ',';
    optional(s.av_offset_ms);
    csv << '\n';
  }
  return write_file_atomic(path, csv.str(), error);
}

TimelineSample TimelineRecorder::begin(SteadyTime now, uint64_t bytes) {
  next_ += kInterval;
  if (next_ < now) next_ = now + kInterval;
  TimelineSample s;
  s.t_ms = std::chrono::duration<double, std::milli>(now - start_).count();
  const double dt = std::chrono::duration<double, std::milli>(now - last_time_).count();
  if (dt > 0) s.received_kbps = static_cast<double>(bytes - last_bytes_) * 8.0 / dt;
  last_bytes_ = bytes;
  last_time_ = now;
  return s;
}

}  // namespace flowcast::client
