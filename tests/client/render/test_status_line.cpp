// The summary table printed at exit, from the run's MetricsDocument: its
// rows and their formats, and the rows that depend on a reference and on
// snapshots.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
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
  m.session.ended_by = EndedBy::duration;
  m.session.video_started = true;
  m.session.state_ms = {.joining = 516.4, .playing = 3800, .rebuffering = 1846.06, .frozen = 319.2};
  m.freezes = {.count = 3, .total_ms = 2165.3};
  m.stalls.count = 2;
  m.stalls.total_ms = 1846.06;
  m.rebuffering_ratio = 0.3621;
  m.packets.received = 268;
  m.packets.lost = 10;
  m.packets.dropped_kernel = 3;
  m.packets.dropped_overflow = 4;
  m.frames.rendered = 173;
  m.frames.corrupt = 3;
  m.frames.rendered_corrupt = 2;
  m.frames.tainted = 76;
  m.frames.damaged = 77;
  m.latency_ms = {.p50 = 500.2, .p95 = 600.7, .max = 700};
  m.quality.figures = {.psnr_mean = 27.153, .psnr_min = 19.516, .mos_mean = 4.0636};
  m.quality.comparison.emplace().reference = "clip.mp4";
  m.quality.comparison->reference_matched = true;
  m.snapshots.resize(2);
  m.snapshots[0].file = "out/shots/clean-t000517ms.png";
  m.snapshots[1].file = "out/shots/worst-t001000ms.png";
  return m;
}

const std::string kStateRows =
    "  joining / playing      516 / 3800 ms\n"
    "  rebuffering / frozen   1846 / 319 ms\n";

const std::string kCommonRows =
    "  stalls                 2 (1846 ms)\n"
    "  rebuffering ratio      0.362\n"
    "  freezes                3 (2165 ms)\n"
    "  packets received       268\n"
    "  packets lost           10 (3.6%)\n"
    "  dropped kernel/buffer  3 / 4\n"
    "  frames rendered        173\n"
    "  frames damaged         77 (corrupt 2, tainted 76)\n"
    "  latency p50/p95        500 / 601 ms\n";

}  // namespace

TEST_CASE("the summary table: a run with a reference and snapshots", "[unit][status]") {
  CHECK(format_summary(udp_run_with_reference()) ==
        "flowcast-client summary (udp, overflow drop-old)\n"
        "  session                ended by duration\n"
        "  duration               6482 ms\n"
        "  startup                516 ms\n" +
            kStateRows + kCommonRows +
            "  PSNR mean/min          27.15 / 19.52 dB, MOS 4.06\n"
            "  snapshots              2 PNG in out/shots\n");
}

