// flowcast-client against a hostile plain-RTP sender (--listen): packets and
// streams built to hurt a receiver. Each test would have failed before the
// receiver was hardened (docs/SECURITY.md): a crafted STAP-A read past its
// packet, an access unit that never ended grew the buffer without bound, and
// an SPS declaring a huge picture made the decoder take gigabytes.
#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "integration/listen_sender.hpp"
#include "media/payload/h264_packetizer.hpp"
#include "media/sdp/sdp.hpp"
#include "media/source/file_source.hpp"
#include "support/binaries.hpp"
#include "support/process.hpp"
#include "support/udp_peer.hpp"

using namespace flowcast;
using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using Bytes = std::vector<uint8_t>;
using ListenSession = ListenSender;

// Peak resident memory in KiB, from GNU time's "maxrss_kb N" in a log.
std::optional<long> max_rss_kb(const std::string& log) {
  const auto at = log.rfind("maxrss_kb ");
  if (at == std::string::npos) return std::nullopt;
  return std::stol(log.substr(at + 10));
}

}  // namespace

TEST_CASE("a STAP-A whose size field runs past the packet is dropped, and the stream plays",
          "[integration][hostile]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 1.0, 0));
  const auto frames = frames_of(clip);
  REQUIRE(frames.size() == 30);
  ListenSession session(dir, frames[0]);
  // After every picture, an access unit of its own: one STAP-A whose second
  // size field (0x6809) ends exactly at the end of the payload.
  const Bytes evil = {0x18, 0x00, 0x02, 0x09, 0xff, 0x68, 0x09};
  session.send_frames(frames, 90000, [&](uint32_t ts) { session.send(evil, ts + 1, true); });
  const auto code = session.finish();
  INFO(session.log());
  REQUIRE(code == 0);
  // Every picture decoded, bit-exact: the bad packets reached the
  // depacketizer and were dropped there.
  CHECK(session.hashes() == reference_hashes(dir, clip));
  const json m = session.metrics();
  CHECK(m["frames"]["decoded"] == 30);
  CHECK(m["packets"]["lost"] == 0);
}

TEST_CASE("an access unit that never ends cannot grow the receive buffer past its bound",
          "[integration][hostile]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 1.0, 0));
  const auto frames = frames_of(clip);
  REQUIRE(frames.size() == 30);
  // --buffer-max 1s: 1 MiB of payload to start, and one access unit of up to 32 MiB.
  ListenSession session(dir, frames[0], {"--buffer-max", "1s"});
  // An FU-A start, then 24500 middle fragments (34 MB) at one timestamp: its
  // end never comes. Paced, so the kernel buffer does not drop it first.
  Bytes fragment(1400, 0x5a);
  fragment[0] = 0x7C;
  fragment[1] = 0x85;  // start, IDR
  session.send(fragment, 1000, false);
  fragment[1] = 0x05;  // middle
  for (int i = 0; i < 24500; ++i) {
    session.send(fragment, 1000, false);
    if (i % 20 == 19) std::this_thread::sleep_for(1ms);
  }
  // The stream begins a second of media later, and a second later in time:
  // a client slowed down (a sanitizer, a busy machine) is still reading the
  // flood out of its socket, and the kernel would drop the stream's first
  // picture, which no receiver can help.
  std::this_thread::sleep_for(1s);
  session.send_frames(frames, 90000);
  const auto code = session.finish();
  INFO(session.log());
  REQUIRE(code == 0);
  const json m = session.metrics();
  INFO(m.dump(1));
  CHECK(m["buffer"]["peak_bytes"].get<int64_t>() <=
        static_cast<int64_t>((1 << 20) + media::kMaxAccessUnitBytes));
  // The byte capacity may follow what the sender sent, up to its ceiling
  // (docs/SECURITY.md).
  CHECK(m["buffer"]["capacity_bytes"].get<int64_t>() <= int64_t{64} << 20);
  CHECK(m["packets"]["dropped_overflow"].get<int64_t>() +
            m["packets"]["dropped_kernel"].get<int64_t>() >
        1500);
  // The stream after it plays, every picture.
  CHECK(m["frames"]["decoded"] == 30);
  CHECK(session.hashes() == reference_hashes(dir, clip));
}

TEST_CASE("a stream whose SPS declares 8192x8192 is refused with a message, not decoded",
          "[integration][hostile]") {
  TempDir dir;
  // A real 8192x8192 stream (libx264, two flat pictures), then a real
  // 320x240 one: the client must refuse the first and play the second.
  const std::string big = dir.file("big.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i color=c=gray:size=8192x8192:rate=30 "
                    "-frames:v 2 -c:v libx264 -preset ultrafast -tune zerolatency -threads 1 "
                    "-g 2 -bf 0 '" +
                    big + "'") == 0);
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 1.0, 0));
  const auto big_frames = frames_of(big);
  const auto frames = frames_of(clip);
  REQUIRE(big_frames.size() == 2);
  REQUIRE(frames.size() == 30);

  auto run = [&](const TempDir& run_dir, std::vector<std::string> extra) {
    ListenSession session(run_dir, frames[0], std::move(extra),
                          {"/usr/bin/time", "-f", "maxrss_kb %M"});
    session.send_frames(big_frames, 0);
    session.send_frames(frames, 90000);
    const auto code = session.finish();
    INFO(session.log());
    REQUIRE(code == 0);
    return std::pair{session.log(), session.metrics()};
  };

  TempDir refused_dir;
  const auto [log, m] = run(refused_dir, {});
  INFO(log);
  INFO(m.dump(1));
  CHECK(log.find("the stream's pictures are 8192x8192") != std::string::npos);
  CHECK(log.find("--max-picture") != std::string::npos);
  CHECK(m["frames"]["oversized"] == 2);
  CHECK(m["frames"]["decoded"] == 30);
  const auto refused_rss = max_rss_kb(log);
  REQUIRE(refused_rss);

  // The same stream with the limit raised: the decoder takes the big
  // pictures, and the memory they cost is what the limit saved.
  TempDir allowed_dir;
  const auto [allowed_log, allowed] = run(allowed_dir, {"--max-picture", "8192x8192"});
  CHECK(allowed["frames"]["oversized"] == 0);
  CHECK(allowed["frames"]["decoded"] == 32);
  const auto allowed_rss = max_rss_kb(allowed_log);
  REQUIRE(allowed_rss);
  CHECK(*allowed_rss > *refused_rss + 200 * 1024);
}

TEST_CASE("the client refuses a --max-picture that is not WxH", "[integration][hostile]") {
  TempDir dir;
  Process client({kClient, "--max-picture", "big", "--headless"}, dir.file("client.log"));
  REQUIRE(client.wait_for(10s) == 2);
  CHECK(client.log().find("--max-picture wants WxH") != std::string::npos);
}
