#include "common/rtp/receiver_statistics.hpp"

#include <algorithm>
#include <cmath>

namespace flowcast::common {

namespace {
constexpr double kTwo32 = 4294967296.0;
constexpr double kTwo31 = 2147483648.0;

size_t slot(int64_t extended) {
  const auto w = static_cast<int64_t>(ReceiverStatistics::kDuplicateWindow);
  return static_cast<size_t>(((extended % w) + w) % w);
}
}  // namespace

ReceiverStatistics::ReceiverStatistics(ReceiverStatisticsConfig config)
    : config_(config), window_(kDuplicateWindow, false) {}

void ReceiverStatistics::restart() {
  restart_pending_ = true;
}

void ReceiverStatistics::resync(uint16_t first) {
  unwrap_ = SequenceUnwrapper{};
  // The first unwrap returns the number itself: the extended numbers go on
  // right after the highest.
  offset_ = counters_.highest + 1 - first;
  ++counters_.resyncs;
  // A new stretch of the sender's clock: its transit is not the old one's.
  last_transit_.reset();
}

void ReceiverStatistics::drop_held_stray(Sequenced& verdict) {
  if (!held_) return;
  held_.reset();
  ++counters_.received;
  ++counters_.strays;
  verdict.stray_dropped = true;
}

ReceiverStatistics::Sequenced ReceiverStatistics::on_packet(uint16_t sequence,
                                                            std::optional<uint32_t> rtp_timestamp,
                                                            Clock::time_point arrival,
                                                            size_t bytes) {
  const Held packet{sequence, rtp_timestamp, arrival, bytes};
  Sequenced verdict;
  if (restart_pending_) {
    restart_pending_ = false;
    held_.reset();
    if (highest_raw_) resync(sequence);
    return accept(packet);
  }
  if (!highest_raw_) {
    // A.1's probation of a new source: min_sequential packets in a row.
    if (config_.min_sequential <= 1) return accept(packet);
    if (held_ && sequence == static_cast<uint16_t>(held_->sequence + 1) &&
        ++in_sequence_ >= config_.min_sequential) {
      const Held first = *held_;
      held_.reset();
      accept(first);
      verdict = accept(packet);
      verdict.verdict = Verdict::resynced;
      return verdict;
    }
    if (!held_ || sequence != static_cast<uint16_t>(held_->sequence + 1)) in_sequence_ = 1;
    // Before the source is valid nothing counts (A.1): the held one goes.
    verdict.stray_dropped = held_.has_value();
    held_ = packet;
    verdict.verdict = Verdict::probation;
    return verdict;
  }
  const int32_t delta = sequence_delta(sequence, *highest_raw_);
  if (delta > config_.max_dropout || delta < -config_.max_misorder) {
    // A jump: two packets in sequence restart the sequence space; one alone
    // is a stray.
    if (held_ && sequence == static_cast<uint16_t>(held_->sequence + 1)) {
      const Held first = *held_;
      held_.reset();
      resync(first.sequence);
      accept(first);
      verdict = accept(packet);
      verdict.verdict = Verdict::resynced;
      return verdict;
    }
    drop_held_stray(verdict);
    held_ = packet;
    verdict.verdict = Verdict::probation;
    return verdict;
  }
  drop_held_stray(verdict);
  const bool stray = verdict.stray_dropped;
  verdict = accept(packet);
  verdict.stray_dropped = stray;
  return verdict;
}

ReceiverStatistics::Sequenced ReceiverStatistics::accept(const Held& packet) {
  const int64_t extended = unwrap_.unwrap(packet.sequence) + offset_;
  Sequenced verdict;
  verdict.extended = extended;
  ++counters_.received;
  counters_.bytes += packet.bytes;
  if (!packet.rtp_timestamp) ++counters_.fillers;
  if (!highest_raw_) {
    counters_.base = counters_.highest = extended;
    highest_raw_ = packet.sequence;
    remember(extended);
  } else if (seen(extended)) {
    verdict.duplicate = true;
    ++counters_.duplicate;
  } else {
    if (extended < counters_.highest) ++counters_.reordered;
    // A packet from before the first moves the base back, as A.1's
    // base_seq would have been had it come first.
    counters_.base = std::min(counters_.base, extended);
    remember(extended);
    if (extended > counters_.highest) {
      counters_.highest = extended;
      highest_raw_ = packet.sequence;
    }
  }
  if (packet.rtp_timestamp) measure_jitter(*packet.rtp_timestamp, packet.arrival);
  return verdict;
}

void ReceiverStatistics::measure_jitter(uint32_t rtp_timestamp, Clock::time_point arrival) {
  // A.8: transit = arrival - timestamp in timestamp units, modulo 2^32 as
  // the 32-bit arithmetic there; D is the difference of two transits.
  const double arrival_units = std::chrono::duration<double>(arrival.time_since_epoch()).count() *
                               static_cast<double>(config_.clock_rate);
  double transit = std::fmod(arrival_units - static_cast<double>(rtp_timestamp), kTwo32);
  if (transit < 0) transit += kTwo32;
  if (last_transit_) {
    double d = transit - *last_transit_;
    if (d > kTwo31) d -= kTwo32;
    if (d < -kTwo31) d += kTwo32;
    d = std::min(std::abs(d), static_cast<double>(config_.max_transit_difference));
    jitter_ += (d - jitter_) / 16.0;
  }
  last_transit_ = transit;
}

bool ReceiverStatistics::seen(int64_t extended) const {
  if (extended > counters_.highest) return false;
  if (counters_.highest - extended >= static_cast<int64_t>(kDuplicateWindow)) return false;
  return window_[slot(extended)];
}

void ReceiverStatistics::remember(int64_t extended) {
  if (extended > counters_.highest) {
    // The slots the window moves onto held numbers kDuplicateWindow older.
    const int64_t from =
        std::max(counters_.highest + 1, extended - static_cast<int64_t>(kDuplicateWindow) + 1);
    for (int64_t e = from; e <= extended; ++e) window_[slot(e)] = false;
  } else if (counters_.highest - extended >= static_cast<int64_t>(kDuplicateWindow)) {
    return;
  }
  window_[slot(extended)] = true;
}

void ReceiverStatistics::on_sender_report(uint64_t ntp_time, Clock::time_point arrival) {
  last_sr_ = ntp_middle(ntp_time);
  last_sr_arrival_ = arrival;
}

std::optional<ReportBlock> ReceiverStatistics::report_block(uint32_t ssrc, Clock::time_point now) {
  if (!highest_raw_) return std::nullopt;
  ReportBlock block;
  block.ssrc = ssrc;
  const int64_t expected = counters_.expected();
  const int64_t received =
      static_cast<int64_t>(counters_.received - counters_.duplicate - counters_.strays);
  // A.3: the fraction over the interval since the previous report.
  const int64_t expected_interval = expected - prior_expected_;
  const int64_t lost_interval = expected_interval - (received - prior_received_);
  prior_expected_ = expected;
  prior_received_ = received;
  if (expected_interval > 0 && lost_interval > 0)
    block.fraction_lost =
        static_cast<uint8_t>(std::min<int64_t>(255, (lost_interval << 8) / expected_interval));
  block.cumulative_lost =
      static_cast<int32_t>(std::clamp<int64_t>(counters_.lost(), -0x800000, 0x7fffff));
  block.highest_sequence = static_cast<uint32_t>(counters_.highest);
  block.jitter = jitter();
  if (last_sr_) {
    block.last_sr = *last_sr_;
    const auto since =
        std::chrono::duration_cast<std::chrono::microseconds>(now - last_sr_arrival_);
    const int64_t units = std::max<int64_t>(0, since.count()) * 65536 / 1'000'000;
    block.delay_since_last_sr = static_cast<uint32_t>(std::min<int64_t>(units, 0xffffffff));
  }
  return block;
}

std::optional<std::chrono::microseconds> round_trip_time(const ReportBlock& block,
                                                         uint32_t arrival_ntp_middle) {
  if (block.last_sr == 0) return std::nullopt;
  // Modulo 2^32, as the 16.16 clock wraps every 18 hours.
  const auto rtt =
      static_cast<int32_t>(arrival_ntp_middle - block.last_sr - block.delay_since_last_sr);
  if (rtt < 0) return std::nullopt;
  return std::chrono::microseconds(int64_t{rtt} * 1'000'000 / 65536);
}

}  // namespace flowcast::common
