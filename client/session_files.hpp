#pragma once
// The files a session writes on every path out (DESIGN.md "The metrics
// file": --metrics, --report, --timeline, --framemd5, --frames), and the
// session that failed before its pipeline could be built. Main thread.
#include <string>

#include "client/client_options.hpp"
#include "client/metrics/metrics_document.hpp"
#include "client/playout/playout_clock.hpp"

namespace flowcast::client {

// The options a run played with, as the metrics file's `config` block.
MetricsConfig metrics_config(const ClientOptions& options);

// "flowcast", "rtsp" or "listen": the metrics' session.protocol.
const char* session_protocol(const ClientOptions& options);

// --metrics and --report, from the same document; a file that cannot be
// written is said on stderr.
void write_metrics_and_report(const ClientOptions& options, const MetricsDocument& document);

// A session that failed before its pipeline could be built (RTSP's DESCRIBE:
// no server, the connection refused, 401, 404, 503, an SDP flowcast cannot
// play): says `error`, writes the files the options ask for (--metrics,
// --report, --timeline, --framemd5, --frames; DESIGN.md "The metrics file":
// every exit path writes them) as a video start failure ended by an error,
// and prints the summary. Returns the exit code, 1.
int fail_before_playback(const ClientOptions& options, SteadyTime launched,
                         const std::string& error);

}  // namespace flowcast::client
