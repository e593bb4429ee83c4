// The first slice end to end: real flowcast-server and flowcast-client on
// loopback, a clip encoded here by the ffmpeg command line, and ffmpeg's own
// framemd5 as the reference decode.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string reference_framemd5(const TempDir& dir, const std::string& clip) {
  std::string ref = dir.file("reference.framemd5");
  REQUIRE(make_reference_framemd5(clip, ref));
  return ref;
}

void stream_clip_and_compare(const std::string& transport) {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  // B-frames: decode order is not presentation order.
  REQUIRE(make_clip(clip, "320x240", 30, 3, 3));
  const auto port = std::to_string(free_port());
  Process server({kServer, clip, "--port", port, "--duration", "20s"}, dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  Process client({kClient, "127.0.0.1:" + port, "--transport", transport, "--headless",
                  "--framemd5", dir.file("got.framemd5"), "--metrics", dir.file("m.json")},
                 dir.file("client.log"));
  auto code = client.wait_for(30s);
  INFO(client.log());
  REQUIRE(code == 0);

  const auto expected = framemd5_hashes(reference_framemd5(dir, clip));
  const auto got = framemd5_hashes(dir.file("got.framemd5"));
  REQUIRE(expected.size() == 90);
  CHECK(got == expected);
  // The whole file, headers included, diffs clean against ffmpeg's.
  CHECK(read_file(dir.file("got.framemd5")) == read_file(dir.file("reference.framemd5")));

  json m = read_client_metrics(dir.file("m.json"));
  CHECK(m["schema"] == "flowcast.metrics/1");
  CHECK(m["transport"] == transport);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["frames"]["corrupt"] == 0);
  CHECK(m["frames"]["decoded"] == 90);
  CHECK(m["packets"]["received"].get<int>() > 90);
}

}  // namespace

TEST_CASE("a clip with B-frames streams bit-exact over TCP", "[integration]") {
  stream_clip_and_compare("tcp");
}

TEST_CASE("a clip with B-frames streams bit-exact over UDP", "[integration]") {
  stream_clip_and_compare("udp");
}

TEST_CASE("the test pattern plays headless over both transports", "[integration]") {
  TempDir dir;
  PatternServer server(dir, "600k");
  REQUIRE(server.ready());
  const std::string port = server.port();
  for (std::string transport : {"tcp", "udp"}) {
    SECTION(transport) {
      const std::string metrics = dir.file(transport + ".json");
      Process client({kClient, "127.0.0.1:" + port, "--transport", transport, "--headless",
                      "--duration", "5s", "--metrics", metrics},
                     dir.file(transport + ".log"));
      auto code = client.wait_for(20s);
      INFO(client.log());
      REQUIRE(code == 0);
      json m = read_client_metrics(metrics);
      const double playing_s =
          (m["duration_ms"].get<double>() - m["startup_ms"].get<double>()) / 1000.0;
      const double expected_frames = playing_s * 30;
      INFO("rendered " << m["frames"]["rendered"] << " of about " << expected_frames);
      CHECK(m["frames"]["rendered"].get<double>() >= 0.9 * expected_frames);
      CHECK(m["frames"]["corrupt"] == 0);
      CHECK(m["packets"]["lost"] == 0);
      CHECK(m["duration_ms"].get<double>() >= 4900);
    }
  }
}

TEST_CASE("a client with no server says so and exits 1 within 3 s", "[integration]") {
  TempDir dir;
  const auto port = std::to_string(free_port());
  for (std::string transport : {"tcp", "udp"}) {
    SECTION(transport) {
      const auto started = std::chrono::steady_clock::now();
      const std::string metrics = dir.file("m.json");
      Process client({kClient, "127.0.0.1:" + port, "--transport", transport, "--headless",
                      "--metrics", metrics},
                     dir.file("client.log"));
      auto code = client.wait_for(10s);
      const auto took = std::chrono::steady_clock::now() - started;
      INFO(client.log());
      REQUIRE(code == 1);
      CHECK(took < 3500ms);
      CHECK(client.log().find("no flowcast server listens on 127.0.0.1:" + port + " for " +
                              (transport == "tcp" ? "TCP" : "UDP")) != std::string::npos);
      // The metrics file is written on this exit path too.
      REQUIRE(file_exists(metrics));
      CHECK(read_client_metrics(metrics)["frames"]["rendered"] == 0);
    }
  }
}

