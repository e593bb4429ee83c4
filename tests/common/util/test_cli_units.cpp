// The CLI11 validators of cli_units.hpp on a small command line, and the
// usage-error path of cli_usage.hpp: what each accepts, what it stores, and
// what the user reads when a value is refused.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/util/cli_units.hpp"
#include "common/util/cli_usage.hpp"

using namespace flowcast::common;
using namespace std::chrono_literals;

namespace {

enum class Mode { tcp, udp, both };

// A command line with one option of every kind, bound to these fields.
struct Line {
  CLI::App app{"a test program", "flowcast-test"};
  std::chrono::microseconds buffer{500ms};
  std::optional<std::chrono::microseconds> duration;
  int64_t rate = 0;
  std::optional<int64_t> bytes;
  int capped = 0;
  double percent = -1;
  Mode mode = Mode::tcp;
  int count = 0;
  double burst = 0;
  std::string pause;
  int port = 0;
  std::string file;
  std::string input;
  std::string codec;

  Line() {
    app.add_option("--buffer", buffer)->transform(AsDuration());
    app.add_option("--duration", duration)->transform(AsDuration());
    app.add_option("--rate", rate)->transform(AsRate());
    app.add_option("--bytes", bytes)->transform(AsBytes());
    app.add_option("--capped", capped)->transform(AsBytes(1 << 30));
    app.add_option("--percent", percent)->transform(AsPercent());
    app.add_option("--mode", mode)
        ->transform(OneOf<Mode>({{"tcp", Mode::tcp}, {"udp", Mode::udp}, {"both", Mode::both}}));
    app.add_option("--codec", codec)->check(IsOneOf({"h264", "h265"}))->type_name("h264|h265");
    app.add_option("--count", count)->check(IsWithin(100, 65000));
    app.add_option("--burst", burst)->check(IsWithin(0.0));
    app.add_option("--pause", pause)->check(IsParsedBy(parse_at_for, "AT+FOR, like 2s+2s"));
    app.add_option("--port", port)->check(IsPort());
    app.add_option("--file", file)->check(ExistingFile("give the file the server streams"));
    app.add_option("INPUT", input)->check(ExistingFileOrUrl("or omit INPUT"));
  }

  // What the program prints on stderr for these arguments; empty when they
  // are accepted.
  std::string parse(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    try {
      app.parse(args);
      return {};
    } catch (const CLI::ParseError& e) {
      return usage_message(&app, e);
    }
  }
};

// The one line that says what is wrong, without the program's name and the
// pointer to --help.
std::string complaint(const std::string& printed) {
  const std::string head = "flowcast-test: ";
  const std::string tail = "\n(see flowcast-test --help)\n";
  REQUIRE(printed.rfind(head, 0) == 0);
  REQUIRE(printed.size() > head.size() + tail.size());
  REQUIRE(printed.compare(printed.size() - tail.size(), tail.size(), tail) == 0);
  return printed.substr(head.size(), printed.size() - head.size() - tail.size());
}

std::string refused(const std::vector<std::string>& args) {
  Line line;
  const std::string printed = line.parse(args);
  std::string what;
  for (const auto& a : args) what += a + " ";
  INFO(what);
  REQUIRE_FALSE(printed.empty());
  return complaint(printed);
}

}  // namespace

TEST_CASE("AsDuration stores DURATION as microseconds", "[unit][cli]") {
  Line line;
  REQUIRE(line.parse({"--buffer", "1.5s", "--duration", "1ms"}).empty());
  CHECK(line.buffer == 1500ms);
  REQUIRE(line.duration);
  CHECK(*line.duration == 1ms);
  for (const auto& [text, value] : {std::pair{"500ms", std::chrono::microseconds(500ms)},
                                    {"2s", 2s},
                                    {"0ms", 0ms},
                                    {"2min", 120s}}) {
    Line l;
    INFO(text);
    REQUIRE(l.parse({"--buffer", text}).empty());
    CHECK(l.buffer == value);
  }
  Line untouched;
  REQUIRE(untouched.parse({}).empty());
  CHECK(untouched.buffer == 500ms);
  CHECK_FALSE(untouched.duration);
}

