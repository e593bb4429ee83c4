// The server against hostile peers: a test plays the attacker with real
// sockets on loopback (tests/support/rtp_peer.hpp) while a real
// flowcast-client watches the same server as the victim. Each attack is one
// the server now bounds (docs/SECURITY.md, "Server bounds"): NACKs are
// answered within a resend budget and the send queue, PLIs are coalesced
// into at most one forced keyframe a second, and a TCP session without RTCP
// for 5 s ends.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/rtp/handshake.hpp"
#include "common/rtp/rtcp.hpp"
#include "integration/stop_server.hpp"
#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"
#include "support/rtp_peer.hpp"

using namespace flowcast;
using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

uint16_t port_of(const PatternServer& server) {
  return static_cast<uint16_t>(std::stoi(server.port()));
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Polls ready every 20 ms until it holds or the timeout passes.
bool eventually(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return ready();
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A headless flowcast-client of the server, its metrics in `metrics`.
std::vector<std::string> viewer(const PatternServer& server, const std::string& transport,
                                const std::string& duration, const std::string& metrics) {
  std::vector<std::string> args = {kClient, "127.0.0.1:" + server.port(), "--headless"};
  args.insert(args.end(), {"--transport", transport, "--duration", duration});
  args.insert(args.end(), {"--metrics", metrics});
  return args;
}

// The server's metrics for the session of this peer ("127.0.0.1:PORT").
// Metrics are read through non-const json, so a key the server did not
// write reads as null and fails its check instead of aborting.
json session_of(const json& metrics, const std::string& peer) {
  for (const auto& s : metrics.value("sessions", json::array()))
    if (s.value("peer", "") == peer) return s;
  FAIL("the server's metrics list no session for " << peer);
  return {};
}

// Plays a UDP attacker until `end`: reads everything the server sends, calls
// act() every `period`, and sends a receiver report every 500 ms (the
// keepalive a real client sends). A tick that comes late is not made up.
void attack(UdpRtpPeer& peer, Clock::time_point end, std::chrono::milliseconds period,
            const std::function<void()>& act) {
  auto next_act = Clock::now();
  auto next_report = next_act;
  while (Clock::now() < end) {
    peer.receive_until(std::min({next_act, next_report, end}));
    const auto now = Clock::now();
    if (now >= end) break;
    if (now >= next_act) {
      act();
      next_act = std::max(next_act + period, now);
    }
    if (now >= next_report) {
      peer.send(rtcp_receiver_report(peer.tally()));
      next_report = std::max(next_report + 500ms, now);
    }
  }
}

// A UDP attacker that has joined and received media.
void join(UdpRtpPeer& peer) {
  REQUIRE(peer.handshake(5s) == common::HandshakeType::accept);
  REQUIRE(peer.receive_until([&] { return peer.tally().count().packets > 0; }, Clock::now() + 5s));
}

// The victim's run was clean: it played, lost nothing and never stalled.
void check_clean_run(Process& victim, const std::string& metrics) {
  const auto code = victim.wait_for(20s);
  INFO(victim.log());
  REQUIRE(code == 0);
  json m = read_client_metrics(metrics);
  INFO(m.dump(1));
  CHECK(m["frames"]["rendered"].get<int>() > 0);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["stalls"]["count"] == 0);
}

}  // namespace

