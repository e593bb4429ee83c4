// flowcast-report: one self-contained HTML page that compares runs of
// flowcast-client from their metrics files.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client/metrics/metrics_document.hpp"
#include "client/report/report.hpp"
#include "common/util/atomic_file.hpp"

namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "flowcast-report: %s\n", message.c_str());
  return 2;
}

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string parse_message(const std::string& what) {
  const auto at = what.find("] ");
  return what.compare(0, 1, "[") == 0 && at != std::string::npos ? what.substr(at + 2) : what;
}

// Reads and checks one metrics file; on failure, says why in error.
bool load_run(const std::string& path, flowcast::client::ReportRun& run, std::string& error) {
  namespace fs = std::filesystem;
  const std::string fix = "; pass a metrics file written by flowcast-client --metrics";
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    error = "no such file" + fix;
    return false;
  }
  if (!fs::is_regular_file(path, ec)) {
    error = "not a regular file" + fix;
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    error = "cannot read it (check its permissions)";
    return false;
  }
  try {
    run.metrics = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    error = "not valid JSON (" + parse_message(e.what()) + ")" + fix;
    return false;
  }
  error = flowcast::client::validate_metrics_for_report(run.metrics);
  if (!error.empty()) return false;
  // "tcp (demo-tcp)": what was measured, then which file it came from; the
  // file alone when its name says as much ("tcp", not "tcp (tcp)").
  const std::string stem = fs::path(path).stem().string();
  const auto& transport = flowcast::client::metrics_keys::kTransport;
  const auto& protocol = flowcast::client::metrics_keys::kSessionProtocol;
  std::string what;
  if (run.metrics.contains(transport) && run.metrics.at(transport).is_string())
    what = run.metrics.at(transport).get<std::string>();
  if (run.metrics.contains(protocol) && run.metrics.at(protocol) == "listen")
    what = "listen " + what;
  run.label = what.empty() || stem == what ? stem : what + " (" + stem + ")";
  run.base_dir = fs::path(path).parent_path().string();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "flowcast-report: writes one self-contained HTML page (no script, nothing fetched) that "
      "compares runs of flowcast-client from their --metrics files: a summary table, and the "
      "receive buffer with its stalls, the kernel buffer, the received bitrate, loss/late/corrupt "
      "events and per-frame PSNR on one shared time axis, with the snapshots the runs saved.\n"
      "Example: flowcast-report tcp.json udp.json -o report.html",
      "flowcast-report"};
  std::vector<std::string> inputs;
  std::string output, title = "flowcast report", server_path;
  app.add_option("METRICS", inputs, "metrics files of flowcast-client --metrics, one run each");
  app.add_option("-o,--output", output,
                 "the HTML file to write (replaced whole, never half-written)");
  app.add_option("--title", title, "the page's title (default \"flowcast report\")");
  app.add_option("--server", server_path,
                 "flowcast-server's --metrics file of the same runs: the report shows the link "
                 "they went through (--link-rate, --link-loss, ...)")
      ->type_name("FILE");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(std::string(e.what()) + " (see flowcast-report --help)");
  }
  if (inputs.empty())
    return usage_error(
        "no metrics files given; usage: flowcast-report A.json [B.json ...] -o report.html");
  if (output.empty()) return usage_error("no output file given; add -o report.html");

  std::vector<flowcast::client::ReportRun> runs(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string error;
    if (!load_run(inputs[i], runs[i], error)) return usage_error(inputs[i] + ": " + error);
  }
  if (!server_path.empty()) {
    std::ifstream in(server_path, std::ios::binary);
    nlohmann::json server;
    try {
      if (!in) throw std::runtime_error("cannot open it");
      server = nlohmann::json::parse(in);
    } catch (const std::exception& e) {
      return usage_error("--server " + server_path + ": " + parse_message(e.what()) +
                         "; pass the file flowcast-server --metrics wrote");
    }
    const std::string link = flowcast::client::describe_link(server);
    if (link.empty())
      return usage_error("--server " + server_path +
                         ": no link_config in it; pass the file flowcast-server --metrics wrote");
    for (auto& run : runs) run.link = link;
  }
  const std::string html = flowcast::client::render_report_html(runs, title);
  std::string error;
  if (!flowcast::common::write_file_atomic(output, html, error)) {
    std::fprintf(stderr, "flowcast-report: %s (check that its folder exists and is writable)\n",
                 error.c_str());
    return 1;
  }
  std::printf("%s\n", output.c_str());
  return 0;
}
