#include "client/sweep/sweep_app.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "client/sweep/sweep_file.hpp"
#include "client/sweep/sweep_grid.hpp"
#include "client/sweep/sweep_report.hpp"
#include "client/sweep/sweep_results.hpp"
#include "client/sweep/sweep_run_pages.hpp"
#include "client/sweep/sweep_runner.hpp"
#include "client/sweep/sweep_tables.hpp"
#include "common/util/atomic_file.hpp"
#include "common/util/cli_units.hpp"

namespace flowcast::client::sweep {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) {
  stop_requested = true;
}

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "flowcast-sweep: %s\n", message.c_str());
  return code;
}

// flowcast-server or flowcast-client: beside this program, in the build
// tree's server/ or client/ beside its folder, or on PATH.
std::string find_program(const std::string& name, const std::string& build_folder) {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (const fs::path& candidate : {self / name, self.parent_path() / build_folder / name})
    if (!ec && access(candidate.c_str(), X_OK) == 0) return candidate.string();
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    for (size_t at = 0; at <= dirs.size();) {
      const size_t end = std::min(dirs.find(':', at), dirs.size());
      const fs::path candidate = fs::path(dirs.substr(at, end - at)) / name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
      at = end + 1;
    }
  }
  return name;
}

// Writes runs.csv and conditions.csv of dir's runs.jsonl; "" or the error.
std::string write_tables(const std::string& dir) {
  const auto records = read_records(dir + "/runs.jsonl");
  std::string error;
  if (!common::write_file_atomic(dir + "/runs.csv", runs_csv(records), error) ||
      !common::write_file_atomic(dir + "/conditions.csv", conditions_csv(records), error))
    return error;
  return {};
}

int merge(const std::vector<std::string>& inputs_given, std::string out) {
  std::vector<std::string> inputs = inputs_given;
  if (out.empty()) {
    if (inputs.size() < 2) return fail(2, "merge wants OUT and at least one IN (or --out DIR)");
    out = inputs.front();
    inputs.erase(inputs.begin());
  }
  std::vector<std::vector<RunRecord>> parts;
  std::error_code ec;
  fs::create_directories(out + "/runs", ec);
  if (ec) return fail(1, out + ": " + ec.message() + " (check that it can be created)");
  try {
    for (const auto& input : inputs) {
      const bool is_dir = fs::is_directory(input);
      const std::string file = is_dir ? input + "/runs.jsonl" : input;
      if (!fs::exists(file))
        return fail(2, file + ": no such file; give sweep folders or runs.jsonl files");
      parts.push_back(read_records(file));
      // Each run's own files go along, when the input is a folder.
      if (is_dir && fs::is_directory(input + "/runs"))
        fs::copy(input + "/runs", out + "/runs",
                 fs::copy_options::recursive | fs::copy_options::skip_existing);
    }
  } catch (const std::exception& e) {
    return fail(1, e.what());
  }
  std::string text;
  for (const auto& record : merge_records(parts)) text += nlohmann::json(record).dump() + "\n";
  std::string error;
  if (!common::write_file_atomic(out + "/runs.jsonl", text, error)) return fail(1, error);
  error = write_tables(out);
  if (!error.empty()) return fail(1, error);
  std::printf("%s\n", (out + "/runs.jsonl").c_str());
  return 0;
}

// The page of dir's runs.jsonl, and each run's own page for it to link to.
int report(const std::string& dir, const std::string& page, SweepPageOptions options) {
  const bool is_dir = fs::is_directory(dir);
  const std::string file = is_dir ? dir + "/runs.jsonl" : dir;
  if (!fs::exists(file)) return fail(2, file + ": no such file; give a sweep's --out folder");
  const std::string sweep_dir = is_dir ? dir : fs::path(dir).parent_path().string();
  std::string error;
  try {
    const auto records = read_records(file);
    std::vector<std::string> problems;
    options.links = write_run_pages(sweep_dir.empty() ? "." : sweep_dir, records, page, problems);
    for (const auto& problem : problems)
      std::fprintf(stderr, "flowcast-sweep: no page for a run: %s\n", problem.c_str());
    if (!common::write_file_atomic(page, render_sweep_html(records, options), error))
      return fail(1, error + " (check that its folder exists and is writable)");
  } catch (const std::exception& e) {
    return fail(1, e.what());
  }
  std::printf("%s\n", page.c_str());
  return 0;
}

// --dry-run: the runs, those of `todo` not yet done.
int list_runs(const std::vector<Run>& runs, const std::vector<Run>& todo) {
  std::set<std::string> to_run;
  for (const auto& run : todo) to_run.insert(run.id);
  for (const auto& run : runs)
    std::printf("%s seed %lld %s%s\n", run.id.c_str(), static_cast<long long>(run.seed),
                condition_text(run.condition).c_str(), to_run.count(run.id) ? "" : " done");
  std::fprintf(stderr, "flowcast-sweep: %zu runs, %zu already done, %zu to run (dry run)\n",
               runs.size(), runs.size() - todo.size(), todo.size());
  return 0;
}