TEST_CASE("AsDuration refuses what is not a DURATION, and says so", "[unit][cli]") {
  CHECK(refused({"--buffer", "abc"}) ==
        "--buffer wants a duration like 500ms, 2s or 1.5s, not 'abc'");
  for (const char* bad : {"1m", "-2s", ""}) {
    INFO(bad);
    CHECK(refused({"--duration", bad}) ==
          "--duration wants a duration like 500ms, 2s or 1.5s, not '" + std::string(bad) + "'");
  }
  // A number without a unit: the likely meaning is milliseconds.
  CHECK(refused({"--duration", "500"}) ==
        "--duration wants a duration like 500ms, 2s or 1.5s, not '500' (a duration needs a "
        "unit: did you mean 500ms?)");
  CHECK(refused({"--duration", "1.5"}) ==
        "--duration wants a duration like 500ms, 2s or 1.5s, not '1.5' (a duration needs a "
        "unit: did you mean 1.5ms?)");
}

TEST_CASE("AsDuration refuses a duration below 1 ms, suggesting milliseconds", "[unit][cli]") {
  CHECK(refused({"--buffer", "250us"}) ==
        "--buffer must be 0ms or at least 1ms, not '250us' (did you mean 250ms?)");
  CHECK(refused({"--duration", "0.5ms"}) == "--duration must be 0ms or at least 1ms, not '0.5ms'");
  Line zero;
  REQUIRE(zero.parse({"--buffer", "0ms"}).empty());
  CHECK(zero.buffer == 0ms);
}

