// flowcast-sweep report end to end: two tiny real sweeps (the pattern below
// its rate, over TCP and UDP with and without loss; and a file, so that
// there is a PSNR), merged, drawn as one page, and that page rendered in
// headless Chromium with every plot present. The screenshot is kept beside
// the test binary and its path printed.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>

#include "client/sweep/sweep_report.hpp"
#include "client/sweep/sweep_results.hpp"
#include "support/binaries.hpp"
#include "support/chromium.hpp"
#include "support/process.hpp"

using namespace flowcast;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Runs flowcast-sweep with args; fails the test unless it exits 0 (or 1 for
// a run the busy machine spoilt: that run is recorded invalid).
void sweep(const test::TempDir& dir, std::vector<std::string> args, const std::string& name) {
  args.insert(args.begin(), test::kSweep);
  test::Process p(args, dir.file(name + ".log"));
  const auto code = p.wait_for(120s);
  INFO(p.log());
  REQUIRE(code);
  REQUIRE((*code == 0 || *code == 1));
}

}  // namespace

TEST_CASE("the sweep page renders in Chromium with every plot, each run linked to its report",
          "[integration][sweep][long]") {
  test::TempDir dir;
  // The pattern at 600k over a 450k link: TCP stalls, UDP loses; 3% loss
  // and 40 ms of delay on top.
  sweep(dir, {"--bitrate",   "600k",    "--link-rate",  "450k",
              "--link-loss", "0,3%",    "--link-delay", "40ms",
              "--transport", "tcp,udp", "--seeds",      "1",
              "--duration",  "3s",      "--pattern",    "320x240@30",
              "--jobs",      "2",       "--out",        dir.file("pattern")},
        "pattern");
  // A file, given to the client as its reference: PSNR against loss.
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(test::make_clip(clip, "320x240", 30, 4.0, 0, "400k"));
  sweep(dir,
        {"--input", clip, "--link-loss", "0,3%", "--transport", "udp", "--seeds", "1", "--duration",
         "3s", "--jobs", "2", "--out", dir.file("file")},
        "file");
  test::Process merge(
      {test::kSweep, "merge", dir.file("sweep"), dir.file("pattern"), dir.file("file")},
      dir.file("merge.log"));
  REQUIRE(merge.wait_for(20s) == 0);
  const auto records = client::sweep::read_records(dir.file("sweep/runs.jsonl"));
  REQUIRE(records.size() == 6);
  bool psnr = false;
  for (const auto& r : records)
    if (r.status == client::sweep::RunStatus::ok) {
      REQUIRE(r.headline);
      CHECK(r.headline->qoe_score);  // every run that showed a picture has a score
      psnr = psnr || r.headline->psnr_mean.has_value();
    }
  CHECK(psnr);  // the file runs compared their pictures with the file

  const std::string page = dir.file("sweep.html");
  test::Process report(
      {test::kSweep, "report", dir.file("sweep"), "-o", page, "--heatmap", "link-loss,transport"},
      dir.file("report.log"));
  REQUIRE(report.wait_for(30s) == 0);
  const std::string html = test::read_file(page);
  CHECK_THAT(html, Catch::Contains("QoE score over --link-loss and --transport"));
  // Each ok run has its own flowcast-report page, and the plots link to it.
  for (const auto& r : records) {
    if (r.status != client::sweep::RunStatus::ok) continue;
    INFO(r.id);
    CHECK(test::file_exists(dir.file("sweep/runs/" + r.id + "/report.html")));
    CHECK_THAT(html, Catch::Contains("<a href=\"sweep/runs/" + r.id + "/report.html\">"));
  }

  const auto chromium = test::find_chromium();
  if (!chromium) {
    WARN("chromium not found on PATH: skipping the browser checks");
    return;
  }
  const std::string url = "file://" + page;
  const std::string dom_log = dir.file("dom.log");
  REQUIRE(test::run_chromium(*chromium, dir, url, {"--dump-dom"}, dom_log) == 0);
  const std::string dom = test::read_file(dom_log);
  // Every plot is in the page Chromium built, an <svg> each, with its note.
  const auto& ids = client::sweep::sweep_plot_ids();
  CHECK(count(dom, "<svg class=\"chart\"") == ids.size());
  for (const auto& id : ids) {
    INFO(id);
    CHECK(count(dom, "id=\"" + id + "\"") == 1);
  }
  CHECK(count(dom, "<p class=\"runs\">") == ids.size());
  CHECK(count(dom, "class=\"run-point\"") > 20);  // the runs' dots
  CHECK(dom.find("<script") == std::string::npos);

  const std::string shot = dir.file("sweep-page.png");
  REQUIRE(
      test::run_chromium(*chromium, dir, url,
                         {"--hide-scrollbars", "--screenshot=" + shot, "--window-size=1100,4400"},
                         dir.file("screenshot.log")) == 0);
  REQUIRE(test::file_exists(shot));
  CHECK(fs::file_size(shot) > 50000);
  const size_t colours = test::distinct_colours(dir, shot);
  INFO("the screenshot has " << colours << " distinct colours");
  CHECK(colours > 40);
  // Kept beside the test binary, for a person to look at.
  std::error_code ec;
  const fs::path kept = fs::read_symlink("/proc/self/exe", ec).parent_path() / "sweep-page.png";
  fs::copy_file(shot, kept, fs::copy_options::overwrite_existing, ec);
  WARN("the sweep page's screenshot: " << (ec ? shot + " (removed with the test's folder)"
                                              : kept.string()));
}
