#pragma once
// The results of a sweep: one RunRecord per finished run, as JSON lines in
// DIR/runs.jsonl (appended and flushed as each run ends, so a crash loses
// only the runs in flight), and what a resumed sweep still has to run.
//
// A run's record carries its condition and seed, its status, the exact
// command lines (to replay it by hand) and the headline figures of its
// client metrics file (docs/METRICS.md), so the tables need no other file.
// A file may hold several records of one id (a run tried again after it
// failed or was invalid): the last one counts.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "client/sweep/sweep_grid.hpp"
#include "common/util/json_optional.hpp"

namespace flowcast::client::sweep {

// How a run ended:
// - ok: both programs ran and the machine kept up;
// - invalid: the server or the client fell behind because the machine was
//   busy (the server's load block, the client's client_load), on every
//   try: the figures are not the link's;
// - failed: a program could not start or run; error says why.
enum class RunStatus { ok, invalid, failed };
NLOHMANN_JSON_SERIALIZE_ENUM(RunStatus, {{RunStatus::ok, "ok"},
                                         {RunStatus::invalid, "invalid"},
                                         {RunStatus::failed, "failed"}})

// The client's headline figures (times in ms; null when the metrics file
// has none, e.g. no rebuffering ratio for a run that never started).
struct Headline {
  std::optional<double> startup_ms;
  double stalls = 0;
  double stall_ms = 0;
  std::optional<double> rebuffering_ratio;
  double freezes = 0;
  double freeze_ms = 0;
  double lost = 0;
  double late = 0;
  double damaged = 0;  // rendered pictures corrupt or tainted
  double rendered = 0;
  std::optional<double> psnr_mean;
  std::optional<double> mos_mean;
  std::optional<double> latency_p50_ms;
  std::optional<double> latency_p95_ms;
  double buffer_peak_ms = 0;
  // The open QoE score and its terms (docs/METRICS.md "QoE score").
  std::optional<double> qoe_score;
  std::optional<double> qoe_stall_mos;
  std::optional<double> qoe_picture_mos;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Headline, startup_ms, stalls, stall_ms,
                                                rebuffering_ratio, freezes, freeze_ms, lost, late,
                                                damaged, rendered, psnr_mean, mos_mean,
                                                latency_p50_ms, latency_p95_ms, buffer_peak_ms,
                                                qoe_score, qoe_stall_mos, qoe_picture_mos)

// The headline of a client metrics file (flowcast.metrics/1); missing keys
// read as 0 or null. The QoE figures are the file's "qoe" block, or, in a
// file written before the score existed, computed from the file the way the
// client computes them (client/metrics/qoe_score). Throws
// nlohmann::json::exception on wrong types.
Headline headline_of(const nlohmann::json& client_metrics);
// Why the server's metrics say the machine was too busy for the run to
// count ("" when it kept up): load.overloaded_ms > 0, load.frames_skipped
// > 0, or the live encoder fell behind or skipped pictures (docs/METRICS.md,
// "load").
std::string busy_reason(const nlohmann::json& server_metrics);

// The client's render loop may come back this late for a picture it holds
// (client_load.wake_late_ms.max, ms). A picture shown L late leaves the one
// before it on screen for T + L (T the frame interval), a W3C freeze once
// that passes max(3T, T + 150 ms): below 150 ms of lateness the client's
// own lag cannot make a freeze at any frame rate.
inline constexpr double kClientWakeLateLimitMs = 150;
// Why the client's metrics say the machine was too busy for the run to count
// ("" when it kept up, or when the file predates "client_load"): it dropped
// pictures it held in time (client_load.late_pictures > 0: the figures then
// count drops that were the machine's, not the link's), or its render loop
// came back more than kClientWakeLateLimitMs late for a picture
// (docs/METRICS.md "The client's own lag"). Throws nlohmann::json::exception
// on wrong types.
std::string client_busy_reason(const nlohmann::json& client_metrics);

struct RunRecord {
  std::string id;
  Condition condition;
  int64_t seed = 0;
  RunStatus status = RunStatus::failed;
  std::string error;   // failed: what went wrong; invalid: why the run does not count
  int attempts = 0;    // tries, the last included
  double seconds = 0;  // wall time of the last try
  std::string server_command;
  std::string client_command;
  std::optional<Headline> headline;  // ok and invalid runs
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RunRecord, id, condition, seed, status, error,
                                                attempts, seconds, server_command, client_command,
                                                headline)

// Appends one record as a line to path, flushed and synced before it
// returns; after a line torn by a crash, on a line of its own. Threads: any, one writer at a time
// (the caller's lock). On failure returns false and says why in error.
bool append_record(const std::string& path, const RunRecord& record, std::string& error);
// The records of a runs.jsonl, the last one per id, in the order ids first
// appear. A missing file has none; a line that is not JSON (torn by a
// crash mid-write) is skipped, its run missing; JSON that is not a record
// throws std::runtime_error naming the line.
std::vector<RunRecord> read_records(const std::string& path);
// The runs of `grid` that have no ok record: what a resumed sweep runs.
// Failed and invalid runs are tried again.
std::vector<Run> missing_runs(const std::vector<Run>& grid, const std::vector<RunRecord>& done);
// The records of several result files joined: the last per id, an ok
// record winning over a later failed or invalid one.
std::vector<RunRecord> merge_records(const std::vector<std::vector<RunRecord>>& parts);

}  // namespace flowcast::client::sweep
