#pragma once
// Runs the runs of a sweep: each a real flowcast-server and flowcast-client
// on loopback, up to `jobs` at once, each finished run appended to
// OUT/runs.jsonl at once (sweep_results.hpp), with progress on stderr.
//
// One run (docs/ARCHITECTURE.md, "Sweeps"):
//  1. reserve a free port (two with RTSP), start the server with the run's
//     link seed and wait (10 s at most) until it says it streams;
//  2. start the client for the sweep's --duration (killed 30 s past it);
//  3. stop the server with SIGTERM so it writes its metrics;
//  4. a server that could not listen is tried again on other ports; a run
//     whose server or client says the machine was busy (busy_reason,
//     client_busy_reason) is tried again up to `retries` times, then kept
//     as invalid; a client that failed, or
//     wrote no metrics, is a failed run with its last word as the error.
// OUT/runs/<id>/ keeps server.json, client.json, both logs and
// commands.txt (the exact command lines, to replay the run).
//
// Threads: run_sweep blocks its caller; `jobs` worker threads run the runs;
// the caller's thread prints the progress. `stop` may be set by a signal
// handler: workers then stop their runs in flight (SIGTERM to both
// programs), record nothing for them, and start no other.
#include <atomic>
#include <string>
#include <vector>

#include "client/sweep/sweep_grid.hpp"
#include "client/sweep/sweep_results.hpp"

namespace flowcast::client::sweep {

// Runs per core that --jobs defaults to. bench/sweep.sh (bench/RESULTS.md,
// "Sweeps") measured a small run's server and client at about 0.2 cores,
// and a 2-core machine, busy with other work, holding 4 runs per core
// without an invalid run but not 5: 2 per core is half that edge, fills
// about 40 % of the cores, and leaves room for the runs' starts (every
// server opening its encoder at once), for heavier conditions (a larger
// pattern, RTSP over UDP, --reference) and for other work. Too many at once
// costs only time: runs the machine was too busy for are run again.
inline constexpr int kRunsPerCore = 2;
// The default --jobs for `cores` cores (0: unknown, taken as 1): cores ×
// kRunsPerCore, at most 256.
int default_jobs(unsigned cores);
// The cores this process may run on (sched_getaffinity(2), as nproc counts
// them; what hardware_concurrency says when that fails).
unsigned usable_cores();

struct RunnerOptions {
  std::string out_dir;
  std::string server_bin;
  std::string client_bin;
  int jobs = 1;
  int retries = 2;       // extra tries of a run the machine was too busy for
  bool verbose = false;  // one line per finished run
  bool progress = true;  // the progress line (on a terminal)
};

struct SweepTally {
  size_t ok = 0;
  size_t failed = 0;
  size_t invalid = 0;
  bool interrupted = false;
  std::string error;  // a result that could not be written: the sweep stopped
};

// Runs `todo` (already in OUT/runs.jsonl: `already` of `total`). Returns
// how they ended. Blocks until every run ended or `stop` was set.
SweepTally run_sweep(const GridSpec& spec, const std::vector<Run>& todo, size_t already,
                     size_t total, const RunnerOptions& options, const std::atomic<bool>& stop);

// One run, tries included. Blocks for about the sweep's --duration per try.
// Returns nothing useful (a failed record) when stop was set meanwhile:
// interrupted reports that.
RunRecord run_one(const GridSpec& spec, const Run& run, const RunnerOptions& options,
                  const std::atomic<bool>& stop, bool& interrupted);

}  // namespace flowcast::client::sweep
