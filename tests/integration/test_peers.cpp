// Real RTP tools as peers: ffmpeg sends to flowcast-client --listen, ffmpeg
// receives what flowcast-server --push sends, both through an SDP file, and
// packets written here by hand exercise what other senders do (padding,
// CSRCs, unknown header extensions, other payload types, other SSRCs, every
// H.264 packet type, wrapping sequence numbers and timestamps).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "integration/ffmpeg_peer.hpp"
#include "media/payload/h264_packetizer.hpp"
#include "media/sdp/sdp.hpp"
#include "media/source/file_source.hpp"
#include "support/binaries.hpp"
#include "support/client_run.hpp"
#include "support/process.hpp"
#include "support/udp_peer.hpp"

using namespace flowcast;
using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using Bytes = std::vector<uint8_t>;

// The SDP without its o= line (the session id is a clock reading).
std::string without_origin(const std::string& sdp) {
  std::istringstream in(sdp);
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind("o=", 0) != 0) out += line + "\n";
  return out;
}

// Sends to 127.0.0.1, and fails the test when the kernel refuses.
class Sender {
 public:
  void send(const Bytes& datagram, uint16_t port) const { REQUIRE(socket_.send(datagram, port)); }

 private:
  UdpSender socket_;
};

// How a foreign sender might dress one RTP packet.
struct Dress {
  std::vector<uint32_t> csrcs;
  size_t padding = 0;    // bytes, the count byte included
  uint16_t profile = 0;  // an extension block of this profile when not 0
  Bytes extension;       // its content, a multiple of 4 bytes
};

Bytes rtp_packet(const common::RtpHeader& header, std::span<const uint8_t> payload,
                 const Dress& dress) {
  common::RtpHeader h = header;
  h.csrcs = dress.csrcs;
  Bytes packet;
  common::write_rtp(h, payload, packet);
  if (dress.profile) {
    packet[0] |= 0x10;
    Bytes block = {static_cast<uint8_t>(dress.profile >> 8), static_cast<uint8_t>(dress.profile), 0,
                   static_cast<uint8_t>(dress.extension.size() / 4)};
    block.insert(block.end(), dress.extension.begin(), dress.extension.end());
    packet.insert(packet.begin() + 12 + 4 * static_cast<long>(h.csrcs.size()), block.begin(),
                  block.end());
  }
  if (dress.padding) {
    packet[0] |= 0x20;
    packet.insert(packet.end(), dress.padding - 1, 0);
    packet.push_back(static_cast<uint8_t>(dress.padding));
  }
  return packet;
}

