#pragma once
// flowcast-sweep's command line (DESIGN.md "Sweeps", docs/SWEEPS.md):
//   flowcast-sweep [grid options] --out DIR     run a grid, or resume it
//   flowcast-sweep merge DIR... --out DIR       join shards' results
//   flowcast-sweep merge OUT IN...              the same, OUT first
// Parsed with CLI11; the grid's values are checked by the unit parsers of
// common/util. Exit codes: 0 done, 1 a runtime failure (some runs failed,
// or a file could not be written), 2 a usage error, 130 interrupted.
// Threads: the caller's; SIGINT and SIGTERM are taken over while a sweep
// runs (they stop the runs in flight and keep what finished).
namespace flowcast::client::sweep {

int sweep_main(int argc, char** argv);

}  // namespace flowcast::client::sweep
