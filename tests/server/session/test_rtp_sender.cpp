// RtpSender for a stream that is not 90 kHz video: its payload type in every
// header, its timestamps in its own clock (an AAC frame's 1024 samples at
// 44.1 kHz exact, however its 90 kHz time was rounded), and its sender
// report mapping the session's media clock into the same clock, so every
// stream of a session names the same instant (RFC 3550 §6.4.1); G.711's
// payloads of one frame each stamped with their first sample. And the
// SDES CNAME a session's streams share (§6.5.1) parses as RTCP.
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "server/session/rtp_sender.hpp"

using namespace flowcast;
using namespace flowcast::server;

namespace {

std::shared_ptr<const PacketizedFrame> audio_frame(int64_t pts_90k) {
  auto f = std::make_shared<PacketizedFrame>();
  f->stream = 1;
  f->pts_90k = f->dts_90k = pts_90k;
  f->payloads.emplace_back(200, uint8_t{0x21});
  f->bytes = 200;
  return f;
}

}  // namespace

TEST_CASE("RtpSender stamps an audio stream in its own clock and payload type", "[unit][server]") {
  RtpSender audio(97, 44100);
  CHECK(audio.payload_type() == 97);
  CHECK(audio.clock_rate() == 44100);
  std::vector<common::RtpHeader> headers;
  for (int n = 0; n < 50; ++n) {
    // Frame n starts at sample n * 1024, rounded to the nearest 90 kHz tick.
    const int64_t pts_90k = (int64_t{n} * 1024 * 90000 + 22050) / 44100;
    audio.send(audio_frame(pts_90k), 0, BurstSchedule{}, false,
               [&](OutboundPacket&& p, const common::RtpHeader&, size_t) {
                 auto parsed = common::parse_rtp(p.bytes());
                 REQUIRE(parsed);
                 headers.push_back(parsed->header);
               });
  }
  REQUIRE(headers.size() == 50);
  for (size_t n = 1; n < headers.size(); ++n) {
    CHECK(headers[n].payload_type == 97);
    CHECK(headers[n].ssrc == audio.ssrc());
    CHECK(static_cast<uint16_t>(headers[n].sequence - headers[n - 1].sequence) == 1);
    // Exactly 1024 samples apart: no drift from the 90 kHz rounding.
    CHECK(headers[n].timestamp - headers[n - 1].timestamp == 1024);
    CHECK(headers[n].marker);
  }
  // The report at the media clock of frame 10 names that frame's timestamp.
  const int64_t clock_90k = (int64_t{10} * 1024 * 90000 + 22050) / 44100;
  CHECK(audio.sender_report(0, clock_90k).rtp_time == headers[10].timestamp);
  CHECK(audio.sender_report(0, clock_90k).packet_count == 50);

  // A 90 kHz stream keeps the ticks as they are, negative ones too.
  RtpSender video;
  CHECK(video.payload_type() == 96);
  CHECK(video.timestamp_for(-3000) == video.timestamp_for(0) - 3000);
  CHECK(audio.ticks(-2090) == -1024);
}

TEST_CASE("RtpSender stamps each G.711 payload of a frame with its first sample",
          "[unit][server][audio]") {
  RtpSender pcmu(0, 8000, true);
  // 50 ms of samples in one frame: three payloads of 160, 160 and 80.
  media::EncodedFrame frame;
  frame.stream = 1;
  frame.pts_90k = frame.dts_90k = 9000;  // 100 ms: 800 samples
  frame.annexb.assign(400, 0xFF);
  const auto packetized = packetize_frame(frame, 1200, media::pcmu_payload_format());
  REQUIRE(packetized->payloads.size() == 3);
  CHECK(packetized->payload_ticks == std::vector<uint32_t>{0, 160, 320});
  std::vector<common::RtpHeader> headers;
  pcmu.send(packetized, 0, BurstSchedule{}, false,
            [&](OutboundPacket&& p, const common::RtpHeader&, size_t) {
              auto parsed = common::parse_rtp(p.bytes());
              REQUIRE(parsed);
              headers.push_back(parsed->header);
            });
  REQUIRE(headers.size() == 3);
  CHECK(headers[0].payload_type == 0);
  CHECK(headers[0].timestamp == pcmu.timestamp_for(9000));
  CHECK(headers[1].timestamp - headers[0].timestamp == 160);
  CHECK(headers[2].timestamp - headers[0].timestamp == 320);
  // One talkspurt (RFC 3551 §4.1): the marker on the first packet only.
  CHECK(headers[0].marker);
  CHECK_FALSE(headers[1].marker);
  CHECK_FALSE(headers[2].marker);
  // A codec's frame keeps one timestamp for all its payloads.
  media::EncodedFrame aac = frame;
  aac.annexb.assign(3000, 0x21);
  CHECK(packetize_frame(aac, 1200, media::aac_payload_format())->payload_ticks.empty());
}

TEST_CASE("an SDES CNAME chunk is whole 32-bit words and parses as RTCP", "[unit][server]") {
  for (const std::string cname : {"", "a", "abc", "abcd", "0123456789abcdef01234567"}) {
    INFO(cname);
    std::vector<uint8_t> packet;
    common::write_sender_report(common::SenderReport{.sender_ssrc = 7}, packet);
    common::write_sdes_cname(7, cname, packet);
    CHECK(packet.size() % 4 == 0);
    const auto parsed = common::parse_rtcp(packet);
    REQUIRE(parsed);
    CHECK(parsed->sender_reports.size() == 1);
    CHECK(parsed->unknown == 1);  // the SDES: flowcast reads no SDES
    // The chunk: SSRC, CNAME item, the text, then at least one null octet.
    const size_t sdes = packet.size() - 28 - 4 - 4;  // after SR, SDES header, SSRC
    CHECK(sdes >= 2 + cname.size() + 1);
  }
}

TEST_CASE("an Opus stream's marker is on its first packet only, a video frame's on its last",
          "[unit][server]") {
  // RFC 7587 §4.1 after RFC 3551 §4.1: the marker opens a talkspurt, and a
  // sender without silence suppression has one.
  RtpSender opus(97, 48000, true);
  RtpSender video(96, 90000);
  std::vector<bool> opus_markers;
  std::vector<bool> video_markers;
  for (int n = 0; n < 4; ++n) {
    opus.send(audio_frame(n * 1800), 0, BurstSchedule{}, false,
              [&](OutboundPacket&&, const common::RtpHeader& h, size_t) {
                opus_markers.push_back(h.marker);
              });
    auto frame = std::make_shared<PacketizedFrame>();
    frame->pts_90k = frame->dts_90k = n * 3000;
    frame->payloads = {std::vector<uint8_t>(100, 1), std::vector<uint8_t>(100, 2)};
    frame->bytes = 200;
    video.send(frame, 0, BurstSchedule{}, false,
               [&](OutboundPacket&&, const common::RtpHeader& h, size_t) {
                 video_markers.push_back(h.marker);
               });
  }
  CHECK(opus_markers == std::vector<bool>{true, false, false, false});
  CHECK(video_markers == std::vector<bool>{false, true, false, true, false, true, false, true});
}