// The CPU time of this process (its threads: start, watch and record the
// runs) against that of the servers and clients it ran and reaped
// (getrusage(2) RUSAGE_SELF and RUSAGE_CHILDREN): the sweep's own overhead.
void print_cpu(size_t runs) {
  auto seconds = [](int who) {
    rusage usage{};
    getrusage(who, &usage);
    const auto s = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return s(usage.ru_utime) + s(usage.ru_stime);
  };
  const double self = seconds(RUSAGE_SELF), children = seconds(RUSAGE_CHILDREN);
  std::fprintf(stderr,
               "flowcast-sweep: CPU %.3f s in the sweep itself (%.3f s a run), %.2f s in the "
               "servers and clients it ran\n",
               self, runs ? self / runs : 0.0, children);
}

}  // namespace

int sweep_main(int argc, char** argv) {
  CLI::App app{
      "flowcast-sweep: runs a grid of conditions, each with several link seeds, as real "
      "flowcast-server and flowcast-client processes on loopback, and writes the results to "
      "--out DIR: runs.jsonl (one line per finished run), runs.csv (one row per run) and "
      "conditions.csv (mean, median and 95% confidence interval per condition). Grid options "
      "take comma-separated lists; the grid is every combination. Running the same sweep again "
      "runs only what is missing. Ctrl-C stops the runs in flight and keeps the finished ones.\n"
      "Example: flowcast-sweep --bitrate 600k --link-rate 400k,2M --transport tcp,udp "
      "--seeds 3 --duration 10s --out sweep-demo",
      "flowcast-sweep"};
  app.require_subcommand(0, 1);
  GridSpec spec;
  std::map<std::string, std::vector<std::string>> lists;
  auto* grid = app.add_option_group("grid", "lists of values, comma-separated");
  for (const auto& axis : axes()) {
    const std::string name = axis.name;
    grid->add_option("--" + name, lists[name], axis.help)
        ->delimiter(',')
        ->type_name(axis.kind)
        ->check(CLI::Validator([name](std::string& value) { return check_axis_value(name, value); },
                               "", axis.kind));
  }
  app.add_option("INPUT", lists["input"], "a media file instead of the pattern (as --input)")
      ->check(CLI::Validator([](std::string& v) { return check_axis_value("input", v); }, "", ""));
  std::string out, file, shard_text;
  RunnerOptions runner;
  runner.jobs = default_jobs(usable_cores());
  auto* seeds =
      app.add_option("--seeds", spec.seeds, "runs per condition, link seeds 1..N (default 3)")
          ->check(common::IsWithin(1, 10000));
  auto* seed_base =
      app.add_option("--seed-base", spec.seed_base, "the first link seed (default 1)");
  auto* duration = app.add_option("--duration", spec.duration, "each run's length (default 20s)")
                       ->check(common::IsParsedBy(common::parse_duration, "a DURATION like 20s"))
                       ->type_name("DURATION");
  auto* pattern =
      app.add_option("--pattern", spec.pattern, "the built-in pattern (default 640x360@30)")
          ->check(common::IsParsedBy(common::parse_pattern, "WxH@FPS like 640x360@30"))
          ->type_name("WxH@FPS");
  app.add_option("--file", file,
                 "a sweep file, TOML (.toml) or JSON (docs/SWEEPS.md); options given here "
                 "replace its values")
      ->check(common::ExistingFile("give a sweep file"))
      ->type_name("FILE");
  app.add_option("--out", out, "the results folder (created; a sweep there is resumed)")
      ->type_name("DIR");
  app.add_option("--jobs", runner.jobs,
                 "runs at once (default: 2 per core, " + std::to_string(runner.jobs) +
                     " here; a small run uses about 0.2 cores, and 4 per core was the most a "
                     "busy 2-core machine held without invalid runs, bench/RESULTS.md "
                     "\"Sweeps\"; runs the machine was too busy for are run again)")
      ->check(common::IsWithin(1, 256));
  app.add_option("--retries", runner.retries,
                 "tries again of a run the machine was too busy for (default 2)")
      ->check(common::IsWithin(0, 100));
  app.add_option("--shard", shard_text, "run only the K-th of N disjoint parts of the grid")
      ->type_name("K/N");
  app.add_flag("--verbose", runner.verbose,
               "one line per finished run, and at the end the CPU time of the sweep itself and "
               "of the programs it ran");
  bool dry_run = false;
  app.add_flag("--dry-run", dry_run,
               "list the runs of the grid (of the --shard) and run none: one line each, "
               "'ID seed N CONDITION', with ' done' when --out already has it");
  app.add_option("--server-bin", runner.server_bin, "flowcast-server to run (default: beside this)")
      ->type_name("FILE");
  app.add_option("--client-bin", runner.client_bin, "flowcast-client to run (default: beside this)")
      ->type_name("FILE");
  std::vector<std::string> merge_inputs;
  std::string merge_out;
  auto* merge_cmd = app.add_subcommand(
      "merge", "join the results of shards: merge OUT IN... or merge IN... --out OUT");
  merge_cmd->add_option("DIRS", merge_inputs, "sweep folders or runs.jsonl files")->required();
  merge_cmd->add_option("--out", merge_out, "the folder to write")->type_name("DIR");
  std::string report_dir, report_page;
  SweepPageOptions page_options;
  auto* report_cmd = app.add_subcommand(
      "report",
      "one HTML page of plots (inline SVG, no script): report DIR -o PAGE.html; also writes "
      "each run's flowcast-report page, runs/<id>/report.html, which the plots link to");
  report_cmd->add_option("DIR", report_dir, "a sweep's --out folder, or its runs.jsonl")
      ->required();
  report_cmd->add_option("-o,--output", report_page, "the page to write")->required();
  report_cmd->add_option("--title", page_options.title, "the page's title");
  report_cmd
      ->add_option("--heatmap", page_options.heatmap_axes,
                   "the QoE heatmap's two grid axes, x,y (default: the first two that vary)")
      ->delimiter(',')
      ->expected(2)
      ->type_name("AXIS,AXIS")
      ->check(CLI::Validator(
          [](std::string& name) {
            return find_axis(name) ? std::string()
                                   : "'" + name + "' is no grid axis (link-loss, transport, ...)";
          },
          "", ""));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(2, std::string(e.what()) + " (see flowcast-sweep --help)");
  }
  if (merge_cmd->parsed()) return merge(merge_inputs, merge_out);
  if (report_cmd->parsed()) return report(report_dir, report_page, page_options);
  if (out.empty() && !dry_run) return fail(2, "no results folder given; add --out DIR");
  if (!file.empty()) {
    const GridSpec given = spec;
    std::ifstream in(file);
    try {
      const std::string text(std::istreambuf_iterator<char>(in), {});
      spec = read_sweep_file(text, sweep_format_of(file, text));
    } catch (const std::exception& e) {
      return fail(2, file + ": " + e.what());
    }
    if (seeds->count()) spec.seeds = given.seeds;
    if (seed_base->count()) spec.seed_base = given.seed_base;
    if (duration->count()) spec.duration = given.duration;
    if (pattern->count()) spec.pattern = given.pattern;
  }
  for (auto& [name, values] : lists)
    if (!values.empty()) spec.axes[name] = values;
  if (const std::string problem = check_grid(spec); !problem.empty()) return fail(2, problem);
  std::vector<Run> runs = expand(spec);
  if (!shard_text.empty()) {
    int k = 0, n = 0;
    char extra = 0;
    if (std::sscanf(shard_text.c_str(), "%d/%d%c", &k, &n, &extra) != 2 || k < 1 || k > n)
      return fail(2, "--shard wants K/N with 1 <= K <= N, like 2/4, not '" + shard_text + "'");
    runs = take_shard(runs, k, n);
  }
  std::vector<Run> todo = runs;
  if (!out.empty()) {
    try {
      todo = missing_runs(runs, read_records(out + "/runs.jsonl"));
    } catch (const std::exception& e) {
      return fail(1, std::string(e.what()) + " (fix or move that file)");
    }
  }
  if (dry_run) return list_runs(runs, todo);
  std::error_code ec;
  fs::create_directories(out + "/runs", ec);
  if (ec) return fail(1, out + ": " + ec.message() + " (check that it can be created)");
  std::string error;
  if (!common::write_file_atomic(out + "/sweep.json", nlohmann::json(spec).dump(2) + "\n", error))
    return fail(1, error);
  if (runner.server_bin.empty()) runner.server_bin = find_program("flowcast-server", "server");
  if (runner.client_bin.empty()) runner.client_bin = find_program("flowcast-client", "client");
  runner.out_dir = out;
  runner.progress = isatty(STDERR_FILENO) != 0;
  std::fprintf(stderr, "flowcast-sweep: %zu runs, %zu already done, %zu to run, %d at once\n",
               runs.size(), runs.size() - todo.size(), todo.size(), runner.jobs);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  const SweepTally tally =
      run_sweep(spec, todo, runs.size() - todo.size(), runs.size(), runner, stop_requested);
  if (!tally.error.empty()) return fail(1, "cannot record results: " + tally.error);
  error = write_tables(out);
  if (!error.empty()) return fail(1, error);
  if (tally.interrupted)
    return fail(130, "interrupted: the finished runs are kept; run the same command to resume");
  std::fprintf(stderr, "flowcast-sweep: %zu ok, %zu failed, %zu invalid; tables in %s\n", tally.ok,
               tally.failed, tally.invalid, out.c_str());
  if (runner.verbose) print_cpu(tally.ok + tally.failed + tally.invalid);
  return tally.failed + tally.invalid > 0 ? 1 : 0;
}

}  // namespace flowcast::client::sweep
