#include "client/audio/beep_flash.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "common/util/percentile.hpp"

namespace flowcast::client {

namespace {

// Hops kept: back past a window before the trigger, and a window after it.
constexpr size_t kMaxHops = 4 * BeepDetector::kWindowMs / BeepDetector::kHopMs + 4;

}  // namespace

BeepDetector::BeepDetector(uint32_t rate, uint32_t channels)
    : rate_(rate),
      channels_(channels),
      window_(std::max<size_t>(8, rate * kWindowMs / 1000)),
      hop_(std::max<size_t>(1, rate * kHopMs / 1000)),
      coeff_(2 * std::cos(2 * std::numbers::pi * kBeepHz / std::max<uint32_t>(rate, 1))),
      ring_(window_, 0.0f) {
  if (rate == 0 || channels == 0)
    throw std::invalid_argument("a beep detector needs a rate and channels");
}

void BeepDetector::reset() {
  filled_ = 0;
  ring_at_ = 0;
  since_hop_ = 0;
  armed_ = false;
  triggered_at_.reset();
  hops_.clear();
}

BeepDetector::Hop BeepDetector::measure(uint64_t end) const {
  // Goertzel over the window, oldest sample first.
  double s1 = 0, s2 = 0, power = 0;
  for (size_t i = 0; i < window_; ++i) {
    const double x = ring_[(ring_at_ + i) % window_];
    power += x * x;
    const double s0 = x + coeff_ * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double magnitude2 = std::max(0.0, s1 * s1 + s2 * s2 - coeff_ * s1 * s2);
  const auto n = static_cast<double>(window_);
  return {end, 2 * std::sqrt(magnitude2) / n, power / n};
}

std::optional<uint64_t> BeepDetector::on_hop(const Hop& hop) {
  hops_.push_back(hop);
  if (hops_.size() > kMaxHops) hops_.pop_front();
  if (!triggered_at_) {
    if (!armed_) {
      armed_ = hop.amplitude < kRearmAmplitude;
    } else if (hop.amplitude >= kStartAmplitude) {
      triggered_at_ = hop.end;
      armed_ = false;
    }
    return std::nullopt;
  }
  // Wait until a window lies wholly after the trigger: the beep's full level.
  if (hop.end < *triggered_at_ + window_) return std::nullopt;
  const uint64_t triggered = *triggered_at_;
  triggered_at_.reset();
  double full = 0;
  const Hop* loudest = nullptr;
  for (const Hop& h : hops_)
    if (h.end >= triggered && h.amplitude > full) {
      full = h.amplitude;
      loudest = &h;
    }
  // A tone: most of the window's power at kBeepHz (a sine's is A²/2).
  if (!loudest || full * full / 2 < kDominance * loudest->power) return std::nullopt;
  const double half = full / 2;
  // The first crossing of half the full amplitude, from the hop before it.
  for (size_t i = 1; i < hops_.size(); ++i) {
    const Hop& before = hops_[i - 1];
    const Hop& h = hops_[i];
    if (h.amplitude < half || before.amplitude >= half) continue;
    const double share = (half - before.amplitude) / (h.amplitude - before.amplitude);
    const double crossing =
        static_cast<double>(before.end) + share * static_cast<double>(h.end - before.end);
    const double onset = crossing - static_cast<double>(window_) / 2;
    return static_cast<uint64_t>(std::max(0.0, std::round(onset)));
  }
  return std::nullopt;
}

std::vector<uint64_t> BeepDetector::push(std::span<const int16_t> pcm, uint64_t first_index) {
  std::vector<uint64_t> onsets;
  if (next_index_ && *next_index_ != first_index) reset();
  const size_t frames = pcm.size() / channels_;
  for (size_t i = 0; i < frames; ++i) {
    float sum = 0;
    for (uint32_t c = 0; c < channels_; ++c) sum += pcm[i * channels_ + c];
    ring_[ring_at_] = sum / (32768.0f * static_cast<float>(channels_));
    ring_at_ = (ring_at_ + 1) % window_;
    filled_ = std::min(filled_ + 1, window_);
    if (++since_hop_ < hop_ || filled_ < window_) continue;
    since_hop_ = 0;
    if (auto onset = on_hop(measure(first_index + i + 1))) onsets.push_back(*onset);
  }
  next_index_ = first_index + frames;
  return onsets;
}

double FlashDetector::centre_luma(const uint8_t* luma, int linesize, int width, int height) {
  if (!luma || width < 4 || height < 4) return 0;
  const int x0 = width / 4, x1 = width - width / 4;
  const int y0 = height / 4, span = height / 2;
  double sum = 0;
  int count = 0;
  for (int r = 0; r < kRows; ++r) {
    // Rows spread over the middle half, away from its edges.
    const int y = y0 + (2 * r + 1) * span / (2 * kRows);
    const uint8_t* row = luma + static_cast<ptrdiff_t>(y) * linesize;
    for (int x = x0; x < x1; x += 4) {
      sum += row[x];
      ++count;
    }
  }
  return count ? sum / count : 0;
}

bool FlashDetector::on_picture(const AVFrame& frame) {
  switch (frame.format) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUV422P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUV444P:
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_NV12:
    case AV_PIX_FMT_NV21:
    case AV_PIX_FMT_GRAY8:
      break;
    default:
      return false;
  }
  const double mean = centre_luma(frame.data[0], frame.linesize[0], frame.width, frame.height);
  if (mean < kDarkLuma) {
    armed_ = true;
    return false;
  }
  if (mean < kFlashLuma || !armed_) return false;
  armed_ = false;
  return true;
}

void BeepFlashMeter::on_picture(const AVFrame& picture, SteadyTime shown) {
  if (detector_.on_picture(picture)) flash(shown);
}

void BeepFlashMeter::flash(SteadyTime shown) {
  if (flashes_.size() < kMaxFlashes) flashes_.push_back(shown);
}

void BeepFlashMeter::fill(const std::vector<SteadyTime>& heard, AvSyncFigures& figures) const {
  figures.beeps = heard.size();
  figures.flashes = flashes_.size();
  std::vector<SteadyTime> beeps = heard;
  std::sort(beeps.begin(), beeps.end());
  std::vector<double> offsets;
  for (const SteadyTime flash : flashes_) {
    // The nearest beep: the first at or after the flash, or the one before.
    auto after = std::lower_bound(beeps.begin(), beeps.end(), flash);
    std::optional<std::chrono::nanoseconds> best;
    if (after != beeps.end()) best = *after - flash;
    if (after != beeps.begin()) {
      const auto before = *std::prev(after) - flash;
      if (!best || -before < *best) best = before;
    }
    if (!best || std::chrono::abs(*best) > kPairWindow) continue;
    // flash − beep: a beep after the flash (best > 0) is audio late.
    offsets.push_back(-std::chrono::duration<double, std::milli>(*best).count());
  }
  figures.beep_flash_pairs = offsets.size();
  BeepFlashOffset& o = figures.beep_flash_offset_ms;
  o = {};
  if (offsets.empty()) return;
  std::vector<double> magnitude;
  double sum = 0, signed_sum = 0;
  for (double v : offsets) {
    magnitude.push_back(std::abs(v));
    sum += std::abs(v);
    signed_sum += v;
  }
  std::sort(magnitude.begin(), magnitude.end());
  const auto n = static_cast<double>(offsets.size());
  o.mean = sum / n;
  o.mean_signed = signed_sum / n;
  o.p50 = common::nearest_rank(magnitude, 0.50);
  o.p95 = common::nearest_rank(magnitude, 0.95);
  o.max = magnitude.back();
}

}  // namespace flowcast::client
