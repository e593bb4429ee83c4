#pragma once
// What the report's charts draw of one run (report.hpp): its series over
// time, read once from its metrics document (flowcast.metrics/1). Internal
// to the report library (report_page namespace).
//
// Units: times in ms from the client's launch (t_ms), media times in ms;
// the series' own units are named by their fields. Pure; any thread;
// hostile values (missing, not numbers, not finite) are skipped, never
// thrown on.
#include <optional>
#include <string>
#include <vector>

#include "client/report/report_values.hpp"
#include "client/report/svg_chart.hpp"

namespace flowcast::client::report_page {

struct Tick {
  double t_ms = 0;
  double count = 0;  // how many new since the previous sample
  double total = 0;
};

struct Stall {
  double start_ms = 0, duration_ms = 0;
  std::string cause;
};

// What the charts need from one run's metrics; hostile values are skipped.
struct RunSeries {
  std::vector<SvgChart::Point> buffer_ms, kernel_bytes, received_kbps, psnr;
  // The playout delay: its target and its actual value (absent in files
  // written before the timeline had them).
  std::vector<SvgChart::Point> target_delay_ms, delay_ms;
  std::vector<Tick> lost, late, damaged;
  // The sound (a run with an audio stream; files written before the
  // timeline had them draw none): what it held (ms), its W3C
  // concealedSamples and its output's underruns as ticks, and the A/V
  // offset (ms, + audio early) of each sample that measured one.
  bool has_audio = false;
  std::vector<SvgChart::Point> audio_buffer_ms, av_offset_ms;
  std::vector<Tick> concealed, underruns;
  std::vector<Stall> stalls;
  std::optional<double> kernel_peak_bytes;
  std::optional<double> first_pts_ms;  // media time of the first compared or saved picture
  std::optional<double> config_buffer_ms, config_rebuffer_ms;
  double end_ms = 0;  // the last time anything of this run is drawn at
};

// The series of the metrics document m.
RunSeries series_of(const json& m);

}  // namespace flowcast::client::report_page
