// flowcast-server's RTSP sessions driven by hand over a raw connection
// (RFC 2326): DESCRIBE before the first keyframe, a session that outlives
// its file, PLAY with a Range, PAUSE and PLAY, --max-clients and
// --transport, a consumer pause over interleaved RTP, and hostile
// connections that must not disturb a viewer.
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
#include "integration/rtsp_server_fixture.hpp"
#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("a DESCRIBE sent before the live pattern's first keyframe gets the SDP, not 503",
          "[integration][rtsp-server]") {
  // The H.265 encoder at 1280x720 takes a while over its first picture; a
  // client that connects as soon as the server says where it listens waits
  // for the description instead of being refused (ffmpeg gives up on 503).
  TempDir dir;
  const uint16_t rtsp_port = free_port();
  const std::string url = "rtsp://127.0.0.1:" + std::to_string(rtsp_port) + "/stream";
  Process server({kServer, "--pattern", "1280x720@30", "--codec", "h265", "--port", "0",
                  "--rtsp-port", std::to_string(rtsp_port), "--duration", "30s"},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "RTSP at", 10s));
  RawConnection c(rtsp_port);
  c.send(request("DESCRIBE", url, 1, "Accept: application/sdp\r\n"));
  const std::string answer = c.read_until("a=control", 20s);
  INFO(answer);
  INFO(server.log());
  CHECK(answer.rfind("RTSP/1.0 200 OK", 0) == 0);
  CHECK(answer.find("H265/90000") != std::string::npos);
  server.signal(SIGTERM);
  CHECK(server.wait_for(10s) == 0);
}

TEST_CASE("an RTSP session outlives its file: BYE, then PAUSE, PLAY again and TEARDOWN",
          "[integration][rtsp][rtsp-server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 0));
  RtspServer server(dir, clip);
  const std::string url = server.url();
  RawConnection c(server.port());
  c.send(request("DESCRIBE", url, 0, "Accept: application/sdp\r\n"));
  // RFC 2326 Appendix C.1.5: the file's length, for players to show.
  CHECK(c.read_until("a=control", 5s).find("a=range:npt=0-2.000") != std::string::npos);
  const size_t described = c.received().size();
  const auto [session, playing] = setup_and_play(c, url);
  CHECK(c.received().substr(described).find("Range: npt=0.000-2.000") != std::string::npos);

  // The file's end is an RTCP BYE; the connection stays open.
  const auto first = frames_until_bye(c, playing, 8s);
  REQUIRE(std::any_of(first.begin(), first.end(), holds_bye));
  c.read_until("\x01never\x01", 1s);
  CHECK_FALSE(c.closed());

  c.send(request("PAUSE", url, 3, session));
  CHECK(c.read_until("CSeq: 3", 5s).find("RTSP/1.0 200 OK\r\nCSeq: 3") != std::string::npos);
  // PLAY at the end starts the file again, and says so.
  const size_t before_replay = c.received().size();
  c.send(request("PLAY", url, 4, session));
  c.read_until("CSeq: 4", 5s);
  const std::string replay = c.received().substr(before_replay);
  CHECK(replay.find("RTSP/1.0 200 OK\r\nCSeq: 4") != std::string::npos);
  CHECK(replay.find("Range: npt=0.000-2.000") != std::string::npos);
  const size_t replaying = c.received().find("\r\n\r\n", before_replay) + 4;
  const auto again = frames_until_bye(c, replaying, 8s);
  REQUIRE(std::any_of(again.begin(), again.end(), holds_bye));
  const auto rtp = rtp_of(again);
  CHECK(pictures_of(rtp).size() == 60);  // the whole 2 s file again
  CHECK(rtp.size() >= 60);

  c.send(request("TEARDOWN", url, 5, session));
  CHECK(c.read_until("CSeq: 5", 5s).find("RTSP/1.0 200 OK\r\nCSeq: 5") != std::string::npos);
  const json metrics = server.finish(dir);
  INFO(metrics.dump(1));
  CHECK(metrics["rtsp"]["error_responses"] == 0);
}

