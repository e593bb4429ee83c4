// StreamReceiver, the receiver side of the session's further stream (the
// audio) inside NetworkSource: it locks onto the first SSRC, counts others,
// follows a new one after the current one's BYE, keeps a sender report that
// came before the first packet, and its BYE ends its path. Packets built
// here, times injected; no sockets.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <vector>

#include "client/playout/receive_buffer_fixture.hpp"
#include "client/transport/stream_receiver.hpp"

using namespace flowcast::client;
using namespace flowcast::test;
namespace common = flowcast::common;
using namespace std::chrono_literals;

namespace {

const std::vector<uint8_t> kPayload(40, 0x5a);

common::RtpView rtp(uint32_t ssrc, uint16_t sequence, uint32_t timestamp) {
  common::RtpView v;
  v.header.payload_type = 97;
  v.header.ssrc = ssrc;
  v.header.sequence = sequence;
  v.header.timestamp = timestamp;
  v.header.marker = true;
  v.payload = kPayload;
  return v;
}

common::SenderReport report(uint32_t ssrc, uint32_t rtp_time, uint64_t ntp_seconds) {
  common::SenderReport r;
  r.sender_ssrc = ssrc;
  r.rtp_time = rtp_time;
  r.ntp_time = ntp_seconds << 32;
  return r;
}

}  // namespace

TEST_CASE("StreamReceiver plays its first SSRC and counts another", "[unit][audio]") {
  ReceivePath path(config(OverflowPolicy::block), 48'000);
  StreamReceiver receiver(97, path);
  CHECK(receiver.on_rtp(rtp(0xA, 1, 0), 52, kOrigin));
  CHECK(receiver.on_rtp(rtp(0xB, 7, 0), 52, kOrigin + 10ms));
  CHECK(receiver.on_rtp(rtp(0xA, 2, 960), 52, kOrigin + 20ms));
  CHECK(receiver.ssrc() == 0xAu);
  CHECK(receiver.counters().foreign_ssrc == 1);
  CHECK(path.statistics().counters.received == 2);
  REQUIRE(receiver.report_block(kOrigin + 30ms));
  CHECK(receiver.report_block(kOrigin + 30ms)->ssrc == 0xAu);
}

TEST_CASE("StreamReceiver keeps a sender report from before its first packet", "[unit][audio]") {
  ReceivePath path(config(OverflowPolicy::block), 48'000);
  StreamReceiver receiver(97, path);
  // The video's report and the audio's both come first.
  receiver.on_sender_report(report(0xF, 5000, 99), kOrigin);
  receiver.on_sender_report(report(0xA, 48'000, 100), kOrigin);
  CHECK_FALSE(receiver.sync_point());
  receiver.on_rtp(rtp(0xA, 1, 48'000), 52, kOrigin + 5ms);
  const auto point = receiver.sync_point();
  REQUIRE(point);
  CHECK(point->ntp_time == uint64_t{100} << 32);
  // The report's RTP time is the first packet's: the same place on the
  // buffer's timeline, 90 kHz.
  receiver.on_rtp(rtp(0xA, 2, 48'960), 52, kOrigin + 25ms);
  auto au = take_complete(path);
  REQUIRE(au);
  CHECK(point->media_ts_90k == au->timestamp);
}

TEST_CASE("StreamReceiver's BYE ends its path; a new SSRC is followed after silence, not after it",
          "[unit][audio]") {
  ReceivePath path(config(OverflowPolicy::block), 48'000);
  StreamReceiver receiver(97, path);
  receiver.on_rtp(rtp(0xA, 1, 0), 52, kOrigin);
  const uint32_t other[] = {0xC};
  receiver.on_bye(other);
  CHECK_FALSE(receiver.counters().bye);
  const uint32_t ours[] = {0xA};
  receiver.on_bye(ours);
  CHECK(receiver.counters().bye);
  CHECK(path.buffer().snapshot().end_of_stream);
  // The stream ended: another SSRC is counted, not followed.
  receiver.on_rtp(rtp(0xD, 500, 77), 52, kOrigin + 3s);
  CHECK(receiver.ssrc() == 0xAu);
  CHECK(receiver.counters().foreign_ssrc == 1);

  // Without a BYE, a new SSRC is followed once the current one has been
  // silent for a second, and the path restarts for it.
  ReceivePath other_path(config(OverflowPolicy::block), 48'000);
  StreamReceiver restarted(97, other_path);
  restarted.on_rtp(rtp(0xA, 1, 0), 52, kOrigin);
  restarted.on_rtp(rtp(0xD, 500, 77), 52, kOrigin + 500ms);
  CHECK(restarted.ssrc() == 0xAu);
  restarted.on_rtp(rtp(0xD, 501, 1037), 52, kOrigin + 1500ms);
  CHECK(restarted.ssrc() == 0xDu);
  CHECK(restarted.counters().ssrc_changes == 1);
  CHECK(restarted.counters().foreign_ssrc == 1);
}
