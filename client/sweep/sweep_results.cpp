#include "client/sweep/sweep_results.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include "client/metrics/qoe_score.hpp"

namespace flowcast::client::sweep {

namespace {

double number_at(const nlohmann::json& j, const nlohmann::json::json_pointer& at) {
  return j.contains(at) && j.at(at).is_number() ? j.at(at).get<double>() : 0.0;
}

std::optional<double> maybe_at(const nlohmann::json& j, const nlohmann::json::json_pointer& at) {
  if (j.contains(at) && j.at(at).is_number()) return j.at(at).get<double>();
  return std::nullopt;
}

// Keeps the last record per id, in first-seen order; with prefer_ok, an ok
// record is not replaced by a later one that is not.
void keep_last(std::vector<RunRecord>& order, std::map<std::string, size_t>& where,
               RunRecord record, bool prefer_ok) {
  const auto it = where.find(record.id);
  if (it == where.end()) {
    where[record.id] = order.size();
    order.push_back(std::move(record));
    return;
  }
  RunRecord& kept = order[it->second];
  if (prefer_ok && kept.status == RunStatus::ok && record.status != RunStatus::ok) return;
  kept = std::move(record);
}

}  // namespace

Headline headline_of(const nlohmann::json& m) {
  using P = nlohmann::json::json_pointer;
  Headline h;
  h.startup_ms = maybe_at(m, P("/startup_ms"));
  h.stalls = number_at(m, P("/stalls/count"));
  h.stall_ms = number_at(m, P("/stalls/total_ms"));
  h.rebuffering_ratio = maybe_at(m, P("/rebuffering_ratio"));
  h.freezes = number_at(m, P("/freezes/count"));
  h.freeze_ms = number_at(m, P("/freezes/total_ms"));
  h.lost = number_at(m, P("/packets/lost"));
  h.late = number_at(m, P("/packets/late"));
  h.damaged = number_at(m, P("/frames/damaged"));
  h.rendered = number_at(m, P("/frames/rendered"));
  h.psnr_mean = maybe_at(m, P("/quality/psnr_mean"));
  h.mos_mean = maybe_at(m, P("/quality/mos_mean"));
  h.latency_p50_ms = maybe_at(m, P("/latency_ms/p50"));
  h.latency_p95_ms = maybe_at(m, P("/latency_ms/p95"));
  h.buffer_peak_ms = number_at(m, P("/buffer/peak_ms"));
  namespace keys = metrics_keys;
  if (m.contains(keys::kQoe)) {
    h.qoe_score = maybe_at(m, keys::kQoeScore);
    h.qoe_stall_mos = maybe_at(m, keys::kQoeStallMos);
    h.qoe_picture_mos = maybe_at(m, keys::kQoePictureMos);
  } else if (m.is_object()) {
    const QoeFigures q = qoe_of(m.get<MetricsDocument>());
    h.qoe_score = q.score;
    h.qoe_stall_mos = q.stall_mos;
    h.qoe_picture_mos = q.picture_mos;
  }
  return h;
}

std::string busy_reason(const nlohmann::json& s) {
  using P = nlohmann::json::json_pointer;
  const double overloaded = number_at(s, P("/load/overloaded_ms"));
  if (overloaded > 0)
    return "the server was overloaded for " + std::to_string(static_cast<long>(overloaded)) +
           " ms (lag peak " +
           std::to_string(static_cast<long>(number_at(s, P("/load/lag_ms_peak")))) + " ms)";
  if (number_at(s, P("/load/frames_skipped")) > 0) return "the server skipped frames: overloaded";
  if (s.contains(P("/load/encoder/fell_behind")) && s.at(P("/load/encoder/fell_behind")) == true)
    return "the server's encoder fell behind";
  const double skipped = number_at(s, P("/load/encoder/pictures_skipped"));
  if (skipped > 0)
    return "the server's encoder skipped " + std::to_string(static_cast<long>(skipped)) +
           " pictures: it was behind";
  return {};
}

std::string client_busy_reason(const nlohmann::json& c) {
  namespace keys = metrics_keys;
  char text[160];
  const double late_pictures = number_at(c, keys::kClientLoadLatePictures);
  if (late_pictures > 0) {
    std::snprintf(text, sizeof text,
                  "the client dropped %.0f picture%s it held in time: its render loop came back "
                  "late (client_load.late_pictures)",
                  late_pictures, late_pictures == 1 ? "" : "s");
    return text;
  }
  const double wake_late = number_at(c, keys::kClientLoadWakeLateMax);
  if (wake_late > kClientWakeLateLimitMs) {
    std::snprintf(text, sizeof text,
                  "the client's render loop came back %.0f ms late for a picture it held "
                  "(client_load.wake_late_ms.max > %.0f ms)",
                  wake_late, kClientWakeLateLimitMs);
    return text;
  }
  return {};
}

bool append_record(const std::string& path, const RunRecord& record, std::string& error) {
  const std::string line = nlohmann::json(record).dump() + "\n";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  // A line torn by a crash stays a line of its own: this one starts afresh.
  const off_t size = ::lseek(fd, 0, SEEK_END);
  char last = '\n';
  const bool torn = size > 0 && ::pread(fd, &last, 1, size - 1) == 1 && last != '\n';
  std::string text;
  if (torn) text += '\n';
  text += line;
  // One write of the whole line: O_APPEND puts it after every earlier one.
  const ssize_t written = ::write(fd, text.data(), text.size());
  const bool ok = written == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  if (!ok) error = path + ": " + std::strerror(errno);
  ::close(fd);
  return ok;
}

std::vector<RunRecord> read_records(const std::string& path) {
  std::ifstream in(path);
  std::vector<RunRecord> order;
  std::map<std::string, size_t> where;
  size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty()) continue;
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded()) continue;  // torn by a crash: that run is missing
    try {
      keep_last(order, where, json.get<RunRecord>(), false);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(path + " line " + std::to_string(number) + ": not a run record (" +
                               e.what() + ")");
    }
  }
  return order;
}

std::vector<Run> missing_runs(const std::vector<Run>& grid, const std::vector<RunRecord>& done) {
  std::set<std::string> ok;
  for (const auto& record : done)
    if (record.status == RunStatus::ok) ok.insert(record.id);
  std::vector<Run> missing;
  for (const auto& run : grid)
    if (!ok.count(run.id)) missing.push_back(run);
  return missing;
}

std::vector<RunRecord> merge_records(const std::vector<std::vector<RunRecord>>& parts) {
  std::vector<RunRecord> order;
  std::map<std::string, size_t> where;
  for (const auto& part : parts)
    for (const auto& record : part) keep_last(order, where, record, true);
  return order;
}

}  // namespace flowcast::client::sweep
