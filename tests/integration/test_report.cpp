// flowcast-report end to end: real runs of flowcast-server and flowcast-client
// over TCP and UDP, the report of both, opened in headless Chromium; a run
// with sound and one without; and the command line's answers to bad input.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "support/binaries.hpp"
#include "support/chromium.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

json tiny_metrics() {
  return {{"schema", "flowcast.metrics/1"},
          {"transport", "tcp"},
          {"timeline", {{{"t_ms", 0}, {"state", "buffering"}, {"buffer_ms", 0}}}}};
}

}  // namespace

TEST_CASE("flowcast-report compares real TCP and UDP runs, and Chromium renders it",
          "[integration]") {
  TempDir dir;
  PatternServer server(dir, "500k");
  REQUIRE(server.ready());
  const std::string port = server.port();
  // Both runs at once: the report does not care, and the test is faster.
  Process tcp({kClient, "127.0.0.1:" + port, "--transport", "tcp", "--headless", "--quiet",
               "--duration", "3s", "--metrics", dir.file("demo-tcp.json")},
              dir.file("tcp.log"));
  Process udp({kClient, "127.0.0.1:" + port, "--transport", "udp", "--headless", "--quiet",
               "--duration", "3s", "--metrics", dir.file("demo-udp.json")},
              dir.file("udp.log"));
  auto tcp_code = tcp.wait_for(20s);
  auto udp_code = udp.wait_for(20s);
  INFO(tcp.log() << udp.log());
  REQUIRE(tcp_code == 0);
  REQUIRE(udp_code == 0);

  const std::string html_path = dir.file("r.html");
  Process report({kReport, dir.file("demo-tcp.json"), dir.file("demo-udp.json"), "-o", html_path,
                  "--title", "TCP & UDP"},
                 dir.file("report.log"));
  auto code = report.wait_for(20s);
  INFO(report.log());
  REQUIRE(code == 0);
  CHECK(report.log() == html_path + "\n");
  const std::string html = read_file(html_path);
  CHECK(html.find("<title>TCP &amp; UDP</title>") != std::string::npos);
  CHECK(html.find("tcp (demo-tcp)") != std::string::npos);
  CHECK(html.find("udp (demo-udp)") != std::string::npos);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK_FALSE(file_exists(html_path + ".part"));

  const auto chromium = find_chromium();
  if (!chromium) {
    WARN(
        "chromium not found on PATH: skipping the browser checks (scripts/install-deps.sh "
        "installs it)");
    return;
  }
  const std::string url = "file://" + html_path;
  const std::string dom_log = dir.file("dom.log");
  REQUIRE(run_chromium(*chromium, dir, url, {"--dump-dom"}, dom_log) == 0);
  const std::string dom = read_file(dom_log);
  for (const char* id :
       {"summary", "chart-buffer", "chart-kernel", "chart-bitrate", "chart-events", "snapshots"}) {
    INFO(id);
    CHECK(dom.find("id=\"" + std::string(id) + "\"") != std::string::npos);
  }
  CHECK(dom.find("tcp (demo-tcp)") != std::string::npos);

  const std::string shot = dir.file("shot.png");
  REQUIRE(run_chromium(*chromium, dir, url,
                       {"--hide-scrollbars", "--screenshot=" + shot, "--window-size=1280,2000"},
                       dir.file("screenshot.log")) == 0);
  REQUIRE(file_exists(shot));
  const size_t colours = distinct_colours(dir, shot);
  INFO("the screenshot has " << colours << " distinct colours");
  CHECK(colours > 20);
}

