#pragma once
// flowcast's open QoE score of one run (docs/METRICS.md "QoE score"): a
// stall term from a published stall model, a picture term from the damage
// measured, and the two combined, each a MOS on 1..5.
//
// - Stall term: Hoßfeld et al.'s exponential in the number N and the mean
//   length L (in s) of playback interruptions, fitted to crowdsourced
//   ratings of YouTube clips (T. Hoßfeld, R. Schatz, M. Seufert, M. Hirth,
//   T. Zinner, P. Tran-Gia, "Quantification of YouTube QoE via
//   Crowdsourcing", IEEE ISM 2011; used in Hoßfeld et al., "Initial delay
//   vs. interruptions: between the devil and the deep blue sea", QoMEX
//   2012): 3.50 · exp(−(0.15 · L + 0.19) · N) + 1.50. Startup is not an
//   interruption (the QoMEX 2012 result: initial delay weighs far less).
// - Picture term: EvalVid's PSNR → MOS classes (J. Klaue, B. Rathke,
//   A. Wolisz, "EvalVid – A Framework for Video Transmission and Quality
//   Evaluation", TOOLS 2003; media::mos_from_psnr) averaged over the time
//   each compared picture was on screen; without a PSNR, from the share of
//   damaged pictures (clean 5, damaged 1: EvalVid's top and bottom class).
// - Score: 1 + (stall − 1) · (picture − 1) / 4, the product of the two terms
//   on 0..1, put back on 1..5.
//
// Built into the flowcast_report library, so that the client (at exit),
// flowcast-report and flowcast-sweep (from metrics files) share it. Pure
// functions; any thread.
#include <cstdint>
#include <optional>
#include <vector>

#include "client/metrics/metrics_document.hpp"

namespace flowcast::client {

// Hoßfeld et al.'s stall term: 3.50 · exp(−(0.15 · L + 0.19) · N) + 1.50,
// L = mean_interruption_ms / 1000. 5 for N = 0; tends to 1.5 as N grows.
double stall_mos(uint64_t interruptions, double mean_interruption_ms);

// The EvalVid MOS of the compared pictures, each weighted by the time it was
// on screen: from its t_ms to the next picture's, less the part of that gap
// spent in a stall (the stall term has it already); the last picture gets
// the median of the others' weights. Pictures need not be sorted. nullopt
// when there is none; an unweighted mean when every weight is 0.
std::optional<double> picture_mos_from_psnr(const std::vector<ComparedFrame>& pictures,
                                            const std::vector<StallRecord>& stalls);

// 5 − 4 · damaged / rendered: clean pictures 5, damaged ones 1. nullopt when
// nothing was rendered.
std::optional<double> picture_mos_from_damage(uint64_t damaged, uint64_t rendered);

// 1 + (stall − 1) · (picture − 1) / 4: 5 only when both are 5, the other
// term when one is 5, 1 when either is 1.
double combine_qoe(double stall, double picture);

// The "qoe" block of a run from its other figures: interruptions N =
// max(stalls.count, freezes.count) (W3C's freezes.count counts each stall
// that shows as a freeze, so the excess is freezes no stall caused), their
// time stalls.total_ms + session.state_ms.frozen; the picture term from
// quality.per_frame when pictures were compared, else from frames.damaged
// and frames.rendered. Scores are null when no picture was shown
// (startup_ms null).
QoeFigures qoe_of(const MetricsDocument& m);

}  // namespace flowcast::client
