#pragma once
// The input of ITU-T P.1203 mode 0 (Rec. P.1203.1 metadata only; the JSON
// the reference implementation, itu-p1203, reads) for one run of a sweep,
// so a run can be scored with it. Written as OUT/runs/<id>/p1203.json.
//
//   I13.segments  one per second of media played (the last one shorter):
//                 start and duration in s, bitrate in kbit/s (the
//                 condition's --bitrate, as sent), codec "h264",
//                 resolution and fps (the sweep's --pattern);
//   I23.stalling  [start, duration] in s of media time: the startup as a
//                 stall at 0 (startup_ms), then each stall at the media
//                 position it interrupted (its start since launch, less
//                 the startup and the stalls before it);
//   IGen          displaySize (the pattern), device "pc".
// Media played is session.state_ms playing + frozen. P.1203 models
// reliable transport: stalls and bitrate. Pictures damaged by loss (UDP)
// are not in its input and not in its score.
// Pure; any thread.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "client/sweep/sweep_grid.hpp"

namespace flowcast::client::sweep {

// nullopt when the run has no known bitrate (an input file) or never
// started (no startup_ms).
std::optional<nlohmann::json> p1203_input(const nlohmann::json& client_metrics,
                                          const Condition& condition, const std::string& pattern);

}  // namespace flowcast::client::sweep
