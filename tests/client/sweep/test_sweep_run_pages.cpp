// Each run's own flowcast-report page, written beside its metrics for the
// sweep's page to link to.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "client/sweep/sweep_run_pages.hpp"
#include "support/process.hpp"

using namespace flowcast::client::sweep;
namespace fs = std::filesystem;

namespace {

RunRecord ok_run(const std::string& transport) {
  RunRecord r;
  r.condition = {{"transport", transport}};
  r.seed = 1;
  r.id = run_id(r.condition, r.seed);
  r.status = RunStatus::ok;
  r.headline = Headline{};
  return r;
}

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("each ok run gets its report page, linked relative to the sweep's page",
          "[unit][sweep]") {
  flowcast::test::TempDir dir;
  const std::string out = dir.file("my sweep");
  const RunRecord tcp = ok_run("tcp"), udp = ok_run("udp"), gone = ok_run("rtsp-tcp");
  RunRecord failed = ok_run("rtsp-udp");
  failed.status = RunStatus::failed;
  write(out + "/runs/" + tcp.id + "/client.json",
        R"({"schema": "flowcast.metrics/1", "transport": "tcp",
            "timeline": [{"t_ms": 0, "state": "playing", "buffer_ms": 0}]})");
  write(out + "/runs/" + tcp.id + "/server.json", R"({"link_config": {"rate_bps": 2000000}})");
  write(out + "/runs/" + udp.id + "/client.json", "{not json");
  write(out + "/runs/" + failed.id + "/client.json", "{}");
  std::vector<std::string> problems;
  const RunLinks links =
      write_run_pages(out, {tcp, udp, gone, failed}, dir.file("pages/sweep.html"), problems);
  // The page is one folder over: the link climbs out and percent-encodes the space.
  REQUIRE(links.size() == 1);
  CHECK(links.at(tcp.id) == "../my%20sweep/runs/" + tcp.id + "/report.html");
  const std::string page = flowcast::test::read_file(out + "/runs/" + tcp.id + "/report.html");
  CHECK_THAT(page, Catch::Contains("flowcast sweep run " + tcp.id + " (seed 1): transport=tcp"));
  // Unreadable metrics: no page, no link, and why.
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains(udp.id + "/client.json: not JSON"));
  // A page newer than the metrics is kept as it is.
  write(out + "/runs/" + tcp.id + "/report.html", "kept");
  write_run_pages(out, {tcp}, dir.file("pages/sweep.html"), problems);
  CHECK(flowcast::test::read_file(out + "/runs/" + tcp.id + "/report.html") == "kept");
  CHECK(url_path("a b/c#d%é") == "a%20b/c%23d%25%C3%A9");
}