Bytes annexb_of(const std::vector<std::span<const uint8_t>>& nals) {
  Bytes out;
  for (auto nal : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

// One access unit's NALs as RTP payloads, in one of three styles, so a
// stream holds every kind: small single NALs and FU-A (0), STAP-A of what
// fits and FU-A of the rest (1), large single NALs (2).
std::vector<Bytes> payloads_for(const std::vector<std::span<const uint8_t>>& nals, int style) {
  if (style == 0) return media::packetize_h264(annexb_of(nals), 300);
  if (style == 2) return media::packetize_h264(annexb_of(nals), 1400);
  std::vector<Bytes> out;
  std::vector<std::span<const uint8_t>> group;
  size_t group_bytes = 1;
  auto flush = [&] {
    if (group.size() == 1) out.emplace_back(group[0].begin(), group[0].end());
    if (group.size() > 1) out.push_back(media::make_stap_a(group));
    group.clear();
    group_bytes = 1;
  };
  for (auto nal : nals) {
    if (nal.size() + 2 > 1400) {
      flush();
      for (auto& p : media::packetize_h264(annexb_of({nal}), 1400)) out.push_back(std::move(p));
      continue;
    }
    if (group_bytes + 2 + nal.size() > 1400) flush();
    group.push_back(nal);
    group_bytes += 2 + nal.size();
  }
  flush();
  return out;
}

}  // namespace

TEST_CASE("ffmpeg sends RTP, flowcast-client --listen plays it bit-exact", "[peer][long]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 3, 3));  // B-frames: decode order is not display order
  const uint16_t port = free_rtp_port();
  const std::string sdp = dir.file("ffmpeg.sdp");
  // The client needs the SDP to start, and must listen before ffmpeg sends
  // its first packet (the IDR). ffmpeg writes the SDP only as it starts
  // sending; but for a given clip and address the SDP is always the same. So
  // a first ffmpeg run that sends one frame while nobody listens (the kernel
  // drops it) writes the SDP; the client starts with it, and only once its
  // ports are bound does the real sender start: no race, no leading delay.
  rtp_sender_sdp(clip, port, false, sdp);
  Client client(dir, {"--listen", std::to_string(port), "--sdp", sdp},
                {.timeout = 20s, .framemd5 = true});
  REQUIRE(listening_for_rtp(port));
  // The sender starts a while after the listener: that wait is not startup.
  std::this_thread::sleep_for(1500ms);
  Process sender(rtp_sender(clip, port, false, dir.file("sender.sdp")), dir.file("ffmpeg.log"));
  require_exit(sender, 0, 30s);
  // The premise: the real run described the stream the same way.
  CHECK(read_file(dir.file("sender.sdp")) == read_file(sdp));
  // ffmpeg sends no BYE: the client ends 5 s after the media stops.
  const ClientRun run = client.finish();
  INFO(run.log);

  const auto expected = reference(dir, clip);
  REQUIRE(expected.size() == 90);
  CHECK(run.pictures == expected);
  json m = run.metrics;
  CHECK(m["transport"] == "udp");
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["packets"]["foreign_ssrc"] == 0);
  CHECK(m["packets"]["malformed"] == 0);
  CHECK(m["frames"]["decoded"] == 90);
  CHECK(m["frames"]["corrupt"] == 0);
  // A clean run that ends without a BYE: the 5 s of silence are the wait
  // for a stream that had ended, not a stall, nor a freeze (the pictures the
  // decoder held until the end are shown after it), and every picture shows.
  INFO(m.dump(1));
  CHECK(m["stalls"]["count"] == 0);
  CHECK(m["freezes"]["count"] == 0);
  CHECK(m["frames"]["rendered"] == 90);
  CHECK(m["frames"]["dropped_late"] == 0);
  CHECK(m["frames"]["sent"] == 90);
  CHECK(m["rebuffering_ratio"] == 0.0);
  CHECK(m["session"]["protocol"] == "listen");
  CHECK(m["session"]["ended_by"] == "silence");
  CHECK(m["session"]["start_failure"].is_null());
  CHECK(m["session"]["state_ms"]["ended"].get<double>() > 3000);
  // ffmpeg marks no send time: latency is not measured, not 0.
  CHECK(m["latency_ms"]["p50"].is_null());
  CHECK(run.log.find("latency n/a") != std::string::npos);
  // Startup counts from the sender's first packet; the listener's wait
  // before it is `waiting`, and said on the status line.
  CHECK(m["session"]["state_ms"]["waiting"].get<double>() >= 1400);
  CHECK(m["startup_ms"].get<double>() < 1400);
  CHECK(run.log.find("WAITING for RTP on UDP port " + std::to_string(port)) != std::string::npos);
}

TEST_CASE("flowcast-server --push to ffmpeg through the SDP, bit-exact", "[peer]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 3, 3));
  const uint16_t port = free_rtp_port();
  const std::string push = "127.0.0.1:" + std::to_string(port);
  const std::string sdp = dir.file("push.sdp");
  // ffmpeg must listen before the first packet comes, and must read the SDP
  // to know where to listen. For a file the server writes the SDP as it
  // starts, from the file alone, and it is the same every time (but for the
  // clock in o=): a first server run that stops at once writes it, ffmpeg
  // starts with it, and the real server starts once ffmpeg's ports are bound.
  const std::string text = push_sdp(dir, clip, push, sdp);
  INFO(text);
  CHECK(text.find("c=IN IP4 127.0.0.1\r\n") != std::string::npos);
  CHECK(text.find("m=video " + std::to_string(port) + " RTP/AVP 96\r\n") != std::string::npos);
  CHECK(text.find("a=rtpmap:96 H264/90000\r\n") != std::string::npos);
  const auto description = media::parse_sdp(text);
  CHECK(description.packetization_mode == 1);
  CHECK(description.parameter_sets.size() == 2);
  CHECK(description.profile_level_id.size() == 6);

  FfmpegDecoder receiver(dir, sdp_input(sdp), false);
  REQUIRE(listening_for_rtp(port));
  const auto server_port = std::to_string(free_port());
  Process server({kServer, clip, "--port", server_port, "--push", push, "--sdp",
                  dir.file("again.sdp"), "--duration", "60s", "--metrics", dir.file("server.json")},
                 dir.file("server.log"));
  // The server's BYE at the end of the file ends ffmpeg's input.
  require_exit(receiver, 0, 30s, server);
  const auto expected = reference(dir, clip);
  REQUIRE(expected.size() == 90);
  CHECK(receiver.hashes() == expected);
  CHECK(without_origin(read_file(dir.file("again.sdp"))) == without_origin(text));

  // The push ended with the file; the server goes on serving its clients.
  REQUIRE(wait_for_log(server, "left (end of stream)", 5s));
  REQUIRE(server.running());
  const ClientRun run =
      run_client(dir, {"127.0.0.1:" + server_port, "--duration", "1s"}, {.timeout = 15s}, server);
  CHECK(run.metrics["frames"]["rendered"].get<int>() > 0);
  server.signal(SIGTERM);
  REQUIRE(server.wait_for(10s) == 0);
  json m = read_json(dir.file("server.json"));
  INFO(m.dump(1));
  REQUIRE(m["sessions"].size() == 2);
  const json& pushed = m["sessions"][0];
  CHECK(pushed["transport"] == "push");
  CHECK(pushed["peer"] == push);
  CHECK(pushed["frames_sent"] == 90);
  CHECK(pushed["end_reason"] == "end of stream");
}

