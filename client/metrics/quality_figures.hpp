#pragma once
// The metrics file's "quality" block (flowcast.metrics/1; docs/METRICS.md
// "quality"), as C++ types: PSNR (dB) and MOS (1..5) against --reference,
// per picture and summed up. Part of MetricsDocument (metrics_document.hpp),
// whose rules it follows: keys are only added, a missing key reads as the
// member's default. Plain values; any thread.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/util/json_optional.hpp"

namespace flowcast::client {

// "quality" always has these; null without a reference, or when the stream
// did not match it.
struct QualityFigures {
  std::optional<double> psnr_mean;
  std::optional<double> psnr_min;
  std::optional<double> mos_mean;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(QualityFigures, psnr_mean, psnr_min, mos_mean)

// One entry of "quality.per_frame": a compared picture.
struct ComparedFrame {
  double t_ms = 0;    // when shown, since launch
  double pts_ms = 0;  // its presentation time in the source
  double psnr = 0;
  int mos = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ComparedFrame, t_ms, pts_ms, psnr, mos)

// What "quality" holds besides QualityFigures when there is a reference.
struct ReferenceComparison {
  std::string reference;  // the --reference file
  bool reference_matched = false;
  uint64_t frames_compared = 0;
  uint64_t frames_unmatched = 0;
  uint64_t frames_not_compared = 0;
  std::map<std::string, uint64_t> mos_histogram;  // "1".."5": pictures per MOS score
  std::vector<ComparedFrame> per_frame;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ReferenceComparison, reference, reference_matched,
                                                frames_compared, frames_unmatched,
                                                frames_not_compared, mos_histogram, per_frame)

// Why the stream did not match the reference; "quality" has it only then.
struct ReferenceError {
  std::string reference_error;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ReferenceError, reference_error)

// "quality": one JSON object made of the parts that apply.
struct Quality {
  QualityFigures figures;
  std::optional<ReferenceComparison> comparison;  // with --reference
  std::optional<ReferenceError> error;            // with --reference, when it did not match
};
inline void to_json(nlohmann::json& j, const Quality& q) {
  j = q.figures;
  if (q.comparison) j.update(nlohmann::json(*q.comparison));
  if (q.error) j.update(nlohmann::json(*q.error));
}
inline void from_json(const nlohmann::json& j, Quality& q) {
  q.figures = j.get<QualityFigures>();
  // Each part reads with its defaults; a part is there when its defining
  // member is: a reference is never an empty path, an error never empty.
  auto comparison = j.get<ReferenceComparison>();
  if (!comparison.reference.empty())
    q.comparison = std::move(comparison);
  else
    q.comparison.reset();
  auto error = j.get<ReferenceError>();
  if (!error.reference_error.empty())
    q.error = std::move(error);
  else
    q.error.reset();
}

}  // namespace flowcast::client