TEST_CASE("the summary table: what was not measured shows as a dash", "[unit][status]") {
  SECTION("no picture shown: a video start failure, no ratio, no startup") {
    MetricsDocument m;
    m.transport = Transport::tcp;
    m.config.overflow = OverflowPolicy::block;
    m.duration_ms = 3012;
    m.session.start_failure = StartFailure::video_start_failure;
    m.session.ended_by = EndedBy::closed;
    m.session.state_ms.joining = 3012;
    CHECK(format_summary(m) ==
          "flowcast-client summary (tcp, overflow block)\n"
          "  session                VIDEO START FAILURE (closed)\n"
          "  duration               3012 ms\n"
          "  startup                - (no picture shown)\n"
          "  joining / playing      3012 / 0 ms\n"
          "  rebuffering / frozen   0 / 0 ms\n"
          "  stalls                 0 (0 ms)\n"
          "  rebuffering ratio      - (no picture shown)\n"
          "  freezes                0 (0 ms)\n"
          "  packets received       0\n"
          "  packets lost           0 (0.0%)\n"
          "  dropped kernel/buffer  0 / 0\n"
          "  frames rendered        0\n"
          "  frames damaged         0 (corrupt 0, tainted 0)\n"
          "  latency p50/p95        n/a (no send time in the RTP)\n");
  }
  SECTION("the viewer left before the first picture: an exit before video start") {
    MetricsDocument m;
    m.session.start_failure = StartFailure::exit_before_video_start;
    m.session.ended_by = EndedBy::user;
    CHECK(format_summary(m).find("  session                EXIT BEFORE VIDEO START (user)\n") !=
          std::string::npos);
  }
  SECTION("a stream that ended while the player waited") {
    MetricsDocument m = udp_run_with_reference();
    m.session.ended_by = EndedBy::silence;
    m.session.state_ms.ended = 4967;
    const std::string summary = format_summary(m);
    CHECK(summary.find("  session                ended by silence\n") != std::string::npos);
    CHECK(summary.find("  ended, waiting         4967 ms (the stream had ended)\n") !=
          std::string::npos);
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

TEST_CASE("the summary names every way a picture was not shown, and where each went",
          "[unit][status]") {
  // A stream stamped in decode order, before flowcast recognised it: 145 of
  // 360 pictures decoded but dropped as late.
  MetricsDocument m = udp_run_with_reference();
  m.frames.rendered = 214;
  m.frames.damaged = 0;
  m.frames.dropped_late = 145;
  SECTION("dropped late has a row of its own") {
    CHECK(format_summary(m).find(
              "  frames dropped late    145 (decoded, the next picture was already due)\n") !=
          std::string::npos);
  }
  SECTION("conservation: each bucket that is not zero, and the sum") {
    m.frames.rendered_clean = 214;
    m.frames.lost = 1;
    m.frames.sent = 360;
    m.frames.accounted = conservation_sum(m.frames);
    CHECK(m.frames.accounted == 360);
    CHECK(format_summary(m).find("  pictures sent          360: shown clean 214, dropped late "
                                 "145, lost 1\n") != std::string::npos);
  }
  SECTION("a balance that does not close says by how much") {
    m.frames.rendered_clean = 214;
    m.frames.sent = 362;
    m.frames.accounted = conservation_sum(m.frames);
    CHECK(format_summary(m).find("359: shown clean 214, dropped late 145 (3 unaccounted)") ==
          std::string::npos);
    CHECK(format_summary(m).find("362: shown clean 214, dropped late 145 (3 unaccounted)\n") !=
          std::string::npos);
  }
  SECTION("every bucket by name") {
    FrameCounts& f = m.frames;
    f = {};
    f.rendered_clean = 1;
    f.damaged = 2;
    f.skipped = 3;
    f.dropped_late = 4;
    f.dropped_buffer = 5;
    f.lost = 6;
    f.undecodable = 7;
    f.pending = 8;
    f.accounted = conservation_sum(f);
    f.sent = 36;
    CHECK(format_summary(m).find("  pictures sent          36: shown clean 1, shown damaged 2, "
                                 "skipped 3, dropped late 4, dropped by the buffer 5, lost 6, "
                                 "undecodable 7, not yet shown at exit 8\n") != std::string::npos);
  }
}

TEST_CASE("the status line says how many pictures were dropped late", "[unit][status]") {
  PlaybackStatus s;
  s.state = SessionState::playing;
  s.rendered = 214;
  s.dropped_late = 145;
  CHECK(format_status(s).find("dropped late 145") != std::string::npos);
  // Narrow, it stays (shortened) while less important fields go.
  const std::string narrow = format_status(s, 100);
  CAPTURE(narrow);
  CHECK(narrow.find("late-drop 145") != std::string::npos);
}

namespace {

PlaybackStatus busy_status() {
  PlaybackStatus s;
  s.state = SessionState::playing;
  s.damaged_now = true;
  s.transport = "udp";
  s.overflow = "drop-old";
  s.t_s = 1234.5;
  s.buffer_ms = 480;
  s.buffer_bytes = 312 * 1024;
  s.kernel_bytes = 12 * 1024;
  s.reader_busy = true;
  s.stalls = 12;
  s.stall_ms = 10400;
  s.freezes = 31;
  s.freeze_ms = 61000;
  s.lost = 12345;
  s.received = 40000;
  s.late = 321;
  s.dropped_kernel = 4567;
  s.dropped_buffer = 89;
  s.damaged = 14000;
  s.corrupt = 2000;
  s.tainted = 13000;
  s.latency_ms = 1234;
  s.psnr_db = 23.4;
  return s;
}

}  // namespace

TEST_CASE("the status line fits the width it is given", "[unit][status]") {
  const PlaybackStatus s = busy_status();
  const std::string wide = format_status(s);
  CAPTURE(wide);
  // Unbounded: every figure, long labels.
  for (const char* field :
       {"PLAYING damaged", "udp/drop-old", "buffer", "(not read)", "stalls 12 (10.4s)",
        "freezes 31 (61.0s)", "lost 12345 (23.6%)", "late 321", "drop k/b 4567/89",
        "damaged 14000 (corrupt 2000, tainted 13000)", "latency 1234ms", "PSNR 23.4 dB"})
    CHECK(wide.find(field) != std::string::npos);
  for (size_t width : {40u, 60u, 79u, 100u, 159u}) {
    const std::string line = format_status(s, width);
    CAPTURE(width, line);
    CHECK(line.size() <= width);
    CHECK(line.find('\n') == std::string::npos);
    // What matters most survives the narrowest: the time, the state, stalls.
    CHECK(line.find("PLAYING damaged") != std::string::npos);
    CHECK(line.find("stalls 12") != std::string::npos);
  }
  // At 79 columns: the compact form still has the loss share and damage.
  const std::string narrow = format_status(s, 79);
  CAPTURE(narrow);
  CHECK(narrow.find("lost 23.6%") != std::string::npos);
  CHECK(narrow.find("freezes 31") != std::string::npos);
}

TEST_CASE("the state as shown: waiting, joining, rebuffering, frozen", "[unit][status]") {
  PlaybackStatus s;
  s.state = SessionState::waiting;
  s.waiting_port = 5006;
  CHECK(s.state_text() == "WAITING for RTP on UDP port 5006");
  s.state = SessionState::joining;
  s.buffering_percent = 40;
  CHECK(s.state_text() == "JOINING 40%");
  s.state = SessionState::rebuffering;
  CHECK(s.state_text() == "REBUFFERING 40%");
  s.state = SessionState::frozen;
  s.frozen_ms = 1234;
  CHECK(s.state_text() == "FROZEN 1.2s");
  s.state = SessionState::playing;
  CHECK(s.state_text() == "PLAYING");
  s.damaged_now = true;
  CHECK(s.state_text() == "PLAYING damaged");
  // Without send times latency is n/a, never 0 ms.
  PlaybackStatus listen;
  listen.state = SessionState::playing;
  CHECK(format_status(listen).find("latency n/a") != std::string::npos);
}

TEST_CASE("a lossy UDP run keeps the long form at 160 columns", "[unit][status]") {
  PlaybackStatus s;
  s.state = SessionState::playing;
  s.damaged_now = true;
  s.transport = "udp";
  s.overflow = "drop-old";
  s.t_s = 4.2;
  s.buffer_ms = 467;
  s.buffer_bytes = 30 * 1024;
  s.lost = 72;
  s.received = 311;
  s.damaged = 90;
  s.tainted = 90;
  s.latency_ms = 638;
  const std::string line = format_status(s, 159);
  CAPTURE(line);
  CHECK(line.size() <= 159);
  CHECK(line.find("stalls 0 freezes 0") != std::string::npos);
  CHECK(line.find("lost 72 (18.8%)") != std::string::npos);
  CHECK(line.find("damaged 90 (corrupt 0, tainted 90)") != std::string::npos);
  CHECK(line.find("latency 638ms") != std::string::npos);
}

TEST_CASE("the summary gives the QoE score with its terms and what the picture term rests on",
          "[unit][status]") {
  MetricsDocument m = udp_run_with_reference();
  m.qoe = {.score = 2.6464,
           .stall_mos = 3.1951,
           .picture_mos = 4,
           .picture_basis = "damaged_share",
           .interruptions = 2,
           .interruption_mean_ms = 1150,
           .damaged_share = 0.25};
  CHECK(format_summary(m).find("  QoE score              2.65 of 5 (stalls 3.20, picture 4.00 "
                               "from 25.0% damaged)\n") != std::string::npos);
  m.qoe.picture_basis = "psnr";
  CHECK(format_summary(m).find("  QoE score              2.65 of 5 (stalls 3.20, picture 4.00 "
                               "from PSNR)\n") != std::string::npos);
  m.qoe = {};  // no picture shown: no score, no row
  CHECK(format_summary(m).find("QoE") == std::string::npos);
}

TEST_CASE("a log gets a status line at every change of state, however short the state",
          "[unit][status]") {
  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  StatusLine line(out, /*tty=*/false, /*quiet=*/false);
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  PlaybackStatus s;
  s.state = SessionState::playing;
  auto at = [&](int ms, SessionState state) {
    s.state = state;
    line.update(s, t0 + std::chrono::milliseconds(ms));
  };
  at(0, SessionState::playing);     // the first line
  at(100, SessionState::playing);   // within the second, no change: nothing
  at(200, SessionState::frozen);    // a change: printed at once
  at(300, SessionState::playing);   // and back, 100 ms later
  at(400, SessionState::playing);   // nothing
  at(1300, SessionState::playing);  // a second after the last line
  std::rewind(out);
  std::string text;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, out)) text += buf;
  std::fclose(out);
  INFO(text);
  CHECK(std::count(text.begin(), text.end(), '\n') == 4);
  CHECK(text.find("FROZEN") != std::string::npos);
}
