#include "client/session_files.hpp"

#include <cstdio>
#include <filesystem>

#include "client/metrics/client_metrics.hpp"
#include "client/metrics/quality_meter.hpp"
#include "client/metrics/session_accounting.hpp"
#include "client/render/status_line.hpp"
#include "client/report/report.hpp"
#include "media/quality/frame_md5.hpp"

namespace flowcast::client {

MetricsConfig metrics_config(const ClientOptions& options) {
  auto ms = [](auto duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
  };
  return {.buffer_ms = ms(options.buffer),
          .buffer_max_ms = ms(options.buffer_max),
          .rebuffer_ms = ms(options.rebuffer_or_default()),
          .overflow = options.overflow,
          .on_loss = options.on_loss,
          .host = options.host,
          .port = options.port};
}

const char* session_protocol(const ClientOptions& options) {
  return options.listen ? "listen" : options.rtsp ? "rtsp" : "flowcast";
}

namespace {

// --report: the run as a self-contained HTML page.
void write_report(const ClientOptions& options, const nlohmann::json& metrics) {
  std::string label = to_string(options.transport);
  label += options.listen ? " listening on port " : " ";
  if (!options.listen) {
    label += options.host;
    label += ':';
  }
  label += std::to_string(options.port);
  std::string error = validate_metrics_for_report(metrics);
  if (error.empty()) {
    // Snapshot paths in the metrics are relative to the metrics file's
    // folder, or without --metrics to the current directory.
    const std::string base =
        options.metrics_path
            ? std::filesystem::absolute(*options.metrics_path).parent_path().string()
            : std::string();
    const std::string html =
        render_report_html({ReportRun{label, metrics, base, ""}}, "flowcast-client: " + label);
    if (write_file_atomic(*options.report_path, html, error)) return;
  }
  std::fprintf(stderr, "flowcast-client: report %s not written: %s\n", options.report_path->c_str(),
               error.c_str());
}

}  // namespace

void write_metrics_and_report(const ClientOptions& options, const MetricsDocument& document) {
  const nlohmann::json metrics = document;
  std::string error;
  if (options.metrics_path &&
      !write_file_atomic(*options.metrics_path, metrics.dump(2) + "\n", error))
    std::fprintf(stderr, "flowcast-client: %s\n", error.c_str());
  if (options.report_path) write_report(options, metrics);
}

int fail_before_playback(const ClientOptions& options, SteadyTime launched,
                         const std::string& error) {
  const SteadyTime failed = std::chrono::steady_clock::now();
  auto ms = [](auto duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
  };
  MetricsDocument m;
  // RTSP's auto would have tried UDP first.
  m.transport = options.transport == Transport::automatic ? Transport::udp : options.transport;
  m.config = metrics_config(options);
  m.duration_ms = ms(failed - launched);
  SessionRecord record;
  record.launched = launched;
  record.finished = failed;
  record.stream_end_seen = failed;
  record.ended_by = EndedBy::error;
  record.protocol = session_protocol(options);
  const SessionOutcome outcome = account_session(record);
  m.session = outcome.session;
  m.startup_ms = outcome.startup_ms;
  m.rebuffering_ratio = outcome.rebuffering_ratio;
  m.buffer.capacity_ms = ms(options.buffer_max);
  // The session's one state, joining, at its two ends: a timeline the report
  // can draw, however soon the failure came.
  for (double t : {0.0, m.duration_ms}) {
    TimelineSample sample;
    sample.t_ms = t;
    sample.state = SessionState::joining;
    m.timeline.push_back(sample);
  }
  std::string write_error;
  if (options.timeline_path && !write_timeline_csv(*options.timeline_path, m.timeline, write_error))
    std::fprintf(stderr, "flowcast-client: %s\n", write_error.c_str());
  if (options.framemd5_path &&
      !write_file_atomic(*options.framemd5_path, media::framemd5_text({}), write_error))
    std::fprintf(stderr, "flowcast-client: %s\n", write_error.c_str());
  if (options.quality.frames_path &&
      !write_file_atomic(*options.quality.frames_path, std::string(QualityMeter::kFramesCsvHeader),
                         write_error))
    std::fprintf(stderr, "flowcast-client: %s\n", write_error.c_str());
  write_metrics_and_report(options, m);
  std::fprintf(stderr, "flowcast-client: %s\n", error.c_str());
  if (!options.quiet) std::fprintf(stderr, "%s", format_summary(m).c_str());
  return 1;
}

}  // namespace flowcast::client
