#include "client/sweep/sweep_tables.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

namespace flowcast::client::sweep {

namespace {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return {};
  char text[40];
  std::snprintf(text, sizeof text, "%.6g", *value);
  return text;
}

void add_row(std::string& csv, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) csv += ',';
    csv += csv_field(fields[i]);
  }
  csv += "\r\n";
}

// The axes used by any record, in the grid's order.
std::vector<std::string> used_axes(const std::vector<RunRecord>& records) {
  std::vector<std::string> used;
  for (const auto& axis : axes())
    for (const auto& record : records)
      if (record.condition.count(axis.name)) {
        used.push_back(axis.name);
        break;
      }
  return used;
}

const char* status_name(RunStatus status) {
  return status == RunStatus::ok ? "ok" : status == RunStatus::invalid ? "invalid" : "failed";
}

template <auto Member>
std::optional<double> plain(const Headline& h) {
  return h.*Member;
}

}  // namespace

double t_quantile_975(size_t df) {
  static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df >= 1 && df <= 30) return table[df - 1];
  if (df < 40) return 2.042;
  if (df < 60) return 2.021;
  if (df < 120) return 2.000;
  if (df < 1000) return 1.980;
  return 1.960;
}

Summary summarize(std::vector<double> samples) {
  Summary s;
  s.n = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / s.n;
  s.median = s.n % 2 ? samples[s.n / 2] : (samples[s.n / 2 - 1] + samples[s.n / 2]) / 2;
  if (s.n < 2) return s;
  double squares = 0;
  for (double x : samples) squares += (x - s.mean) * (x - s.mean);
  const double half =
      t_quantile_975(s.n - 1) * std::sqrt(squares / (s.n - 1)) / std::sqrt(double(s.n));
  s.ci_low = s.mean - half;
  s.ci_high = s.mean + half;
  return s;
}

const std::vector<Figure>& figures() {
  static const std::vector<Figure> list = {
      {"startup_ms", [](const Headline& h) { return h.startup_ms; }},
      {"stalls", plain<&Headline::stalls>},
      {"stall_ms", plain<&Headline::stall_ms>},
      {"rebuffering_ratio", [](const Headline& h) { return h.rebuffering_ratio; }},
      {"freezes", plain<&Headline::freezes>},
      {"freeze_ms", plain<&Headline::freeze_ms>},
      {"lost", plain<&Headline::lost>},
      {"late", plain<&Headline::late>},
      {"damaged", plain<&Headline::damaged>},
      {"rendered", plain<&Headline::rendered>},
      {"psnr_mean", [](const Headline& h) { return h.psnr_mean; }},
      {"mos_mean", [](const Headline& h) { return h.mos_mean; }},
      {"latency_p50_ms", [](const Headline& h) { return h.latency_p50_ms; }},
      {"latency_p95_ms", [](const Headline& h) { return h.latency_p95_ms; }},
      {"buffer_peak_ms", plain<&Headline::buffer_peak_ms>},
      {"qoe_score", [](const Headline& h) { return h.qoe_score; }},
      {"qoe_stall_mos", [](const Headline& h) { return h.qoe_stall_mos; }},
      {"qoe_picture_mos", [](const Headline& h) { return h.qoe_picture_mos; }},
  };
  return list;
}

std::string runs_csv(const std::vector<RunRecord>& records) {
  const auto used = used_axes(records);
  std::vector<std::string> header = {"id"};
  header.insert(header.end(), used.begin(), used.end());
  header.insert(header.end(), {"seed", "status", "attempts", "error"});
  for (const auto& figure : figures()) header.push_back(figure.name);
  header.insert(header.end(), {"seconds", "server_command", "client_command"});
  std::string csv;
  add_row(csv, header);
  for (const auto& r : records) {
    std::vector<std::string> row = {r.id};
    for (const auto& axis : used)
      row.push_back(r.condition.count(axis) ? r.condition.at(axis) : "");
    row.insert(row.end(), {std::to_string(r.seed), status_name(r.status),
                           std::to_string(r.attempts), r.error});
    for (const auto& figure : figures())
      row.push_back(r.headline ? number(figure.read(*r.headline)) : "");
    row.insert(row.end(), {number(r.seconds), r.server_command, r.client_command});
    add_row(csv, row);
  }
  return csv;
}

std::string conditions_csv(const std::vector<RunRecord>& records) {
  const auto used = used_axes(records);
  std::vector<std::string> header(used.begin(), used.end());
  header.insert(header.end(), {"runs", "ok", "failed", "invalid"});
  for (const auto& figure : figures())
    for (const char* part : {"_mean", "_median", "_ci_low", "_ci_high"})
      header.push_back(std::string(figure.name) + part);
  std::string csv;
  add_row(csv, header);
  std::vector<Condition> order;
  std::map<Condition, std::vector<const RunRecord*>> groups;
  for (const auto& r : records) {
    if (!groups.count(r.condition)) order.push_back(r.condition);
    groups[r.condition].push_back(&r);
  }
  for (const auto& condition : order) {
    const auto& group = groups[condition];
    std::vector<std::string> row;
    for (const auto& axis : used) row.push_back(condition.count(axis) ? condition.at(axis) : "");
    size_t counts[3] = {0, 0, 0};
    for (const auto* r : group) ++counts[static_cast<int>(r->status)];
    row.insert(row.end(), {std::to_string(group.size()), std::to_string(counts[0]),
                           std::to_string(counts[2]), std::to_string(counts[1])});
    for (const auto& figure : figures()) {
      std::vector<double> samples;
      for (const auto* r : group)
        if (r->status == RunStatus::ok && r->headline)
          if (const auto value = figure.read(*r->headline)) samples.push_back(*value);
      const Summary s = summarize(samples);
      if (s.n == 0) {
        row.insert(row.end(), 4, "");
        continue;
      }
      row.insert(row.end(),
                 {number(s.mean), number(s.median), number(s.ci_low), number(s.ci_high)});
    }
    add_row(csv, row);
  }
  return csv;
}

}  // namespace flowcast::client::sweep