TEST_CASE("AsRate stores RATE as bits per second", "[unit][cli]") {
  for (const auto& [text, value] : {std::pair{"800k", int64_t{800'000}},
                                    {"4M", 4'000'000},
                                    {"4000000", 4'000'000},
                                    {"1.5M", 1'500'000},
                                    {"1G", 1'000'000'000}}) {
    Line line;
    INFO(text);
    REQUIRE(line.parse({"--rate", text}).empty());
    CHECK(line.rate == value);
  }
  for (const char* bad : {"fast", "0", "-1", "4Mb", "4 M"}) {
    INFO(bad);
    CHECK(refused({"--rate", bad}) ==
          "--rate wants a rate in bits per second like 800k, 4M or 4000000, not '" +
              std::string(bad) + "'");
  }
}

TEST_CASE("AsRate refuses a rate below 1 kbit/s, suggesting the unit left out", "[unit][cli]") {
  CHECK(refused({"--rate", "2.8"}) ==
        "--rate must be at least 1k (1000 bits per second), not '2.8' (a rate is in bits per "
        "second: did you mean 2.8M?)");
  CHECK(refused({"--rate", "500"}) ==
        "--rate must be at least 1k (1000 bits per second), not '500' (a rate is in bits per "
        "second: did you mean 500k?)");
  CHECK(refused({"--rate", "0.5k"}) ==
        "--rate must be at least 1k (1000 bits per second), not '0.5k'");
  Line line;
  REQUIRE(line.parse({"--rate", "1000"}).empty());
  CHECK(line.rate == 1000);
}

TEST_CASE("AsBytes stores BYTES in powers of 1024, within its bound", "[unit][cli]") {
  for (const auto& [text, value] :
       {std::pair{"65536", int64_t{65536}}, {"64k", 65536}, {"8M", 8 << 20}, {"1.5M", 3 << 19}}) {
    Line line;
    INFO(text);
    REQUIRE(line.parse({"--bytes", text}).empty());
    REQUIRE(line.bytes);
    CHECK(*line.bytes == value);
  }
  CHECK(refused({"--bytes", "lots"}) ==
        "--bytes wants a size in bytes like 65536, 64k or 8M, not 'lots'");
  Line line;
  REQUIRE(line.parse({"--capped", "1G"}).empty());
  CHECK(line.capped == 1 << 30);
  CHECK(refused({"--capped", "2G"}) ==
        "--capped wants a size of at most 1073741824 bytes, not '2G'");
}

TEST_CASE("AsPercent stores PERCENT as a number in 0..100", "[unit][cli]") {
  for (const auto& [text, value] :
       {std::pair{"2", 2.0}, {"2%", 2.0}, {"0.5%", 0.5}, {"0", 0.0}, {"100", 100.0}}) {
    Line line;
    INFO(text);
    REQUIRE(line.parse({"--percent", text}).empty());
    CHECK(line.percent == value);
  }
  for (const char* bad : {"100.5%", "x", "-1", "2%%"}) {
    INFO(bad);
    CHECK(refused({"--percent", bad}) ==
          "--percent wants a percentage in 0..100 like 2 or 2%, not '" + std::string(bad) + "'");
  }
  CHECK(refused({"--percent", "200"}) ==
        "--percent wants a percentage in 0..100 like 2 or 2%, not '200' (a share is at most 100%)");
}

TEST_CASE("OneOf stores the value a name stands for, and only names", "[unit][cli]") {
  for (const auto& [text, value] :
       {std::pair{"tcp", Mode::tcp}, {"udp", Mode::udp}, {"both", Mode::both}}) {
    Line line;
    INFO(text);
    REQUIRE(line.parse({"--mode", text}).empty());
    CHECK(line.mode == value);
  }
  CHECK(refused({"--mode", "sctp"}) == "--mode must be tcp, udp or both, not 'sctp'");
  // The enumerator's number is not a name, nor is another spelling.
  CHECK(refused({"--mode", "1"}) == "--mode must be tcp, udp or both, not '1'");
  CHECK(refused({"--mode", "TCP"}) == "--mode must be tcp, udp or both, not 'TCP'");
}

TEST_CASE("IsOneOf keeps a name of the set, and the help names them once", "[unit][cli]") {
  for (const char* name : {"h264", "h265"}) {
    Line line;
    REQUIRE(line.parse({"--codec", name}).empty());
    CHECK(line.codec == name);
  }
  CHECK(refused({"--codec", "vp9"}) == "--codec must be h264 or h265, not 'vp9'");
  CHECK(refused({"--codec", "H264"}) == "--codec must be h264 or h265, not 'H264'");
  const std::string help = Line().app.help();
  INFO(help);
  CHECK(help.find("--codec h264|h265 ") != std::string::npos);
  CHECK(help.find("{h264,h265}") == std::string::npos);
}

TEST_CASE("IsWithin bounds a number and says how", "[unit][cli]") {
  Line line;
  REQUIRE(line.parse({"--count", "100", "--burst", "0.5"}).empty());
  CHECK(line.count == 100);
  CHECK(line.burst == 0.5);
  CHECK(refused({"--count", "50"}) == "--count must be between 100 and 65000, not '50'");
  CHECK(refused({"--count", "65001"}) == "--count must be between 100 and 65000, not '65001'");
  CHECK(refused({"--count", "many"}) ==
        "--count must be a number between 100 and 65000, not 'many'");
  CHECK(refused({"--burst", "-1"}) == "--burst must be at least 0, not '-1'");
  CHECK(refused({"--burst", "x"}) == "--burst must be a number of at least 0, not 'x'");
}

TEST_CASE("IsParsedBy and IsPort check the text and leave it as it is", "[unit][cli]") {
  Line line;
  REQUIRE(line.parse({"--pause", "2s+500ms", "--port", "65535"}).empty());
  CHECK(line.pause == "2s+500ms");
  CHECK(line.port == 65535);
  CHECK(refused({"--pause", "2s"}) == "--pause wants AT+FOR, like 2s+2s, not '2s'");
  for (const char* bad : {"0", "65536", "abc", "5006x", "-1", ""}) {
    INFO(bad);
    CHECK(refused({"--port", bad}) ==
          "--port wants a PORT in 1..65535, not '" + std::string(bad) + "'");
  }
}

TEST_CASE("ExistingFile and ExistingFileOrUrl say what is missing and what to give",
          "[unit][cli]") {
  char folder_template[] = "/tmp/flowcast-cli-XXXXXX";
  REQUIRE(mkdtemp(folder_template) != nullptr);
  const std::string folder = folder_template;
  const std::string file = folder + "/clip.mp4";
  std::ofstream(file) << "x";

  Line line;
  REQUIRE(line.parse({"--file", file, file}).empty());
  CHECK(line.file == file);
  CHECK(line.input == file);
  Line url;
  REQUIRE(url.parse({"rtsp://camera.local/stream"}).empty());
  CHECK(url.input == "rtsp://camera.local/stream");

  const std::string missing = folder + "/missing.mp4";
  CHECK(refused({"--file", missing}) ==
        "--file: File does not exist: " + missing + " (give the file the server streams)");
  CHECK(refused({"--file", folder}) ==
        "--file: File is actually a directory: " + folder + " (give the file the server streams)");
  CHECK(refused({missing}) == "INPUT: File does not exist: " + missing + " (or omit INPUT)");
  std::filesystem::remove_all(folder);
}

TEST_CASE("usage_message: one line that says what is wrong, then where to look", "[unit][cli]") {
  CLI::App app{"", "flowcast-test"};
  // CLI11's own complaints keep their form.
  CHECK(usage_message(&app, CLI::ExtrasError({"--nope"})) ==
        "flowcast-test: The following argument was not expected: --nope\n"
        "(see flowcast-test --help)\n");
  CHECK(usage_message(&app, CLI::RequiresError("--listen", "--sdp")) ==
        "flowcast-test: --listen requires --sdp\n(see flowcast-test --help)\n");
  // A complaint that continues the option's name joins it.
  CHECK(usage_message(&app, CLI::ValidationError("--mtu", "must be between 100 and 65000")) ==
        "flowcast-test: --mtu must be between 100 and 65000\n(see flowcast-test --help)\n");
  CHECK(usage_message(&app, CLI::ValidationError("HOST[:PORT]", "wants HOST or HOST:PORT")) ==
        "flowcast-test: HOST[:PORT] wants HOST or HOST:PORT\n(see flowcast-test --help)\n");
  // Anything else after a name keeps its colon.
  CHECK(usage_message(&app, CLI::ValidationError("--reference", "cannot open x.mp4")) ==
        "flowcast-test: --reference: cannot open x.mp4\n(see flowcast-test --help)\n");
  // A program's own check, thrown after parsing, is printed as it is.
  CHECK(usage_message(&app, CLI::ValidationError("--buffer-max must be at least --buffer")) ==
        "flowcast-test: --buffer-max must be at least --buffer\n(see flowcast-test --help)\n");
}

TEST_CASE("usage_exit: 2 and a message on stderr, 0 and the help for --help", "[unit][cli]") {
  Line line;
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  int refused_code = -1, help_code = -1;
  try {
    refused_code = usage_exit(line.app, CLI::ValidationError("--buffer", "wants a duration"));
    help_code = usage_exit(line.app, CLI::CallForHelp());
  } catch (...) {
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    throw;
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  CHECK(refused_code == kUsageExitCode);
  CHECK(kUsageExitCode == 2);
  CHECK(err.str() == "flowcast-test: --buffer wants a duration\n(see flowcast-test --help)\n");
  CHECK(help_code == 0);
  CHECK(out.str().find("a test program") != std::string::npos);
  CHECK(out.str().find("--buffer") != std::string::npos);
}