TEST_CASE("RTSP PLAY with a Range starts a file at the keyframe at or before it",
          "[integration][rtsp][rtsp-server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  // A keyframe every 2 s: at 0, 2, 4 and 6 s of 8.
  REQUIRE(make_clip(clip, "320x240", 30, 8, 0));
  RtspServer server(dir, clip);
  const std::string url = server.url();
  RawConnection c(server.port());
  const size_t playing = setup_and_play(c, url, "Range: npt=5-\r\n").stream_from;
  const std::string& got = c.received();
  CHECK(got.find("Range: npt=4.000-8.000") != std::string::npos);
  std::smatch info;
  REQUIRE(
      std::regex_search(got, info, std::regex("RTP-Info: url=[^;]+;seq=(\\d+);rtptime=(\\d+)")));
  const auto seq = static_cast<uint16_t>(std::stoul(info[1].str()));
  const auto rtptime = static_cast<uint32_t>(std::stoul(info[2].str()));
  // Until the BYE: 4 s of pictures from the keyframe at 4 s.
  const auto rtp = rtp_of(frames_until_bye(c, playing, 10s));
  REQUIRE(!rtp.empty());
  const auto& first = rtp.front().data;
  CHECK(((first[2] << 8) | first[3]) == seq);
  // The first picture is the one RTP-Info names: at npt 4.000.
  CHECK(rtp_timestamp(rtp.front()) == rtptime);
  // It opens a keyframe: SPS (7), a STAP-A of parameter sets (24) or an IDR (5).
  const auto parsed = flowcast::common::parse_rtp(first);
  REQUIRE(parsed);
  REQUIRE(parsed->payload.size() > 2);
  const int nal = parsed->payload[0] & 0x1f;
  INFO("NAL unit type " << nal);
  CHECK((nal == 7 || nal == 24 || nal == 5));
  CHECK(pictures_of(rtp).size() == 120);
  CHECK(server.finish(dir)["rtsp"]["error_responses"] == 0);
}

