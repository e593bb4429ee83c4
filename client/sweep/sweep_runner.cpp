#include "client/sweep/sweep_runner.hpp"

#include <sched.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "client/sweep/sweep_p1203.hpp"
#include "client/sweep/sweep_process.hpp"
#include "common/util/units.hpp"

namespace flowcast::client::sweep {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

enum class Outcome { ok, busy, failed, port_clash, interrupted };

struct Try {
  Outcome outcome = Outcome::failed;
  std::string error;
  std::optional<Headline> headline;
  Commands commands;
  double seconds = 0;
};

// A reserved port, released when it goes out of scope.
struct HeldPort {
  uint16_t port = reserve_port();
  ~HeldPort() { release_port(port); }
};

bool log_says(const std::string& path, const std::string& needle) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) return true;
  return false;
}

std::optional<nlohmann::json> read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// "flowcast-client exited (1): no server", or without the colon when the
// program said nothing.
std::string exited(const std::string& program, int code, const std::string& log) {
  const std::string word = last_line(log);
  return program + " exited (" + std::to_string(code) + ")" + (word.empty() ? "" : ": " + word);
}

std::string format_seconds(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, s / 60 % 60);
  else
    std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  return text;
}

Try try_once(const GridSpec& spec, const Run& run, const RunnerOptions& options,
             const std::atomic<bool>& stop) {
  const auto started = std::chrono::steady_clock::now();
  const std::string dir = options.out_dir + "/runs/" + run.id;
  fs::remove_all(dir);
  fs::create_directories(dir);
  HeldPort port, rtsp_port;
  Try t;
  t.commands = commands_for(spec, run, options.server_bin, options.client_bin, dir, port.port,
                            rtsp_port.port);
  {
    std::ofstream commands(dir + "/commands.txt");
    commands << shell_text(t.commands.server) << "\n" << shell_text(t.commands.client) << "\n";
  }
  const bool rtsp =
      run.condition.count("transport") && run.condition.at("transport").rfind("rtsp-", 0) == 0;
  const std::string server_log = dir + "/server.log", client_log = dir + "/client.log";
  auto finish = [&](Outcome outcome, std::string error = {}) {
    t.outcome = outcome;
    t.error = std::move(error);
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return t;
  };
  try {
    ChildProcess server(t.commands.server, server_log);
    // Ready once it says where it streams (and, with RTSP, where that is).
    const auto ready_by = std::chrono::steady_clock::now() + 10s;
    while (!log_says(server_log, rtsp ? "RTSP at" : "streaming")) {
      if (const auto code = server.wait_for(50ms)) {
        if (log_says(server_log, "cannot listen")) return finish(Outcome::port_clash);
        return finish(Outcome::failed, exited("flowcast-server", *code, server_log));
      }
      if (stop) return finish(Outcome::interrupted);
      if (std::chrono::steady_clock::now() > ready_by)
        return finish(Outcome::failed, "flowcast-server did not start streaming within 10 s");
    }
    ChildProcess client(t.commands.client, client_log);
    const auto duration = common::parse_duration(spec.duration).value_or(20s);
    const auto deadline = std::chrono::steady_clock::now() + duration + 30s;
    std::optional<int> code;
    while (!(code = client.wait_for(100ms))) {
      if (stop) {
        client.stop(3s);
        server.stop(3s);
        return finish(Outcome::interrupted);
      }
      if (std::chrono::steady_clock::now() > deadline) {
        client.stop(3s);
        return finish(Outcome::failed, "flowcast-client ran 30 s past --duration: stopped");
      }
    }
    server.stop(5s);
    if (stop) return finish(Outcome::interrupted);
    if (*code != 0) return finish(Outcome::failed, exited("flowcast-client", *code, client_log));
    const auto client_metrics = read_json(dir + "/client.json");
    if (!client_metrics) return finish(Outcome::failed, "flowcast-client wrote no metrics");
    t.headline = headline_of(*client_metrics);
    const auto server_metrics = read_json(dir + "/server.json");
    if (!server_metrics)
      return finish(Outcome::failed, "flowcast-server wrote no metrics: " + last_line(server_log));
    std::string busy = busy_reason(*server_metrics);
    if (busy.empty()) busy = client_busy_reason(*client_metrics);
    if (!busy.empty()) return finish(Outcome::busy, busy);
    if (const auto p1203 = p1203_input(*client_metrics, run.condition, spec.pattern))
      std::ofstream(dir + "/p1203.json") << p1203->dump(2) << "\n";
    return finish(Outcome::ok);
  } catch (const std::exception& e) {
    return finish(Outcome::failed, e.what());
  }
}

}  // namespace

