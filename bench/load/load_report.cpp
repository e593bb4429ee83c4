#include "bench/load/load_report.hpp"

#include <algorithm>
#include <cstdio>

#include "common/util/percentile.hpp"

namespace flowcast::bench {

namespace {

double median_of(const std::vector<double>& sorted) {
  const size_t n = sorted.size();
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

std::string fixed(std::optional<double> value, int digits) {
  if (!value) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, *value);
  return buf;
}

}  // namespace

void LoadReport::summarize() {
  Aggregate a;
  std::vector<double> fractions;
  std::vector<double> rates;
  std::vector<double> frame_rates;
  for (const auto& v : viewers) {
    ++a.viewers;
    a.stalled += v.stalled;
    a.dropped_kernel += v.dropped_kernel;
    if (v.state == "full") ++a.refused_full;
    if (v.state == "handshake_timeout") ++a.handshake_timeouts;
    if (v.state == "connect_failed") ++a.connect_failures;
    if (v.state != "joined") continue;
    ++a.joined;
    if (v.ended_by_server) {
      ++a.ended_by_server;
      if (v.stalled) ++a.stalled_ended_by_server;
    }
    if (v.end_reason == "unreachable") ++a.unreachable;
    if (v.stalled) continue;
    // A run interrupted before a viewer's warm-up ended measured nothing of it.
    if (v.measured.duration_ms <= 0 && v.measured.packets_received == 0) continue;
    if (v.went_silent) ++a.went_silent;
    ++a.counted;
    a.packets_received += v.measured.packets_received;
    a.packets_expected += v.measured.packets_expected;
    a.packets_lost += v.measured.packets_lost;
    a.bytes_received += v.measured.bytes_received;
    a.packets_per_s += v.measured.packets_per_s;
    if (v.measured.fraction_received < 0.999) ++a.viewers_below_99_9;
    fractions.push_back(v.measured.fraction_received);
    rates.push_back(v.measured.packets_per_s);
    frame_rates.push_back(v.measured.frames_per_s);
  }
  if (!fractions.empty()) {
    std::sort(fractions.begin(), fractions.end());
    std::sort(rates.begin(), rates.end());
    a.fraction_received = {fractions.front(), common::nearest_rank(fractions, 0.01),
                           median_of(fractions)};
    a.packets_per_s_per_viewer = {rates.front(), median_of(rates)};
    std::sort(frame_rates.begin(), frame_rates.end());
    a.frames_per_s_per_viewer = {frame_rates.front(), median_of(frame_rates)};
  }
  aggregate = a;
}

std::string LoadReport::summary_text() const {
  const Aggregate& a = aggregate;
  char buf[1024];
  std::string out;
  if (mode == "passive") {
    std::snprintf(buf, sizeof buf, "flowcast-load: %d UDP ports at %s counted for %.1f s\n",
                  a.viewers, server.c_str(), run_ms / 1000);
  } else {
    std::snprintf(
        buf, sizeof buf,
        "flowcast-load: %d viewers over %s to %s: %d joined, %d refused (FULL), %d "
        "handshake timeouts, %d connect failures, %d ended by the server, %d cut off "
        "silently (nothing heard at the end)%s\n",
        a.viewers, transport.c_str(), server.c_str(), a.joined, a.refused_full,
        a.handshake_timeouts, a.connect_failures, a.ended_by_server, a.went_silent,
        a.unreachable ? (", " + std::to_string(a.unreachable) + " lost the server").c_str() : "");
  }
  out += buf;
  if (a.stalled > 0) {
    std::snprintf(buf, sizeof buf,
                  "flowcast-load: %d stalled viewers (not counted below), %d of them ended by "
                  "the server\n",
                  a.stalled, a.stalled_ended_by_server);
    out += buf;
  }
  std::snprintf(buf, sizeof buf,
                "flowcast-load: received fraction of %d viewers after a %.1f s warm-up: min %s, "
                "p1 %s, median %s; %d below 99.9%%\n",
                a.counted, measure_after_ms / 1000, fixed(a.fraction_received.min, 4).c_str(),
                fixed(a.fraction_received.p1, 4).c_str(),
                fixed(a.fraction_received.median, 4).c_str(), a.viewers_below_99_9);
  out += buf;
  std::snprintf(buf, sizeof buf,
                "flowcast-load: %.0f packets/s in all, per viewer min %s median %s (frames/s "
                "min %s median %s: a server skipping to keyframes shows here); %llu dropped "
                "at this tool's own sockets (SO_RXQ_OVFL: not lost by the network or the "
                "sender; the tool read too late, or a burst outgrew --rcvbuf)\n",
                a.packets_per_s, fixed(a.packets_per_s_per_viewer.min, 1).c_str(),
                fixed(a.packets_per_s_per_viewer.median, 1).c_str(),
                fixed(a.frames_per_s_per_viewer.min, 1).c_str(),
                fixed(a.frames_per_s_per_viewer.median, 1).c_str(),
                static_cast<unsigned long long>(a.dropped_kernel));
  out += buf;
  std::snprintf(buf, sizeof buf,
                "flowcast-load: this tool used %.2f s CPU (user + sys) in %.1f s: %.2f cores\n",
                tool_cpu_s, run_ms / 1000, tool_cpu_cores);
  out += buf;
  return out;
}

}  // namespace flowcast::bench