TEST_CASE("a UDP handshake with no answer says so within 3 s", "[integration]") {
  // A socket that is bound but never answers: no ICMP refusal comes back.
  TempDir dir;
  const auto port = std::to_string(free_port());
  int silent = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(silent, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const auto started = std::chrono::steady_clock::now();
  Process client({kClient, "127.0.0.1:" + port, "--transport", "udp", "--headless"},
                 dir.file("client.log"));
  auto code = client.wait_for(10s);
  INFO(client.log());
  REQUIRE(code == 1);
  CHECK(std::chrono::steady_clock::now() - started < 4s);
  CHECK(client.log().find("over UDP within 3 s") != std::string::npos);
  close(silent);
}

TEST_CASE("a bad INPUT is a clear error with exit 2", "[integration]") {
  TempDir dir;
  SECTION("missing file") {
    Process server({kServer, dir.file("nope.mp4"), "--port", std::to_string(free_port())},
                   dir.file("server.log"));
    REQUIRE(server.wait_for(10s) == 2);
    CHECK(server.log().find("INPUT: File does not exist: " + dir.file("nope.mp4")) !=
          std::string::npos);
    CHECK(server.log().find("omit INPUT to stream the built-in test pattern") != std::string::npos);
  }
  SECTION("no video stream") {
    const std::string audio = dir.file("tone.m4a");
    REQUIRE(run_shell("ffmpeg -nostdin -v error -f lavfi -i sine=duration=1 -c:a aac '" + audio +
                      "'") == 0);
    const auto start = std::chrono::steady_clock::now();
    Process server({kServer, audio, "--port", std::to_string(free_port()), "--rtsp-port",
                    std::to_string(free_port())},
                   dir.file("server.log"));
    REQUIRE(server.wait_for(10s) == 2);
    // At once, before it listens, in one line that names what the file has.
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    const std::string log = server.log();
    INFO(log);
    CHECK(std::count(log.begin(), log.end(), '\n') == 1);
    CHECK(log.find(audio + " has no video stream, only audio (aac): flowcast streams video, "
                           "with its sound beside it") != std::string::npos);
    CHECK(log.find("RTSP at") == std::string::npos);
  }
}

TEST_CASE("bad flag values are usage errors with exit 2", "[integration]") {
  TempDir dir;
  struct Case {
    std::vector<std::string> args;
    std::string says;  // what is wrong, naming the option
  };
  const std::vector<Case> cases = {
      {{kClient, "--buffer", "abc"}, "--buffer wants a duration like 500ms, 2s or 1.5s, not 'abc'"},
      {{kClient, "--duration", "10"}, "--duration wants a duration"},
      {{kClient, "--transport", "sctp"}, "--transport must be tcp, udp or auto, not 'sctp'"},
      {{kClient, "--overflow", "maybe"}, "--overflow must be block, drop-new, drop-old or grow"},
      {{kClient, "--on-loss", "smear"}, "--on-loss must be conceal or freeze"},
      {{kClient, "--so-rcvbuf", "lots"}, "--so-rcvbuf wants a size in bytes"},
      {{kClient, "--so-rcvbuf", "2G"}, "--so-rcvbuf wants a size of at most 1073741824 bytes"},
      {{kClient, "--grow-max", "big"}, "--grow-max wants a size in bytes"},
      {{kClient, "--consumer-pause", "2s"}, "--consumer-pause wants AT+FOR"},
      {{kClient, "--buffer", "1s", "--buffer-max", "500ms"},
       "--buffer-max must be at least --buffer"},
      {{kClient, ":5004"}, "HOST[:PORT] wants HOST or HOST:PORT"},
      {{kClient, "--no-such-flag"}, "--no-such-flag"},
      {{kServer, "--transport", "sctp"}, "--transport must be tcp, udp or both, not 'sctp'"},
      {{kServer, "--pattern", "big"}, "--pattern wants WxH@FPS"},
      {{kServer, "--bitrate", "fast"}, "--bitrate wants a rate in bits per second"},
      // Every form the design brief gives is accepted (the server starts).
      {{kServer, "--bitrate", "4000000", "--link-rate", "800k", "--link-loss", "2%",
        "--link-reorder", "2", "--link-delay", "1.5s", "--link-jitter", "500ms"},
       ""},
      {{kServer, "--link-loss", "200"}, "--link-loss wants a percentage in 0..100"},
      {{kServer, "--link-queue", "5"}, "--link-queue wants a duration"},
      {{kServer, "--mtu", "50"}, "--mtu must be between 100 and 65000, not '50'"},
      {{kServer, "--max-clients", "0"}, "--max-clients must be at least 1"},
      {{kServer, "--pacing", "fast"}, "--pacing must be smooth or burst"},
  };
  for (const auto& c : cases) {
    // A value that is accepted: the server starts, and stops at once.
    std::vector<std::string> args = c.args;
    if (c.says.empty())
      args.insert(args.end(), {"--port", std::to_string(free_port()), "--duration", "1ms"});
    Process p(args, dir.file("p.log"));
    auto code = p.wait_for(10s);
    std::string line;
    for (const auto& a : args) line += a + " ";
    INFO(line << ": " << p.log());
    if (c.says.empty()) {
      CHECK(code == 0);
      continue;
    }
    CHECK(code == 2);
    const std::string program = args[0].substr(args[0].rfind('/') + 1);
    CHECK(p.log().rfind(program + ": ", 0) == 0);
    CHECK(p.log().find(c.says) != std::string::npos);
    CHECK(p.log().find("(see " + program + " --help)") != std::string::npos);
  }
}

TEST_CASE("every program's --help explains every option and the kind of value it takes",
          "[integration]") {
  TempDir dir;
  struct Case {
    std::string binary;
    std::vector<std::string> options;
  };
  const Case cases[] = {
      {kClient,
       {"HOST[:PORT]",
        "--transport tcp|udp",
        "--listen PORT",
        "--sdp FILE",
        "--buffer DURATION",
        "--buffer-max DURATION",
        "--rebuffer DURATION",
        "--overflow block|drop-new|drop-old|grow",
        "--grow-max BYTES",
        "--consumer-pause AT+FOR",
        "--nack",
        "--on-loss conceal|freeze",
        "--max-picture WxH",
        "--so-rcvbuf BYTES",
        "--headless",
        "--quiet",
        "--duration DURATION",
        "--metrics FILE",
        "--timeline FILE",
        "--report FILE",
        "--reference FILE",
        "--frames FILE",
        "--snapshot DIR",
        "--snapshot-max",
        "--framemd5 FILE"}},
      {kServer,
       {"INPUT FILE",
        "--transport tcp|udp|both",
        "--bind ADDR",
        "--port N",
        "--pattern WxH@FPS",
        "--bitrate RATE",
        "--gop FRAMES",
        "--loop",
        "--mtu BYTES",
        "--max-clients N",
        "--duration DURATION",
        "--metrics FILE",
        "--quiet",
        "--sdp FILE",
        "--push HOST:PORT",
        "--pacing smooth|burst",
        "--link-rate RATE",
        "--link-queue DURATION",
        "--link-delay DURATION",
        "--link-jitter DURATION",
        "--link-loss PERCENT",
        "--link-burst LENGTH",
        "--link-reorder PERCENT",
        "--link-duplicate PERCENT",
        "--link-seed N"}},
  };
  for (const auto& c : cases) {
    Process p({c.binary, "--help"}, dir.file("help.log"));
    REQUIRE(p.wait_for(10s) == 0);
    const std::string help = p.log();
    for (const auto& option : c.options) {
      INFO(c.binary << ": " << option << "\n" << help);
      const auto at = help.find("  " + option);
      REQUIRE(at != std::string::npos);
      // Followed by what it does, on its line or the next.
      const auto end = help.find('\n', help.find('\n', at) + 1);
      CHECK(help.substr(at, end - at)
                .find_first_of("abcdefghijklmnopqrstuvwxyz", option.size() + 2) !=
            std::string::npos);
    }
  }
}

TEST_CASE("each program's --help shows each option's choices once", "[integration]") {
  TempDir dir;
  // The choices an option takes, as its value's name shows them: "h264|h265".
  const std::regex choices("[a-z0-9][a-z0-9-]*(\\|[a-z0-9][a-z0-9-]*)+");
  for (const std::string& binary : {kServer, kClient, kReport, kLoad}) {
    Process p({binary, "--help"}, dir.file("help.log"));
    REQUIRE(p.wait_for(10s) == 0);
    const std::string help = p.log();
    INFO(binary << "\n" << help);
    // CLI11's IsMember adds them again as ":{h264,h265}".
    CHECK(help.find(":{") == std::string::npos);
    std::istringstream lines(help);
    std::string line;
    size_t found = 0;
    while (std::getline(lines, line)) {
      if (line.find("  -") != 0) continue;  // an option's line
      for (auto it = std::sregex_iterator(line.begin(), line.end(), choices);
           it != std::sregex_iterator(); ++it) {
        const std::string names = it->str();
        INFO(line);
        ++found;
        // Once on its line, and not again as a set of names.
        CHECK(line.find(names, line.find(names) + 1) == std::string::npos);
        std::string as_set = "{" + names + "}";
        std::replace(as_set.begin(), as_set.end(), '|', ',');
        CHECK(help.find(as_set) == std::string::npos);
      }
    }
    if (binary == kServer || binary == kClient) CHECK(found >= 2);
  }
  Process server({kServer, "--help"}, dir.file("server-help.log"));
  REQUIRE(server.wait_for(10s) == 0);
  const std::string help = server.log();
  INFO(help);
  // What the server streams, said first: both codecs.
  const std::string first_line = help.substr(0, help.find('\n'));
  CHECK(first_line.find("H.264") != std::string::npos);
  CHECK(first_line.find("H.265") != std::string::npos);
  CHECK(help.find("--codec h264|h265 ") != std::string::npos);
  CHECK(help.find("--pacing smooth|burst ") != std::string::npos);
}

TEST_CASE("the client's metrics file is written on every exit path", "[integration]") {
  TempDir dir;
  PatternServer server(dir, "500k");
  REQUIRE(server.ready());
  const std::string port = server.port();
  SECTION("SIGINT and SIGTERM") {
    for (int sig : {SIGINT, SIGTERM}) {
      const std::string metrics = dir.file("sig" + std::to_string(sig) + ".json");
      Process client({kClient, "127.0.0.1:" + port, "--headless", "--metrics", metrics},
                     dir.file("client.log"));
      // Stop it once it is playing.
      REQUIRE(wait_for_log(server, "joined", 10s));
      std::this_thread::sleep_for(1500ms);  // play a while: the figures must not be empty
      client.signal(sig);
      auto code = client.wait_for(10s);
      INFO(client.log());
      CHECK(code == 0);
      REQUIRE(file_exists(metrics));
      json m = read_client_metrics(metrics);
      CHECK(m["frames"]["rendered"].get<int>() > 0);
      CHECK_FALSE(file_exists(metrics + ".part"));
    }
  }
  SECTION("the server goes away") {
    const std::string metrics = dir.file("lost.json");
    Process client({kClient, "127.0.0.1:" + port, "--headless", "--metrics", metrics},
                   dir.file("client2.log"));
    std::this_thread::sleep_for(1500ms);
    server.signal(SIGKILL);
    auto code = client.wait_for(15s);
    INFO(client.log());
    CHECK(code == 1);
    REQUIRE(file_exists(metrics));
    CHECK(read_client_metrics(metrics)["frames"]["rendered"].get<int>() > 0);
  }
}

TEST_CASE("video that is not H.264 is transcoded and plays clean", "[integration]") {
  TempDir dir;
  const std::string clip = dir.file("clip.avi");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 -t 2 "
                    "-c:v mpeg4 -q:v 3 '" +
                    clip + "'") == 0);
  const auto port = std::to_string(free_port());
  Process server({kServer, clip, "--port", port, "--duration", "20s"}, dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  CHECK(server.log().find("transcoded to H.264") != std::string::npos);
  Process client({kClient, "127.0.0.1:" + port, "--headless", "--metrics", dir.file("m.json")},
                 dir.file("client.log"));
  auto code = client.wait_for(30s);
  INFO(client.log());
  REQUIRE(code == 0);
  json m = read_client_metrics(dir.file("m.json"));
  CHECK(m["frames"]["decoded"] == 50);
  // Every picture is shown, but for one or two a busy machine may drop late
  // (the render thread woke after the next was due): that is playout, not
  // the transcoding this test is about.
  CHECK(m["frames"]["rendered"].get<int>() + m["frames"]["dropped_late"].get<int>() == 50);
  CHECK(m["frames"]["dropped_late"].get<int>() <= 2);
  CHECK(m["frames"]["corrupt"] == 0);
  CHECK(m["packets"]["lost"] == 0);
}

TEST_CASE("a client past --max-clients is refused, and told so", "[integration]") {
  TempDir dir;
  PatternServer server(dir, "300k", {"--max-clients", "1"});
  REQUIRE(server.ready());
  const std::string port = server.port();
  Process first({kClient, "127.0.0.1:" + port, "--headless", "--duration", "8s"},
                dir.file("first.log"));
  REQUIRE(wait_for_log(server, "joined", 10s));
  Process second({kClient, "127.0.0.1:" + port, "--transport", "udp", "--headless"},
                 dir.file("second.log"));
  auto code = second.wait_for(10s);
  INFO(second.log());
  CHECK(code == 1);
  CHECK(second.log().find("is full") != std::string::npos);
  CHECK(server.log().find("refused") != std::string::npos);
  CHECK(first.wait_for(20s) == 0);
}
