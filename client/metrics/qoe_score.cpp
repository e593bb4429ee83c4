#include "client/metrics/qoe_score.hpp"

#include <algorithm>
#include <cmath>

#include "media/quality/psnr.hpp"

namespace flowcast::client {

namespace {

// The time of [from, to) that a stall covers, ms.
double stalled_within(double from, double to, const std::vector<StallRecord>& stalls) {
  double covered = 0;
  for (const auto& s : stalls) {
    const double a = std::max(from, s.start_ms), b = std::min(to, s.start_ms + s.duration_ms);
    if (b > a) covered += b - a;
  }
  return covered;
}

}  // namespace

double stall_mos(uint64_t interruptions, double mean_interruption_ms) {
  const double length_s = std::max(0.0, mean_interruption_ms) / 1000.0;
  return 3.50 * std::exp(-(0.15 * length_s + 0.19) * static_cast<double>(interruptions)) + 1.50;
}

std::optional<double> picture_mos_from_psnr(const std::vector<ComparedFrame>& pictures,
                                            const std::vector<StallRecord>& stalls) {
  if (pictures.empty()) return std::nullopt;
  std::vector<ComparedFrame> sorted = pictures;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const ComparedFrame& a, const ComparedFrame& b) { return a.t_ms < b.t_ms; });
  std::vector<double> weights(sorted.size(), 0.0);
  for (size_t i = 0; i + 1 < sorted.size(); ++i) {
    const double from = sorted[i].t_ms, to = sorted[i + 1].t_ms;
    weights[i] = std::max(0.0, to - from - stalled_within(from, to, stalls));
  }
  if (sorted.size() > 1) {
    std::vector<double> others(weights.begin(), weights.end() - 1);
    std::nth_element(others.begin(), others.begin() + others.size() / 2, others.end());
    weights.back() = others[others.size() / 2];
  }
  double total = 0, weighted = 0, plain = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const double mos = media::mos_from_psnr(sorted[i].psnr);
    total += weights[i];
    weighted += weights[i] * mos;
    plain += mos;
  }
  return total > 0 ? weighted / total : plain / static_cast<double>(sorted.size());
}

std::optional<double> picture_mos_from_damage(uint64_t damaged, uint64_t rendered) {
  if (rendered == 0) return std::nullopt;
  const double share = std::min(1.0, static_cast<double>(damaged) / static_cast<double>(rendered));
  return 5.0 - 4.0 * share;
}

double combine_qoe(double stall, double picture) {
  const double s = std::clamp(stall, 1.0, 5.0), p = std::clamp(picture, 1.0, 5.0);
  return 1.0 + (s - 1.0) * (p - 1.0) / 4.0;
}

QoeFigures qoe_of(const MetricsDocument& m) {
  QoeFigures q;
  q.interruptions = std::max<uint64_t>(m.stalls.count, m.freezes.count);
  const double interrupted_ms = m.stalls.total_ms + m.session.state_ms.frozen;
  q.interruption_mean_ms = q.interruptions ? interrupted_ms / q.interruptions : 0.0;
  if (m.frames.rendered > 0)
    q.damaged_share = std::min(
        1.0, static_cast<double>(m.frames.damaged) / static_cast<double>(m.frames.rendered));
  if (!m.startup_ms) return q;
  q.stall_mos = stall_mos(q.interruptions, q.interruption_mean_ms);
  const std::vector<ComparedFrame>* compared =
      m.quality.comparison ? &m.quality.comparison->per_frame : nullptr;
  if (compared && !compared->empty()) {
    q.picture_mos = picture_mos_from_psnr(*compared, m.stalls.events);
    q.picture_basis = "psnr";
  } else if (const auto mos = picture_mos_from_damage(m.frames.damaged, m.frames.rendered)) {
    q.picture_mos = mos;
    q.picture_basis = "damaged_share";
  }
  if (q.picture_mos) q.score = combine_qoe(*q.stall_mos, *q.picture_mos);
  return q;
}

}  // namespace flowcast::client