int default_jobs(unsigned cores) {
  return static_cast<int>(std::min<unsigned>(std::max(cores, 1u) * kRunsPerCore, 256));
}

unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return static_cast<unsigned>(CPU_COUNT(&set));
  return std::thread::hardware_concurrency();
}

RunRecord run_one(const GridSpec& spec, const Run& run, const RunnerOptions& options,
                  const std::atomic<bool>& stop, bool& interrupted) {
  RunRecord record;
  record.id = run.id;
  record.condition = run.condition;
  record.seed = run.seed;
  interrupted = false;
  int port_clashes = 0, busy_tries = 0;
  for (;;) {
    ++record.attempts;
    Try t = try_once(spec, run, options, stop);
    record.server_command = shell_text(t.commands.server);
    record.client_command = shell_text(t.commands.client);
    record.seconds = t.seconds;
    record.headline = t.headline;
    record.error = t.error;
    switch (t.outcome) {
      case Outcome::interrupted:
        interrupted = true;
        return record;
      case Outcome::ok:
        record.status = RunStatus::ok;
        return record;
      case Outcome::failed:
        record.status = RunStatus::failed;
        return record;
      case Outcome::port_clash:
        // Another program took the port between the check and the bind.
        if (++port_clashes <= 5) continue;
        record.status = RunStatus::failed;
        record.error = "flowcast-server could not listen on 5 free-looking ports";
        return record;
      case Outcome::busy:
        if (++busy_tries <= options.retries) continue;
        record.status = RunStatus::invalid;
        record.error = "the machine was too busy on every try: " + t.error;
        return record;
    }
  }
}

SweepTally run_sweep(const GridSpec& spec, const std::vector<Run>& todo, size_t already,
                     size_t total, const RunnerOptions& options, const std::atomic<bool>& stop) {
  const std::string results = options.out_dir + "/runs.jsonl";
  std::mutex lock;  // guards next, finished, tally and the terminal
  std::condition_variable changed;
  size_t next = 0, finished = 0;
  SweepTally tally;
  const auto started = std::chrono::steady_clock::now();
  auto progress_line = [&] {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string eta = "?";
    if (finished > 0) eta = format_seconds(elapsed / finished * (todo.size() - finished));
    std::fprintf(stderr, "\r\033[K[%zu/%zu] %zu failed, %zu invalid, elapsed %s, ETA %s",
                 already + finished, total, tally.failed, tally.invalid,
                 format_seconds(elapsed).c_str(), eta.c_str());
    std::fflush(stderr);
  };
  auto worker = [&] {
    for (;;) {
      size_t index;
      {
        std::lock_guard<std::mutex> guard(lock);
        if (stop || !tally.error.empty() || next >= todo.size()) return;
        index = next++;
      }
      bool interrupted = false;
      const RunRecord record = run_one(spec, todo[index], options, stop, interrupted);
      std::lock_guard<std::mutex> guard(lock);
      if (interrupted) {
        tally.interrupted = true;
        changed.notify_all();
        return;
      }
      std::string error;
      if (!append_record(results, record, error)) tally.error = error;
      ++finished;
      ++(record.status == RunStatus::ok       ? tally.ok
         : record.status == RunStatus::failed ? tally.failed
                                              : tally.invalid);
      if (options.verbose) {
        if (options.progress) std::fprintf(stderr, "\r\033[K");
        const char* status = record.status == RunStatus::ok       ? "ok"
                             : record.status == RunStatus::failed ? "FAILED"
                                                                  : "INVALID";
        std::string figures;
        if (record.headline)
          figures = " stalls " + std::to_string(static_cast<long>(record.headline->stalls)) +
                    ", lost " + std::to_string(static_cast<long>(record.headline->lost));
        std::fprintf(stderr, "%s %s seed %lld: %s in %.1fs%s%s%s\n", record.id.c_str(),
                     condition_text(record.condition).c_str(), static_cast<long long>(record.seed),
                     status, record.seconds, figures.c_str(), record.error.empty() ? "" : ": ",
                     record.error.c_str());
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> workers;
  const size_t jobs = std::min<size_t>(std::max(1, options.jobs), std::max<size_t>(1, todo.size()));
  for (size_t i = 0; i < jobs; ++i) workers.emplace_back(worker);
  {
    std::unique_lock<std::mutex> guard(lock);
    while (finished < todo.size() && !stop && tally.error.empty() && !tally.interrupted) {
      if (options.progress) progress_line();
      changed.wait_for(guard, 1s);
    }
    if (options.progress) {
      progress_line();
      std::fputc('\n', stderr);
    }
  }
  for (auto& thread : workers) thread.join();
  tally.interrupted = tally.interrupted || (stop && finished < todo.size());
  return tally;
}

}  // namespace flowcast::client::sweep
