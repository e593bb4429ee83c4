#include "client/playout/playout_delay.hpp"

#include <algorithm>

#include "common/util/percentile.hpp"

namespace flowcast::client {

namespace {
double to_ms(microseconds d) {
  return static_cast<double>(d.count()) / 1000.0;
}
double to_s(SteadyTime::duration d) {
  return std::chrono::duration<double>(d).count();
}
microseconds from_ms(double ms) {
  return microseconds(static_cast<int64_t>(ms * 1000.0));
}
microseconds ticks(int64_t ticks_90k) {
  return microseconds(ticks_90k * 1000 / 90);
}
}  // namespace

microseconds PlayoutDelay::on_frame(const TakenFrame& frame) {
  estimate(frame);
  if (frame.due && frame.complete) measure_slack(frame);
  microseconds shift(0);
  if (frame.due) shift = config_.adaptive ? slew(frame) : calibrate(frame);
  if (!newest_ts_ || frame.timestamp > *newest_ts_) newest_ts_ = frame.timestamp;
  count(frame, shift);
  return shift;
}

void PlayoutDelay::estimate(const TakenFrame& frame) {
  // A frame before the last one placed in decode order: the timeline
  // stepped back (no stream reorders by more than the window). What is
  // held, and the reordering seen, belong to the old timeline.
  if (placed_ts_ && frame.timestamp < *placed_ts_) {
    unordered_.clear();
    unordered_ts_.clear();
    last_ts_.reset();
    placed_ts_.reset();
    reorder_max_.clear();
  }
  // A frame a retransmission completed arrived a round trip late: that is
  // the round trip's (counted apart), not jitter.
  unordered_.push_back(
      {frame.timestamp, frame.last_arrival, frame.bytes, frame.complete && !frame.retransmitted});
  unordered_ts_.insert(frame.timestamp);
  if (unordered_.size() <= kEstimateReorder) return;
  // The oldest frame taken, with the smallest timestamp held: its place in
  // decode order (see minimum()).
  const Unordered f = unordered_.front();
  unordered_.pop_front();
  const int64_t ts = *unordered_ts_.begin();
  unordered_ts_.erase(unordered_ts_.begin());
  placed_ts_ = ts;
  // Shown this much before its place in decode order: the decoder holds
  // the pictures before it at least that long (counted up to 1 s).
  const int64_t reorder_90k = std::clamp<int64_t>(ts - f.timestamp, 0, kMaxReorder90k);
  while (!reorder_max_.empty() && reorder_max_.back().amount_90k <= reorder_90k)
    reorder_max_.pop_back();
  reorder_max_.push_back({placed_count_, reorder_90k});
  if (reorder_max_.front().placed + kReorderMemory <= placed_count_) reorder_max_.pop_front();
  ++placed_count_;
  if (!f.measured || (last_ts_ && ts <= *last_ts_)) return;
  if (last_ts_) {
    const auto arrival_gap =
        std::chrono::duration_cast<microseconds>(f.last_arrival - last_arrival_);
    const double delay_ms = to_ms(arrival_gap) - to_ms(ticks(ts - *last_ts_));
    estimator_.update(delay_ms, static_cast<double>(f.bytes), static_cast<double>(last_bytes_));
  }
  last_ts_ = ts;
  last_arrival_ = f.last_arrival;
  last_bytes_ = f.bytes;
}

void PlayoutDelay::measure_slack(const TakenFrame& frame) {
  for (auto& p : pending_) p.needed_by = std::min(p.needed_by, *frame.due);
  pending_.push_back({*frame.due, frame.last_arrival});
  while (pending_.size() > kReorderFrames) {
    const Pending p = pending_.front();
    pending_.pop_front();
    const double slack = static_cast<double>(
        std::chrono::duration_cast<microseconds>(p.needed_by - p.whole).count());
    slack_us_ = slack_us_ ? *slack_us_ + (slack - *slack_us_) / kSlackFrames : slack;
  }
}

microseconds PlayoutDelay::slew_step(const TakenFrame& frame) const {
  const int64_t advanced = newest_ts_ ? std::max<int64_t>(0, frame.timestamp - *newest_ts_) : 0;
  return microseconds(
      static_cast<int64_t>(static_cast<double>(ticks(advanced).count()) * config_.max_slew));
}

void PlayoutDelay::moved(microseconds shift) {
  if (slack_us_) *slack_us_ += static_cast<double>(shift.count());
  for (auto& p : pending_) p.needed_by += shift;
}

microseconds PlayoutDelay::slew(const TakenFrame& frame) {
  if (!slack_us_) return microseconds(0);
  const auto step = slew_step(frame);
  const auto want = target() - microseconds(static_cast<int64_t>(*slack_us_));
  const microseconds shift = std::clamp(want, -step, step);
  moved(shift);
  return shift;
}

microseconds PlayoutDelay::calibrate(const TakenFrame& frame) {
  if (config_.fixed.count() <= 0) return microseconds(0);
  if (!calibrated_) {
    calibration_us_.push_back(
        std::chrono::duration_cast<microseconds>(*frame.due - frame.first_arrival).count() -
        calibration_made_.count());
    if (calibration_us_.size() == calibration_next_) {
      // The samples' order does not matter: they are partly sorted in place.
      const microseconds median(common::nearest_rank_unsorted(calibration_us_, 0.5));
      // What the median frame waits once every move decided is made.
      const microseconds decided = calibration_made_ + calibration_left_;
      const microseconds off = config_.fixed - (median + decided);
      if (off >= kCalibrationDeadband || off <= -kCalibrationDeadband)
        calibration_left_ =
            std::clamp(decided + off, -kMaxCalibration, kMaxCalibration) - calibration_made_;
      calibration_next_ *= 2;
      if (calibration_next_ > kCalibrationLast) {
        calibrated_ = true;
        calibration_us_ = {};
      }
    }
  }
  const auto step = slew_step(frame);
  const microseconds shift = std::clamp(calibration_left_, -step, step);
  calibration_left_ -= shift;
  calibration_made_ += shift;
  moved(shift);
  return shift;
}

void PlayoutDelay::count(const TakenFrame& frame, microseconds shift) {
  SteadyTime emit = frame.taken;
  if (frame.due) emit = std::max(emit, *frame.due + shift);
  counters_.delay_s += std::max(0.0, to_s(emit - frame.first_arrival));
  counters_.target_delay_s += to_ms(target()) / 1000.0;
  counters_.minimum_delay_s += to_ms(minimum()) / 1000.0;
  ++counters_.emitted;
}

void PlayoutDelay::rebase() {
  pending_.clear();
  slack_us_.reset();
  // A stall moved the clock: what the start measured no longer holds.
  calibrated_ = true;
  calibration_us_ = {};
  calibration_left_ = microseconds(0);
}

microseconds PlayoutDelay::reorder_delay() const {
  if (reorder_max_.empty()) return microseconds(0);
  return ticks(reorder_max_.front().amount_90k);
}

microseconds PlayoutDelay::minimum() const {
  microseconds m =
      from_ms(estimator_.estimate_ms()) + reorder_delay() + config_.decode + config_.render;
  if (retransmitting_ && rtt_) m += *rtt_;
  return m;
}

microseconds PlayoutDelay::target() const {
  if (!config_.adaptive) return config_.fixed;
  return std::clamp(minimum(), config_.floor, std::max(config_.floor, config_.ceiling));
}

std::optional<microseconds> PlayoutDelay::actual() const {
  if (!slack_us_) return std::nullopt;
  return microseconds(static_cast<int64_t>(*slack_us_));
}

}  // namespace flowcast::client
