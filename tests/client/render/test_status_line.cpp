// The summary table printed at exit, from the run's MetricsDocument: its
// rows and their formats, and the rows that depend on a reference and on
// snapshots.
#include <catch2/catch.hpp>
#include <string>

#include "client/metrics/metrics_document.hpp"
#include "client/render/status_line.hpp"

using namespace flowcast::client;

namespace {

MetricsDocument udp_run_with_reference() {
  MetricsDocument m;
  m.transport = Transport::udp;
  m.config.overflow = OverflowPolicy::drop_old;
  m.duration_ms = 6481.7;
  m.startup_ms = 516.4;
  m.stalls.count = 2;
  m.stalls.total_ms = 1846.06;
  m.rebuffering_ratio = 0.3621;
  m.packets.received = 268;
  m.packets.lost = 10;
  m.packets.dropped_kernel = 3;
  m.packets.dropped_overflow = 4;
  m.frames.rendered = 173;
  m.frames.corrupt = 3;
  m.frames.tainted = 76;
  m.latency_ms = {.p50 = 500.2, .p95 = 600.7, .max = 700};
  m.quality.figures = {.psnr_mean = 27.153, .psnr_min = 19.516, .mos_mean = 4.0636};
  m.quality.comparison.emplace().reference = "clip.mp4";
  m.quality.comparison->reference_matched = true;
  m.snapshots.resize(2);
  m.snapshots[0].file = "out/shots/clean-t000517ms.png";
  m.snapshots[1].file = "out/shots/worst-t001000ms.png";
  return m;
}

const std::string kCommonRows =
    "  stalls                 2 (1846 ms)\n"
    "  rebuffering ratio      0.362\n"
    "  packets received       268\n"
    "  packets lost           10\n"
    "  dropped kernel/buffer  3 / 4\n"
    "  frames rendered        173\n"
    "  frames corrupt         3\n"
    "  frames tainted         76\n"
    "  latency p50/p95        500 / 601 ms\n";

}  // namespace

TEST_CASE("the summary table: a run with a reference and snapshots", "[unit][status]") {
  CHECK(format_summary(udp_run_with_reference()) ==
        "flowcast-client summary (udp, overflow drop-old)\n"
        "  duration               6482 ms\n"
        "  startup                516 ms\n" +
            kCommonRows +
            "  PSNR mean/min          27.15 / 19.52 dB, MOS 4.06\n"
            "  snapshots              2 PNG in out/shots\n");
}

TEST_CASE("the summary table: what was not measured shows as a dash", "[unit][status]") {
  SECTION("no picture shown, no reference, no snapshots") {
    MetricsDocument m = udp_run_with_reference();
    m.transport = Transport::tcp;
    m.config.overflow = OverflowPolicy::block;
    m.startup_ms.reset();
    m.quality = {};
    m.snapshots.clear();
    CHECK(format_summary(m) ==
          "flowcast-client summary (tcp, overflow block)\n"
          "  duration               6482 ms\n"
          "  startup                -\n" +
              kCommonRows);
  }
  SECTION("a reference the stream did not match") {
    MetricsDocument m = udp_run_with_reference();
    m.quality.figures = {};
    m.quality.comparison->reference_matched = false;
    m.quality.error = ReferenceError{"no match"};
    const std::string summary = format_summary(m);
    CHECK(summary.find("  PSNR mean/min          - / - dB, MOS -\n") != std::string::npos);
  }
}