TEST_CASE("a UDP viewer NACKing its whole history 50 times a second gets at most half again",
          "[integration][hostile]") {
  TempDir dir;
  PatternServer server(dir, "1M", {"--metrics", dir.file("server.json")});
  REQUIRE(server.ready());
  Process victim(viewer(server, "udp", "6s", dir.file("victim.json")), dir.file("victim.log"));
  UdpRtpPeer attacker(port_of(server));
  join(attacker);

  // The media it gets anyway is each sequence number's first copy; anything
  // more is the server answering its NACKs.
  const RtpCount before = attacker.tally().count();
  const auto start = Clock::now();
  int nacks = 0;
  attack(attacker, start + 5s, 20ms, [&] {
    attacker.send(rtcp_nack(attacker.tally(), attacker.tally().last_sequences(1024)));
    ++nacks;
  });
  const double attack_s = seconds_since(start);
  const RtpCount after = attacker.tally().count();
  attacker.send(rtcp_bye());
  const double media = static_cast<double>(after.first_bytes - before.first_bytes);
  const double received = static_cast<double>(after.bytes - before.bytes);
  INFO("attack " << attack_s << " s, " << nacks << " NACKs; media " << media << " B, received "
                 << received << " B: x" << received / media);
  CHECK(media > 20'000 * attack_s);  // the premise: the stream flowed
  CHECK(received <= 2 * media);

  check_clean_run(victim, dir.file("victim.json"));
  json m = stop_and_read(server, dir.file("server.json"));
  json s = session_of(m, attacker.address());
  INFO(s.dump(1));
  CHECK(s["nacks_received"].get<int>() >= nacks / 2);
  CHECK(s["resends"]["bytes"].get<double>() > 0);
  CHECK(s["resends"]["refused_budget"].get<double>() > 0);
  // What it was sent again is within half of the media it was sent (the
  // budget is earned, never given), one packet of slack.
  CHECK(s["resends"]["bytes"].get<double>() <=
        0.5 * (s["bytes_sent"].get<double>() - s["resends"]["bytes"].get<double>()) + 1500);
}

TEST_CASE("a UDP viewer sending 100 PLIs a second forces at most one keyframe a second",
          "[integration][hostile]") {
  TempDir dir;
  PatternServer server(dir, "1M", {"--metrics", dir.file("server.json")});
  REQUIRE(server.ready());
  const auto first_request = Clock::now();  // no join asked for a keyframe before
  Process victim(viewer(server, "udp", "6s", dir.file("victim.json")), dir.file("victim.log"));
  UdpRtpPeer attacker(port_of(server));
  join(attacker);

  const RtpCount before = attacker.tally().count();
  const auto start = Clock::now();
  int plis = 0;
  attack(attacker, start + 5s, 10ms, [&] {
    attacker.send(rtcp_pli(attacker.tally()));
    ++plis;
  });
  const double attack_s = seconds_since(start);
  const double asked_s = seconds_since(first_request);
  // Every PLI makes its session wait for the next IDR: it sees them all.
  const auto idrs = attacker.tally().count().idr_pictures - before.idr_pictures;
  attacker.send(rtcp_bye());
  INFO("attack " << attack_s << " s, " << plis << " PLIs, " << idrs << " IDR pictures seen");
  CHECK(idrs >= 2);  // the premise: IDRs are recognised, and PLIs are obeyed
  CHECK(idrs <= 1.5 * attack_s + 2);

  check_clean_run(victim, dir.file("victim.json"));
  json m = stop_and_read(server, dir.file("server.json"));
  INFO(m["keyframes"].dump());
  CHECK(session_of(m, attacker.address())["plis_received"].get<int>() >= plis / 2);
  // Forced keyframes are at least 1 s apart, from the first join to the
  // one coalesced from the last PLI (1 s after it at most): asked_s + 2,
  // and one more for the server's lag behind our clock.
  INFO("keyframes asked for over " << asked_s << " s");
  CHECK(m["keyframes"]["forced"].get<double>() <= asked_s + 3);
  CHECK(m["keyframes"]["coalesced"].get<int>() >= plis / 2);
}

TEST_CASE("idle TCP connections give their --max-clients slots back after 5 s without RTCP",
          "[integration][hostile]") {
  TempDir dir;
  PatternServer server(dir, "1M", {"--max-clients", "2", "--metrics", dir.file("server.json")});
  REQUIRE(server.ready());
  const auto port = port_of(server);
  // Two connections that never read and never send.
  TcpRtpPeer idle_a(port, 4096);
  TcpRtpPeer idle_b(port, 4096);
  REQUIRE(eventually([&] { return occurrences(server.log(), " joined") >= 2; }, 5s));
  {
    // The premise: they hold both slots, so a third connection is closed.
    TcpRtpPeer third(port);
    CHECK(third.wait_closed(Clock::now() + 5s));
  }
  const std::string reason = "no RTCP from the client for 5 s";
  // The server looks every second: gone between 5 and 6 s after joining.
  REQUIRE(eventually([&] { return occurrences(server.log(), "(" + reason + ")") >= 2; }, 12s));

  Process client(viewer(server, "tcp", "2s", dir.file("client.json")), dir.file("client.log"));
  const auto code = client.wait_for(20s);
  INFO(client.log());
  INFO(server.log());
  REQUIRE(code == 0);
  CHECK(read_client_metrics(dir.file("client.json"))["frames"]["rendered"].get<int>() > 0);

  json m = stop_and_read(server, dir.file("server.json"));
  INFO(m.dump(1));
  CHECK(m["refused_full"].get<int>() >= 1);
  for (const auto* idle : {&idle_a, &idle_b}) {
    json s = session_of(m, idle->address());
    CHECK(s["transport"] == "tcp");
    CHECK(s["end_reason"] == reason);
    CHECK(s["duration_ms"].get<double>() >= 5000);
    CHECK(s["receiver_reports"] == 0);
  }
}

TEST_CASE("a TCP viewer that stops reading and NACKs all 65536 sequence numbers harms no one",
          "[integration][hostile]") {
  TempDir dir;
  PatternServer server(dir, "1M", {"--metrics", dir.file("server.json")});
  REQUIRE(server.ready());
  TcpRtpPeer attacker(port_of(server), 4096);
  // It watches for a second, so the server's history holds what it may ask
  // for again; from then on it never reads, and its window closes.
  REQUIRE(attacker.receive_until([&] { return attacker.tally().count().packets > 0; },
                                 Clock::now() + 5s));
  REQUIRE(attacker.receive_until(Clock::now() + 1s));
  const uint16_t oldest = *attacker.tally().first_sequence();
  const auto flood = rtcp_nack(attacker.tally(), every_sequence_from(oldest));
  {
    // The premise: one RFC 4571 frame asks for every sequence number, the
    // packets the server sent this session first.
    const auto parsed = common::parse_rtcp(flood);
    REQUIRE(parsed);
    REQUIRE(parsed->nacks.size() == 1);
    CHECK(parsed->nacks[0].lost_sequences.size() == 65536);
    CHECK(parsed->nacks[0].lost_sequences.front() == oldest);
  }

  Process victim(viewer(server, "tcp", "5s", dir.file("victim.json")), dir.file("victim.log"));
  const auto start = Clock::now();
  auto next = start;
  int nacks = 0;
  while (victim.running() && Clock::now() - start < 30s) {
    REQUIRE(attacker.send_framed(flood));
    ++nacks;
    next += 20ms;  // 50 a second, about 750 KB/s of RTCP
    std::this_thread::sleep_until(next);
  }
  INFO(nacks << " NACKs of " << flood.size() << " bytes in " << seconds_since(start) << " s");
  check_clean_run(victim, dir.file("victim.json"));

  // SIGTERM while it still holds its window shut: the drain cannot finish,
  // and the server must not wait for it.
  const auto term = Clock::now();
  server.signal(SIGTERM);
  const auto code = server.wait_for(3s);
  INFO("exit " << seconds_since(term) << " s after SIGTERM");
  INFO(server.log());
  REQUIRE(code == 0);
  json m = read_json(dir.file("server.json"));
  json s = session_of(m, attacker.address());
  INFO(s.dump(1));
  CHECK(s["nacks_received"].get<int>() >= nacks / 2);
  // Resends never grew the send queue past its bound (256 KiB, and a frame).
  CHECK(s["peak_queue_bytes"].get<double>() <= 512 * 1024);
  // Each NACK was looked at for 1024 sequence numbers at most; what it asked
  // for beyond the budget (or, once the kernel's send buffer is full, beyond
  // the send queue) was refused, not queued, and the resends stayed within
  // half the media.
  json& r = s["resends"];
  CHECK(r["unknown"].get<double>() + r["repeated"].get<double>() +
            r["refused_budget"].get<double>() + r["refused_queue"].get<double>() +
            s["packets_resent"].get<double>() <=
        1024.0 * s["nacks_received"].get<double>());
  CHECK(r["refused_budget"].get<double>() + r["refused_queue"].get<double>() > 0);
  CHECK(r["bytes"].get<double>() <=
        0.5 * (s["bytes_sent"].get<double>() - r["bytes"].get<double>()) + 1500);
}

TEST_CASE("a UDP viewer that leaves with a BYE can join again from the same address",
          "[integration][hostile][fanout]") {
  // The session its BYE ended gives its address back: a new HELLO from it
  // is a new session that streams, not a repeated ACCEPT of the old one.
  TempDir dir;
  PatternServer server(dir, "300k", {"--transport", "udp", "--metrics", dir.file("server.json")});
  REQUIRE(server.ready());
  UdpRtpPeer peer(port_of(server));
  join(peer);
  peer.send(rtcp_bye());
  std::this_thread::sleep_for(300ms);
  peer.receive_until(Clock::now() + 100ms);  // what was still on its way
  const uint64_t before = peer.tally().count().packets;
  REQUIRE(peer.handshake(5s) == common::HandshakeType::accept);
  CHECK(peer.receive_until([&] { return peer.tally().count().packets > before + 20; },
                           Clock::now() + 5s));
  peer.send(rtcp_bye());
  json m = stop_and_read(server, dir.file("server.json"));
  int sessions = 0;
  for (const auto& s : m["sessions"]) sessions += s["peer"] == peer.address();
  CHECK(sessions == 2);
}
