#include "client/sweep/sweep_run_pages.hpp"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "client/report/report.hpp"
#include "common/util/atomic_file.hpp"

namespace flowcast::client::sweep {

namespace fs = std::filesystem;

namespace {

std::optional<nlohmann::json> read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  auto json =
      nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr, false);
  if (json.is_discarded()) return std::nullopt;
  return json;
}

}  // namespace

std::string url_path(const std::string& path) {
  std::string url;
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      url += c;
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", byte);
      url += escaped;
    }
  }
  return url;
}

RunLinks write_run_pages(const std::string& sweep_dir, const std::vector<RunRecord>& records,
                         const std::string& page_path, std::vector<std::string>& problems) {
  RunLinks links;
  std::error_code ec;
  const fs::path page_dir = fs::absolute(page_path, ec).parent_path();
  for (const auto& r : records) {
    if (r.status != RunStatus::ok) continue;
    const fs::path dir = fs::absolute(fs::path(sweep_dir) / "runs" / r.id, ec).lexically_normal();
    const fs::path metrics = dir / "client.json", page = dir / "report.html";
    if (!fs::exists(metrics, ec)) continue;  // a merged runs.jsonl without the runs' folders
    const bool fresh = fs::exists(page, ec) &&
                       fs::last_write_time(page, ec) >= fs::last_write_time(metrics, ec) && !ec;
    if (!fresh) {
      const auto client = read_json(metrics);
      const std::string invalid =
          client ? validate_metrics_for_report(*client) : std::string("not JSON");
      if (!invalid.empty()) {
        problems.push_back(metrics.string() + ": " + invalid);
        continue;
      }
      ReportRun run{.label = r.id, .metrics = *client, .base_dir = dir.string()};
      if (const auto server = read_json(dir / "server.json")) run.link = describe_link(*server);
      const std::string title = "flowcast sweep run " + r.id + " (seed " + std::to_string(r.seed) +
                                "): " + condition_text(r.condition);
      std::string error;
      if (!common::write_file_atomic(page.string(), render_report_html({run}, title), error)) {
        problems.push_back(error);
        continue;
      }
    }
    links[r.id] = url_path(page.lexically_relative(page_dir).string());
  }
  return links;
}

}  // namespace flowcast::client::sweep