TEST_CASE("flowcast-report from another directory shows the snapshots and the server's link",
          "[integration]") {
  TempDir dir;
  PatternServer server(dir, "500k", {"--link-loss", "2", "--metrics", dir.file("server.json")});
  REQUIRE(server.ready());
  REQUIRE(run_shell("mkdir -p '" + dir.file("runs") + "'") == 0);
  // The client runs in the test's folder and writes into runs/.
  Process udp({kClient, "127.0.0.1:" + server.port(), "--transport", "udp", "--headless", "--quiet",
               "--duration", "3s", "--metrics", dir.file("runs/udp.json"), "--snapshot",
               dir.file("runs/shots")},
              dir.file("udp.log"));
  REQUIRE(udp.wait_for(20s) == 0);
  server.signal(SIGTERM);
  REQUIRE(server.wait_for(10s));
  const json m = read_client_metrics(dir.file("runs/udp.json"));
  REQUIRE(m["snapshots"].size() >= 1);
  // Named from the metrics file's folder.
  CHECK(m["snapshots"][0]["file"].get<std::string>().rfind("shots/", 0) == 0);

  // flowcast-report run from / on files named by absolute paths.
  const std::string html_path = dir.file("r.html");
  const int rc = run_shell("cd / && '" + kReport + "' '" + dir.file("runs/udp.json") +
                           "' --server '" + dir.file("server.json") + "' -o '" + html_path +
                           "' > '" + dir.file("report.log") + "' 2>&1");
  INFO(read_file(dir.file("report.log")));
  REQUIRE(rc == 0);
  const std::string html = read_file(html_path);
  CHECK(html.find("cannot read") == std::string::npos);
  CHECK(html.find("data:image/png;base64,") != std::string::npos);
  CHECK(html.find("through the server's emulated link: loss 2%") != std::string::npos);
  CHECK(html.find("udp (udp)") == std::string::npos);

  const auto chromium = find_chromium();
  if (!chromium) {
    WARN("chromium not found on PATH: skipping the browser check");
    return;
  }
  const std::string dom_log = dir.file("dom.log");
  REQUIRE(run_chromium(*chromium, dir, "file://" + html_path, {"--dump-dom"}, dom_log) == 0);
  const std::string dom = read_file(dom_log);
  CHECK(dom.find("<img alt=\"") != std::string::npos);
  CHECK(dom.find("src=\"data:image/png;base64,") != std::string::npos);
  CHECK(dom.find(" unreadable\"") == std::string::npos);
}

TEST_CASE("flowcast-report draws the sound of a run that had it, and none for one without",
          "[integration][audio]") {
  TempDir dir;
  // The pattern with its Opus beep-and-flash sound.
  PatternServer server(dir, "500k");
  REQUIRE(server.ready());
  const std::string address = "127.0.0.1:" + server.port();
  Process with({kClient, address, "--transport", "udp", "--headless", "--quiet", "--duration", "3s",
                "--metrics", dir.file("with.json")},
               dir.file("with.log"));
  Process without({kClient, address, "--transport", "udp", "--headless", "--quiet", "--duration",
                   "3s", "--no-audio", "--metrics", dir.file("without.json")},
                  dir.file("without.log"));
  const auto with_code = with.wait_for(20s);
  const auto without_code = without.wait_for(20s);
  INFO(with.log() << without.log());
  REQUIRE(with_code == 0);
  REQUIRE(without_code == 0);
  // The timeline samples the sound: what it held, and the A/V offset once
  // pictures were measured against it.
  const json m = read_client_metrics(dir.file("with.json"));
  size_t held = 0, measured = 0;
  for (const json& s : m["timeline"]) {
    held += s["audio_buffer_ms"].is_number() && s["audio_buffer_ms"].get<double>() > 0;
    measured += s["av_offset_ms"].is_number();
  }
  CHECK(held >= 10);
  // About 24 of the 30 samples on a quiet machine; under load the sender
  // reports' mappings move more than AvSync lets a measure through (5 ms),
  // and as few as 3 were seen.
  CHECK(measured >= 1);
  CHECK(m["timeline"].back()["audio_concealed_samples"].is_number());
  const json without_sound = read_client_metrics(dir.file("without.json"));
  for (const json& s : without_sound["timeline"]) CHECK(s["av_offset_ms"].is_null());

  const auto report = [&](const std::string& name) {
    const std::string html_path = dir.file(name + ".html");
    Process r({kReport, dir.file(name + ".json"), "-o", html_path}, dir.file(name + "-r.log"));
    const auto code = r.wait_for(20s);
    INFO(r.log());
    REQUIRE(code == 0);
    return read_file(html_path);
  };
  const std::string with_html = report("with");
  for (const char* id : {"audio", "chart-audio", "chart-audio-buffer", "chart-av-offset"}) {
    INFO(id);
    CHECK(with_html.find("id=\"" + std::string(id) + "\"") != std::string::npos);
  }
  CHECK(with_html.find("BT.1359: audio 45 ms early") != std::string::npos);
  CHECK(with_html.find("BT.1359: audio 125 ms late") != std::string::npos);
  const std::string without_html = report("without");
  CHECK(without_html.find("id=\"chart-buffer\"") != std::string::npos);
  CHECK(without_html.find("chart-audio") == std::string::npos);
  CHECK(without_html.find("chart-av-offset") == std::string::npos);
  CHECK(without_html.find("BT.1359") == std::string::npos);
}