TEST_CASE("RTSP PAUSE holds a file and PLAY goes on from there",
          "[integration][rtsp][rtsp-server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 4, 0));
  RtspServer server(dir, clip);
  RawConnection c(server.port());
  const std::string url = server.url();
  c.send(
      request("SETUP", url + "/track1", 1, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
  const std::string setup = c.read_until("\r\n\r\n", 5s);
  REQUIRE(setup.rfind("RTSP/1.0 200 OK", 0) == 0);
  CHECK(setup.find("interleaved=0-1") != std::string::npos);
  CHECK(setup.find("timeout=60") != std::string::npos);
  std::smatch id;
  REQUIRE(std::regex_search(setup, id, std::regex("Session: ([0-9A-F]+)")));
  const std::string session = "Session: " + id[1].str() + "\r\n";
  c.send(request("PLAY", url, 2, session));
  c.read_until("RTP-Info", 5s);
  std::this_thread::sleep_for(1s);
  c.send(request("PAUSE", url, 3, session));
  c.read_until("CSeq: 3", 5s);
  // What was crossing the link when PAUSE came arrives; then no RTP (the
  // RTCP sender reports go on).
  c.read_until("\x01never\x01", 300ms);
  const size_t paused = c.received().size();
  const size_t rtp_at_pause = rtp_sequences(c.received()).size();
  c.read_until("\x01never\x01", 1500ms);
  const auto before = rtp_sequences(c.received());
  CHECK(before.size() == rtp_at_pause);
  REQUIRE(before.size() > 10);
  c.send(request("PLAY", url, 4, session));
  c.read_until("CSeq: 4", 5s);
  c.read_until("\x01never\x01", 1s);
  const auto after = rtp_sequences(c.received());
  CHECK(after.size() > before.size() + 10);
  // The file goes on where it stopped: RTP-Info names the next sequence
  // number, and none is skipped.
  std::smatch info;
  const std::string tail = c.received().substr(paused);
  REQUIRE(std::regex_search(tail, info, std::regex("RTP-Info: url=[^;]+;seq=(\\d+);rtptime=\\d+")));
  CHECK(std::stoi(info[1].str()) == static_cast<uint16_t>(before.back() + 1));
  size_t skipped = 0;
  for (size_t i = 1; i < after.size(); ++i)
    if (after[i] != static_cast<uint16_t>(after[i - 1] + 1)) ++skipped;
  CHECK(skipped == 0);
  CHECK(tail.find("Range: npt=") != std::string::npos);
  c.send(request("TEARDOWN", url, 5, session));
  CHECK(c.read_until("CSeq: 5", 5s).find("CSeq: 5") != std::string::npos);
}

TEST_CASE("hostile RTSP connections are answered or closed, and a viewer plays on clean",
          "[integration][rtsp][rtsp-server][hostile]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 14, 0));
  RtspServer server(dir, clip);
  Process viewer({kClient, server.url(), "--transport", "tcp", "--headless", "--framemd5",
                  dir.file("got.framemd5"), "--metrics", dir.file("m.json")},
                 dir.file("client.log"));
  const std::string url = server.url();

  // Sends half a request and stops: closed after the request timeout (10 s).
  RawConnection half(server.port());
  half.send("DESCRIBE " + url + " RTSP/1.0\r\nCSeq: 1\r\nAcc");
  const auto half_since = std::chrono::steady_clock::now();

  {  // A malformed request line: 400, then the connection ends.
    RawConnection c(server.port());
    c.send("HELLO THERE\r\n\r\n");
    CHECK(c.read_until("\r\n\r\n", 5s).rfind("RTSP/1.0 400", 0) == 0);
    CHECK(c.closed_within(5s));
  }
  {  // No CSeq: 400, and the connection goes on.
    RawConnection c(server.port());
    c.send("OPTIONS " + url + " RTSP/1.0\r\n\r\n");
    CHECK(c.read_until("\r\n\r\n", 5s).rfind("RTSP/1.0 400", 0) == 0);
    c.send(request("OPTIONS", url, 2));
    CHECK(c.read_until("Public:", 5s).find("GET_PARAMETER") != std::string::npos);
    c.send(request("FROBNICATE", url, 3));
    CHECK(c.read_until("CSeq: 3", 5s).find("RTSP/1.0 501") != std::string::npos);
    c.send(request("PLAY", url, 4, "Session: 0123456789ABCDEF\r\n"));
    CHECK(c.read_until("CSeq: 4", 5s).find("RTSP/1.0 454") != std::string::npos);
    c.send(request("SETUP", url, 5, "Transport: RTP/AVP;multicast;port=5000-5001\r\n"));
    CHECK(c.read_until("CSeq: 5", 5s).find("RTSP/1.0 461") != std::string::npos);
  }
  {  // An oversized header: 400 or closed, never an answer to it.
    RawConnection c(server.port());
    c.send("OPTIONS " + url + " RTSP/1.0\r\nCSeq: 1\r\nX-Big: " + std::string(20000, 'a') +
           "\r\n\r\n");
    const bool closed = c.closed_within(5s);
    CHECK(closed);
    CHECK(c.received().find("200 OK") == std::string::npos);
  }
  {  // UDP media aimed at another address: refused, and nothing goes there.
    const uint16_t port = free_port();
    UdpWatch elsewhere("127.0.0.2", port);
    RawConnection c(server.port());
    c.send(request("SETUP", url + "/track1", 1,
                   "Transport: RTP/AVP;unicast;destination=127.0.0.2;client_port=" +
                       std::to_string(port) + "-" + std::to_string(port + 1) + "\r\n"));
    CHECK(c.read_until("\r\n\r\n", 5s).rfind("RTSP/1.0 461", 0) == 0);
    c.send(request("PLAY", url, 2));
    c.read_until("CSeq: 2", 5s);
    CHECK(elsewhere.received(500ms) == 0);
  }
  {  // client_port on another address's behalf: the stream goes to the asker only.
    const uint16_t port = free_port();
    UdpWatch other("127.0.0.2", port);
    UdpWatch asker("127.0.0.1", port);
    RawConnection c(server.port());
    c.send(request("SETUP", url + "/track1", 1,
                   "Transport: RTP/AVP;unicast;client_port=" + std::to_string(port) + "-" +
                       std::to_string(port + 1) + "\r\n"));
    const std::string setup = c.read_until("\r\n\r\n", 5s);
    REQUIRE(setup.rfind("RTSP/1.0 200", 0) == 0);
    std::smatch id;
    REQUIRE(std::regex_search(setup, id, std::regex("Session: ([0-9A-F]+)")));
    c.send(request("PLAY", url, 2, "Session: " + id[1].str() + "\r\n"));
    CHECK(asker.received(1s) > 0);
    CHECK(other.received(200ms) == 0);
  }
  CHECK(half.closed_within(15s));
  const double half_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - half_since).count();
  CHECK(half_s >= 9.0);
  CHECK(half_s < 13.0);

  const auto code = viewer.wait_for(30s);
  INFO(viewer.log());
  INFO(server.log());
  REQUIRE(code == 0);
  const json m = read_client_metrics(dir.file("m.json"));
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["stalls"]["count"] == 0);
  CHECK(framemd5_hashes(dir.file("got.framemd5")) == reference(dir, clip));
  const json s = server.finish(dir);
  INFO(s.dump(1));
  CHECK(s["rtsp"]["bad_requests"].get<int>() >= 3);
  CHECK(s["rtsp"]["timed_out"].get<int>() >= 1);
}

