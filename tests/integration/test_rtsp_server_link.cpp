// flowcast-server's RTSP side through its emulated link: RTCP crosses the
// link with the media, and the link comparison (a link capped below the
// bitrate: TCP stalls and loses nothing, UDP loses and never stalls) over
// RTSP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "integration/link_checks.hpp"
#include "integration/rtsp_server_fixture.hpp"
#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("RTCP crosses the emulated link: sender reports are no earlier than the media",
          "[integration][rtsp][rtsp-server][link]") {
  // With --link-delay 200ms every RTP packet arrives 200 ms after it left;
  // a sender report that skipped the link would arrive at once, ahead of
  // the media it describes (RFC 3550 §6.4.1).
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 4, 0));
  RtspServer server(dir, clip, {"--link-delay", "200ms"});
  RawConnection c(server.port());
  const size_t playing = setup_and_play(c, server.url()).stream_from;
  c.read_until("\x01never\x01", 2500ms);
  size_t reports = 0;
  for (const auto& f : interleaved_from(c.received(), playing)) {
    if (f.channel != 1) continue;
    const auto rtcp = flowcast::common::parse_rtcp(f.data);
    REQUIRE(rtcp);
    for (const auto& sr : rtcp->sender_reports) {
      // The NTP time is the server's wall clock when it sent the report.
      constexpr uint64_t kUnixToNtp = 2'208'988'800ULL;
      const auto sent = std::chrono::system_clock::time_point(
          std::chrono::microseconds(((sr.ntp_time >> 32) - kUnixToNtp) * 1'000'000 +
                                    (((sr.ntp_time & 0xFFFFFFFFULL) * 1'000'000) >> 32)));
      const auto delay = c.arrival(f.offset) - sent;
      INFO("sender report after "
           << std::chrono::duration_cast<std::chrono::milliseconds>(delay).count() << " ms");
      CHECK(delay >= 190ms);
      ++reports;
    }
  }
  CHECK(reports >= 4);  // four a second
}

namespace {

// A 10 s clip at about 2 Mbit/s through the server's emulated link, played
// by flowcast-client over RTSP with --buffer 1s (as tests/integration/
// test_link.cpp does over flowcast's own protocol).
LinkRun play_rtsp_through_link(const std::string& transport,
                               const std::vector<std::string>& link_args) {
  TempDir dir;
  const std::string clip = make_link_clip(dir);
  RtspServer server(dir, clip, link_args);
  Process client({kClient, server.url(), "--transport", transport, "--headless", "--buffer", "1s",
                  "--metrics", dir.file("client.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(60s);
  INFO(client.log());
  REQUIRE(code == 0);
  return {read_client_metrics(dir.file("client.json")), server.finish(dir)};
}

}  // namespace

TEST_CASE("through RTSP, a link capped at 70% of the bitrate: TCP stalls and loses nothing",
          "[integration][link][rtsp][rtsp-server][long]") {
  auto r = play_rtsp_through_link("tcp", {"--link-rate", "1.4M"});
  check_tcp_capped(r);
  INFO(r.client.dump(1));
  INFO(r.server.dump(1));
  CHECK(r.client["transport"] == "tcp");
  CHECK(r.server["sessions"][0]["protocol"] == "rtsp");
  CHECK(r.server["sessions"][0]["held_back_ms"].get<double>() > 0);
}

TEST_CASE("through RTSP, a link capped at 70% of the bitrate: UDP loses and never stalls",
          "[integration][link][rtsp][rtsp-server][long]") {
  auto r = play_rtsp_through_link("udp", {"--link-rate", "1.4M"});
  check_udp_capped(r);
  INFO(r.client.dump(1));
  INFO(r.server.dump(1));
  CHECK(r.client["transport"] == "udp");
  CHECK(r.server["sessions"][0]["protocol"] == "rtsp");
}