TEST_CASE("the live pattern pushed to flowcast-client --listen, with the encoder's SDP", "[peer]") {
  TempDir dir;
  const uint16_t port = free_rtp_port();
  const std::string sdp = dir.file("live.sdp");
  Process server({kServer, "--pattern", "320x240@30", "--bitrate", "500k", "--gop", "15", "--port",
                  std::to_string(free_port()), "--push", "127.0.0.1:" + std::to_string(port),
                  "--sdp", sdp, "--duration", "30s"},
                 dir.file("server.log"));
  // Written once the encoder's first keyframe is out.
  REQUIRE(wait_for_log(server, "wrote the SDP", 10s));
  const auto description = media::parse_sdp(read_file(sdp));
  CHECK(description.port == port);
  CHECK(description.parameter_sets.size() == 2);
  json m = run_client(dir, {"--listen", std::to_string(port), "--sdp", sdp, "--duration", "3s"},
                      {.timeout = 15s})
               .metrics;
  INFO(m.dump(1));
  // It joins the shared frames mid-stream; --duration ends it.
  const double playing_s = (m["duration_ms"].get<double>() - m["startup_ms"].get<double>()) / 1e3;
  CHECK(m["frames"]["rendered"].get<double>() >= 0.8 * playing_s * 30);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["packets"]["foreign_ssrc"] == 0);
}

