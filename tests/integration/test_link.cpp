// The headline: the same bad link on the server, a different client
// --transport, and the numbers tell stalls from smears.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "integration/link_checks.hpp"
#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// A 10 s clip at about 2 Mbit/s through the given server link, played
// headless with --buffer 1s over `transport`.
LinkRun play_through_link(const std::string& transport, std::vector<std::string> link_args) {
  TempDir dir;
  const std::string clip = make_link_clip(dir);
  const auto port = std::to_string(free_port());
  std::vector<std::string> server_args = {
      kServer, clip, "--port", port, "--duration", "60s", "--metrics", dir.file("server.json")};
  server_args.insert(server_args.end(), link_args.begin(), link_args.end());
  Process server(server_args, dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  Process client({kClient, "127.0.0.1:" + port, "--transport", transport, "--headless", "--buffer",
                  "1s", "--metrics", dir.file("client.json")},
                 dir.file("client.log"));
  auto code = client.wait_for(60s);
  INFO(client.log());
  REQUIRE(code == 0);
  server.signal(SIGTERM);
  REQUIRE(server.wait_for(10s) == 0);
  return {read_client_metrics(dir.file("client.json")),
          json::parse(read_file(dir.file("server.json")))};
}

}  // namespace

TEST_CASE("a link capped at 70% of the bitrate: TCP stalls, and loses nothing",
          "[integration][link][long]") {
  auto r = play_through_link("tcp", {"--link-rate", "1.4M"});
  check_tcp_capped(r);
  INFO(r.client.dump(1));
  CHECK(r.client["rebuffering_ratio"].get<double>() > 0);
  CHECK(r.client["frames"]["tainted"] == 0);
}

TEST_CASE("a link capped at 70% of the bitrate: UDP smears, and never stalls",
          "[integration][link]") {
  check_udp_capped(play_through_link("udp", {"--link-rate", "1.4M"}));
}

TEST_CASE("2% loss and no cap: TCP delays and loses nothing", "[integration][link][long]") {
  auto r = play_through_link("tcp", {"--link-loss", "2%", "--link-seed", "7"});
  INFO(r.client.dump(1));
  CHECK(r.client["packets"]["lost"] == 0);
  CHECK(r.client["frames"]["corrupt"] == 0);
  CHECK(r.server["link"]["retransmitted"].get<int>() > 0);
  // Head-of-line blocking shows as stalls or as latency beyond the buffer.
  const bool stalled = r.client["stalls"]["count"].get<int>() > 0;
  const bool later = r.client["latency_ms"]["max"].get<double>() > 1000 + 150;
  CHECK((stalled || later));
}

TEST_CASE("2% loss and no cap: UDP smears and does not stall", "[integration][link][long]") {
  auto r = play_through_link("udp", {"--link-loss", "2%", "--link-seed", "7"});
  INFO(r.client.dump(1));
  CHECK(r.client["stalls"]["count"] == 0);
  CHECK(r.client["packets"]["lost"].get<int>() > 0);
  CHECK(r.client["frames"]["corrupt"].get<int>() + r.client["frames"]["tainted"].get<int>() > 0);
  CHECK(std::abs(r.client["packets"]["lost"].get<int>() -
                 r.server["link"]["dropped_loss"].get<int>()) <= 10);
}

TEST_CASE("UDP with --nack: the server resends, and lost packets come back as recovered",
          "[integration][link]") {
  TempDir dir;
  const auto port = std::to_string(free_port());
  Process server({kServer, "--pattern", "640x360@30", "--bitrate", "1M", "--port", port,
                  "--link-loss", "2%", "--link-delay", "20ms", "--link-seed", "3", "--duration",
                  "40s", "--metrics", dir.file("server.json")},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  auto play = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args = {kClient, "127.0.0.1:" + port, "--transport",
                                     "udp",   "--headless",        "--duration",
                                     "6s",    "--metrics",         dir.file(name)};
    args.insert(args.end(), extra.begin(), extra.end());
    Process client(args, dir.file(name + ".log"));
    auto code = client.wait_for(30s);
    INFO(client.log());
    REQUIRE(code == 0);
    return json::parse(read_file(dir.file(name)));
  };
  const json without = play("plain.json", {});
  const json with = play("nack.json", {"--nack"});
  INFO(with.dump(1));
  CHECK(without["packets"]["recovered"] == 0);
  CHECK(with["packets"]["nacks_sent"].get<int>() > 0);
  CHECK(with["packets"]["recovered"].get<int>() > 0);
  // Most of what the link lost comes back: far fewer lost, far less damage.
  CHECK(with["packets"]["lost"].get<int>() * 2 < without["packets"]["lost"].get<int>());
  CHECK(with["frames"]["corrupt"].get<int>() + with["frames"]["tainted"].get<int>() <
        without["frames"]["corrupt"].get<int>() + without["frames"]["tainted"].get<int>());
}