TEST_CASE("RTSP sessions count against --max-clients, and --transport bounds SETUP",
          "[integration][rtsp][rtsp-server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 2, 0));
  RtspServer server(dir, clip, {"--max-clients", "1", "--transport", "tcp"});
  const std::string url = server.url();
  RawConnection first(server.port());
  first.send(request("SETUP", url + "/track1", 1,
                     "Transport: RTP/AVP;unicast;client_port=40000-40001\r\n"));
  // Only TCP is served: UDP is an unsupported transport.
  CHECK(first.read_until("CSeq: 1", 5s).find("RTSP/1.0 461") != std::string::npos);
  first.send(
      request("SETUP", url + "/track1", 2, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
  CHECK(first.read_until("CSeq: 2", 5s).find("RTSP/1.0 200") != std::string::npos);
  RawConnection second(server.port());
  second.send(
      request("SETUP", url + "/track1", 1, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"));
  CHECK(second.read_until("CSeq: 1", 5s).find("RTSP/1.0 503") != std::string::npos);
  const json s = server.finish(dir);
  INFO(s.dump(1));
  CHECK(s["refused_full"] == 1);
  CHECK(s["sessions"].size() == 1);
}

TEST_CASE("over RTSP interleaved, a consumer pause holds the file back and loses nothing",
          "[integration][rtsp][rtsp-server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 6 "
                    "-c:v libx264 -preset veryfast -b:v 2M -maxrate 2M -bufsize 1M -bf 2 -g 60 "
                    "-pix_fmt yuv420p '" +
                    clip + "'") == 0);
  RtspServer server(dir, clip);
  Process client({kClient, server.url(), "--transport", "tcp", "--headless", "--buffer", "500ms",
                  "--buffer-max", "1s", "--consumer-pause", "2s+2s", "--framemd5",
                  dir.file("got.framemd5"), "--metrics", dir.file("c.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(40s);
  INFO(client.log());
  REQUIRE(code == 0);
  const json m = read_json(dir.file("c.json"));
  INFO(m.dump(1));
  CHECK(m["stalls"]["count"].get<int>() >= 1);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(framemd5_hashes(dir.file("got.framemd5")) == reference(dir, clip));
  const json s = server.finish(dir);
  INFO(s.dump(1));
  // The client's closed window held the server back on the RTSP connection
  // (the kernel's send buffer, then the connection's queue, hold the file).
  const json& session = s["sessions"][0];
  CHECK(session["protocol"] == "rtsp");
  CHECK(session["rwnd_limited_ms"].get<double>() + session["held_back_ms"].get<double>() > 100);
}