TEST_CASE("flowcast-report refuses bad input with exit 2 and writes nothing", "[integration]") {
  TempDir dir;
  const std::string good = dir.file("good.json");
  write_text(good, tiny_metrics().dump());
  const std::string out = dir.file("r.html");

  struct Case {
    const char* name;
    std::vector<std::string> args;
    std::string expected;
  };
  const std::string missing = dir.file("missing.json"), server = dir.file("server.json"),
                    empty = dir.file("empty.json"), invalid = dir.file("invalid.json");
  write_text(server, R"({"schema": "flowcast.server-metrics/1", "sessions": []})");
  json e = tiny_metrics();
  e["timeline"] = json::array();
  write_text(empty, e.dump());
  write_text(invalid, "{\"schema\": \"flowcast.metrics/1\", \"timeline\": [");
  const Case cases[] = {
      {"a missing file", {good, missing, "-o", out}, missing + ": no such file"},
      {"the server's metrics", {server, "-o", out}, "not \"flowcast.metrics/1\""},
      {"an empty timeline", {good, empty, "-o", out}, empty + ": its timeline is empty"},
      {"invalid JSON", {invalid, "-o", out}, invalid + ": not valid JSON"},
      {"a folder", {dir.path(), "-o", out}, "not a regular file"},
      {"no inputs", {"-o", out}, "no metrics files given"},
      {"no output", {good}, "no output file given; add -o report.html"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      // Without an -o file, and then with an older one that must survive.
      for (const bool existing : {false, true}) {
        if (existing) write_text(out, "an older report");
        std::vector<std::string> argv = {kReport};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        Process report(argv, dir.file("report.log"));
        auto code = report.wait_for(10s);
        const std::string log = report.log();
        INFO((existing ? "with" : "without") << " an older -o file: " << log);
        CHECK(code == 2);
        CHECK(log.rfind("flowcast-report: ", 0) == 0);
        CHECK(log.find(c.expected) != std::string::npos);
        // One line.
        CHECK(log.find('\n') == log.size() - 1);
        if (existing)
          CHECK(read_file(out) == "an older report");
        else
          CHECK_FALSE(file_exists(out));
        CHECK_FALSE(file_exists(out + ".part"));
      }
    }
  }
}

TEST_CASE("flowcast-report --help explains the command", "[integration]") {
  TempDir dir;
  Process report({kReport, "--help"}, dir.file("help.log"));
  REQUIRE(report.wait_for(10s) == 0);
  const std::string help = report.log();
  CHECK(help.find("-o,--output") != std::string::npos);
  CHECK(help.find("--title") != std::string::npos);
  CHECK(help.find("flowcast-client --metrics") != std::string::npos);
}