TEST_CASE("handcrafted RTP: odd headers are read, strangers are counted and dropped", "[peer]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  // Four slices per picture, so access units hold NALs to aggregate.
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 1 "
                    "-c:v libx264 -preset veryfast -bf 2 -g 30 -b:v 1M -x264-params slices=4 "
                    "-pix_fmt yuv420p '" +
                    clip + "'") == 0);
  std::vector<media::EncodedFrame> frames;
  media::FileSource file(clip);
  while (auto f = file.next()) frames.push_back(std::move(*f));
  REQUIRE(frames.size() == 30);

  // The SDP carries the parameter sets and payload type 97; the stream
  // carries neither SPS nor PPS, and payload type 96 is a stranger here.
  const auto sets = media::find_parameter_sets(media::split_annexb(frames[0].annexb));
  REQUIRE(sets);
  const uint16_t port = free_rtp_port();
  auto description = media::describe_h264_stream(*sets, "127.0.0.1", port);
  description.payload_type = 97;
  const std::string sdp = dir.file("hand.sdp");
  {
    std::FILE* f = std::fopen(sdp.c_str(), "w");
    const std::string text = media::write_sdp(description);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  Client client(dir, {"--listen", std::to_string(port), "--sdp", sdp},
                {.timeout = 10s, .framemd5 = true});
  REQUIRE(listening_for_rtp(port));

  const Sender sender;
  constexpr uint32_t kSsrc = 0x5eed1234;
  constexpr uint32_t kStranger = 0x0badf00d;
  common::RtpHeader header;
  header.payload_type = 97;
  header.ssrc = kSsrc;
  header.sequence = 65530;                          // wraps within the first frame
  const uint32_t ts_base = 0xFFFFFFFFu - 5 * 3000;  // wraps after five frames
  size_t media_packets = 0, stranger_ssrc = 0, stranger_type = 0;
  size_t singles = 0, fragments = 0, aggregates = 0;
  const Bytes one_byte_unknown = {0x52, 0xAA, 0xBB, 0xCC, 0x00, 0x00, 0x00, 0x00};  // id 5, 3 bytes
  const Bytes two_byte = {0x07, 0x02, 0x11, 0x22};  // RFC 8285 §4.3
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < frames.size(); ++i) {
    std::this_thread::sleep_until(start + i * 33ms);  // a real-time sender
    std::vector<std::span<const uint8_t>> nals;
    for (auto nal : media::split_annexb(frames[i].annexb)) {
      const uint8_t type = nal[0] & 0x1F;
      if (type != media::kNalTypeSps && type != media::kNalTypePps) nals.push_back(nal);
    }
    const auto payloads = payloads_for(nals, static_cast<int>(i % 3));
    header.timestamp = ts_base + static_cast<uint32_t>(frames[i].pts_90k);
    for (size_t k = 0; k < payloads.size(); ++k) {
      const uint8_t type = payloads[k][0] & 0x1F;
      singles += type < 24;
      aggregates += type == media::kNalTypeStapA;
      fragments += type == media::kNalTypeFuA;
      header.marker = k + 1 == payloads.size();
      Dress dress;
      switch (media_packets % 5) {
        case 0:
          dress = {{1, 2, 3}, 7, 0xBEDE, one_byte_unknown};
          break;  // all at once
        case 1:
          dress.padding = 4;
          break;
        case 2:
          dress.csrcs = {0xC5C5C5C5};
          break;
        case 3:
          dress = {{}, 0, 0x1000, two_byte};
          break;
        case 4:
          dress = {{}, 0, 0xABCD, Bytes(8, 0xEE)};
          break;  // a profile nobody knows
      }
      sender.send(rtp_packet(header, payloads[k], dress), port);
      ++header.sequence;
      ++media_packets;
      if (media_packets % 10 == 0) {
        // Another payload type from our sender, and our payload type from a stranger.
        common::RtpHeader other = header;
        other.payload_type = 96;
        sender.send(rtp_packet(other, Bytes{0x41, 0x9A, 0x00, 0x01}, {}), port);
        ++stranger_type;
        common::RtpHeader stranger = header;
        stranger.ssrc = kStranger;
        stranger.sequence = static_cast<uint16_t>(1000 + media_packets);
        sender.send(rtp_packet(stranger, payloads[k], {}), port);
        ++stranger_ssrc;
      }
    }
    if (i == 10) {
      // A stranger's BYE does not end our stream; a datagram too short for
      // RTP is malformed.
      Bytes bye;
      common::write_receiver_report({kStranger, {}}, bye);
      common::write_bye({{kStranger}}, bye);
      sender.send(bye, port + 1);
      sender.send({0x80, 0x61, 0x00}, port);
    }
  }
  REQUIRE(singles > 0);
  REQUIRE(fragments > 0);
  REQUIRE(aggregates > 0);
  // Our BYE, to the RTCP port, ends it well before 5 s of silence would.
  Bytes bye;
  common::write_receiver_report({kSsrc, {}}, bye);
  common::write_bye({{kSsrc}}, bye);
  const auto bye_at = std::chrono::steady_clock::now();
  sender.send(bye, port + 1);
  const ClientRun run = client.finish();
  CHECK(std::chrono::steady_clock::now() - bye_at < 3s);

  CHECK(run.pictures == reference(dir, clip));
  json m = run.metrics;
  INFO(m.dump(1));
  CHECK(m["packets"]["received"] == media_packets);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["packets"]["foreign_payload_type"] == stranger_type);
  CHECK(m["packets"]["foreign_ssrc"] == stranger_ssrc);
  CHECK(m["packets"]["malformed"] == 1);
  CHECK(m["frames"]["decoded"] == 30);
  CHECK(m["frames"]["corrupt"] == 0);
  CHECK(m["frames"]["incomplete_access_units"] == 0);
}

TEST_CASE("push and listen say clearly what is wrong with their arguments", "[integration]") {
  TempDir dir;
  const std::string vp8 = dir.file("vp8.sdp");
  {
    std::FILE* f = std::fopen(vp8.c_str(), "w");
    std::fputs("v=0\nc=IN IP4 127.0.0.1\nm=video 5006 RTP/AVP 96\na=rtpmap:96 VP8/90000\n", f);
    std::fclose(f);
  }
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{kClient, "--listen", "5006", "--sdp", vp8}, "not H.264"},
      {{kClient, "--listen", "5006", "--sdp", dir.file("none.sdp")},
       "--sdp: File does not exist: " + dir.file("none.sdp")},
      {{kClient, "--listen", "5006"}, "--listen requires --sdp"},
      {{kClient, "--sdp", vp8}, "--sdp requires --listen"},
      {{kClient, "--listen", "0", "--sdp", vp8}, "--listen wants a PORT in 1..65535, not '0'"},
      {{kClient, "--listen", "5006", "--sdp", vp8, "--transport", "tcp"}, "drop --transport"},
      {{kServer, "--push", "127.0.0.1"}, "--push wants HOST:PORT"},
  };
  for (const auto& c : cases) {
    Process p(c.args, dir.file("p.log"));
    const auto code = p.wait_for(10s);
    std::string line;
    for (const auto& a : c.args) line += a + " ";
    INFO(line << ": " << p.log());
    CHECK(code == 2);
    CHECK(p.log().find(c.says) != std::string::npos);
  }
}
