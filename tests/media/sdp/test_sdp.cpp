#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "media/sdp/sdp.hpp"

using namespace flowcast::media;

namespace {

using Bytes = std::vector<uint8_t>;

// A real SPS/PPS pair (libx264, High profile, level 2.0, 320x240), and the
// SDP ffmpeg 5.1 writes for it with -sdp_file (CRLF, "; " separators).
const Bytes kSps = {0x67, 0x64, 0x00, 0x14, 0xac, 0xd9, 0x41, 0x41, 0xfb, 0x01, 0x10, 0x00, 0x00,
                    0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x42, 0x99, 0x60};
const Bytes kPps = {0x68, 0xef, 0xbc, 0xb0};
const std::string kFfmpegSdp =
    "v=0\r\n"
    "o=- 0 0 IN IP4 127.0.0.1\r\n"
    "s=No Name\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "a=tool:libavformat LIBAVFORMAT_VERSION\r\n"
    "m=video 40000 RTP/AVP 96\r\n"
    "b=AS:772\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z2QAFKzZQUH7ARAAAAMAEAAAAwPA8UKZYA==,"
    "aO+8sA==; profile-level-id=640014\r\n";

std::string error_of(const std::string& text) {
  try {
    parse_sdp(text);
  } catch (const SdpError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("find_parameter_sets takes the first SPS and PPS, skipping other NALs", "[unit]") {
  const Bytes sei = {0x06, 0x05, 0x01};
  const Bytes idr = {0x65, 0x88, 0x84};
  const Bytes fu_a = {0x7c, 0x87, 0x01};  // an FU-A fragment of an SPS type is not an SPS
  const Bytes short_sps = {0x67, 0x64};
  std::vector<std::span<const uint8_t>> nals = {fu_a, short_sps, sei, kSps, idr, kPps};
  auto sets = find_parameter_sets(nals);
  REQUIRE(sets);
  CHECK(sets->sps == kSps);
  CHECK(sets->pps == kPps);

  CHECK_FALSE(find_parameter_sets({sei, kSps, idr}));   // no PPS
  CHECK_FALSE(find_parameter_sets({short_sps, kPps}));  // an SPS too short for a profile
  CHECK_FALSE(find_parameter_sets({}));
}

TEST_CASE("write_sdp describes an H.264 stream as RFC 6184 asks", "[unit]") {
  auto d = describe_h264_stream({kSps, kPps}, "127.0.0.1", 5006);
  d.session_id = 42;
  const std::string text = write_sdp(d);
  CHECK(text ==
        "v=0\r\n"
        "o=- 42 42 IN IP4 127.0.0.1\r\n"
        "s=flowcast\r\n"
        "c=IN IP4 127.0.0.1\r\n"
        "t=0 0\r\n"
        "m=video 5006 RTP/AVP 96\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 packetization-mode=1;profile-level-id=640014;"
        "sprop-parameter-sets=Z2QAFKzZQUH7ARAAAAMAEAAAAwPA8UKZYA==,aO+8sA==\r\n");
}

TEST_CASE("write_sdp gives a stored file its length at session level", "[unit]") {
  // RFC 2326 Appendix C.1.5: players show the length and seek with it.
  auto d = describe_h264_stream({kSps, kPps}, "0.0.0.0", 0);
  d.range_end_s = 12.0;
  const std::string text = write_sdp(d);
  const auto range = text.find("a=range:npt=0-12.000\r\n");
  REQUIRE(range != std::string::npos);
  CHECK(range < text.find("m=video"));
  d.range_end_s.reset();
  CHECK(write_sdp(d).find("a=range") == std::string::npos);
}

TEST_CASE("an SDP round-trips through write_sdp and parse_sdp", "[unit]") {
  auto d = describe_h264_stream({kSps, kPps}, "::1", 40002);
  d.rtcp_port = 40010;
  const std::string text = write_sdp(d);
  CHECK(contains(text, "c=IN IP6 ::1\r\n"));
  const auto back = parse_sdp(text);
  CHECK(back.connection_address == "::1");
  CHECK(back.port == 40002);
  CHECK(back.payload_type == 96);
  CHECK(back.clock_rate == 90000);
  CHECK(back.packetization_mode == 1);
  CHECK(back.profile_level_id == "640014");
  CHECK(back.parameter_sets == std::vector<Bytes>{kSps, kPps});
  CHECK(back.rtcp_port == 40010);
  CHECK_FALSE(back.rtcp_mux);
}

TEST_CASE("an RTSP DESCRIBE's SDP names the stream's control URL", "[unit]") {
  // RFC 2326 Appendix C.1.1: a=control, relative to the Content-Base.
  auto d = describe_h264_stream({kSps, kPps}, "0.0.0.0", 0);
  CHECK_FALSE(contains(write_sdp(d), "a=control"));
  d.control = "track1";
  const std::string text = write_sdp(d);
  CHECK(contains(text, "a=control:track1\r\n"));
  CHECK(parse_sdp(text).control == "track1");
}

TEST_CASE("parse_sdp reads what ffmpeg writes", "[unit]") {
  const auto d = parse_sdp(kFfmpegSdp);
  CHECK(d.connection_address == "127.0.0.1");
  CHECK(d.port == 40000);
  CHECK(d.payload_type == 96);
  CHECK(d.packetization_mode == 1);
  CHECK(d.profile_level_id == "640014");
  CHECK(d.parameter_sets == std::vector<Bytes>{kSps, kPps});
  CHECK_FALSE(d.rtcp_port);  // RTCP on the next port up, as RFC 3550 has it
  CHECK_FALSE(d.rtcp_mux);
}

TEST_CASE("parse_sdp picks the H264 payload type of the first RTP video section", "[unit]") {
  const std::string text =
      "v=0\n"
      "o=alice 1 1 IN IP4 192.0.2.10\n"
      "s=-\n"
      "c=IN IP4 192.0.2.1\n"
      "t=0 0\n"
      "m=audio 5000 RTP/AVP 0\n"
      "a=rtpmap:0 PCMU/8000\n"
      "m=video 5002 RTP/SAVP 97\n"
      "a=rtpmap:97 H264/90000\n"
      "m=video 5004/2 RTP/AVPF 100 101\n"
      "c=IN IP4 233.252.0.1/127\n"
      "a=rtpmap:100 VP8/90000\n"
      "a=rtpmap:101 h264/90000\n"
      "a=fmtp:101 profile-level-id=42e01f\n"
      "a=rtcp-mux\n"
      "m=video 5006 RTP/AVP 96\n"
      "a=rtpmap:96 H264/90000\n";
  const auto d = parse_sdp(text);
  CHECK(d.port == 5004);
  CHECK(d.payload_type == 101);
  CHECK(d.connection_address == "233.252.0.1");  // media-level c= wins, TTL dropped
  CHECK(d.packetization_mode == 0);              // absent: single NAL mode
  CHECK(d.profile_level_id == "42e01f");
  CHECK(d.parameter_sets.empty());
  CHECK(d.rtcp_mux);
}

TEST_CASE("parse_sdp says clearly what it cannot use", "[unit]") {
  const std::string head =
      "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n";
  SECTION("not SDP at all") {
    CHECK(contains(error_of("\x89PNG\r\n\x1a\n"), "does not begin with v=0"));
    CHECK(contains(error_of(""), "does not begin with v=0"));
  }
  SECTION("too large") {
    CHECK(contains(error_of(head + std::string(kMaxSdpBytes, 'a')), "larger than 64 KiB"));
  }
  SECTION("a line that is not x=value") {
    CHECK(contains(error_of(head + "garbage\r\n"), "line 6 'garbage' is not of the form x=value"));
  }
  SECTION("no video") {
    CHECK(contains(error_of(head + "m=audio 5000 RTP/AVP 0\r\n"), "no m=video"));
    CHECK(contains(error_of(head + "m=video 5000 RTP/SAVP 96\r\na=rtpmap:96 H264/90000\r\n"),
                   "RTP/SAVP"));
  }
  SECTION("not H.264") {
    const auto e = error_of(head + "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n");
    CHECK(contains(e, "not H.264"));
    CHECK(contains(e, "96 VP8/90000"));
    CHECK(contains(error_of(head + "m=video 5000 RTP/AVP 96\r\n"), "not H.264"));
  }
  SECTION("no address") {
    CHECK(contains(error_of("v=0\r\nm=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"),
                   "no c= line"));
    CHECK(contains(error_of("v=0\r\nc=IN IP4\r\n"), "is not 'IN IP4 address'"));
  }
  SECTION("bad numbers") {
    CHECK(contains(error_of(head + "m=video 70000 RTP/AVP 96\r\n"), "no valid port"));
    CHECK(contains(error_of(head + "m=video 5000 RTP/AVP 96 x\r\n"), "not an RTP payload type"));
    CHECK(contains(error_of(head + "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264\r\n"),
                   "not 'PT NAME/RATE'"));
    CHECK(contains(error_of(head + "m=video 5000 RTP/AVP 96\r\na=rtpmap:200 H264/90000\r\n"),
                   "no valid payload type"));
    CHECK(contains(error_of(head + "m=video 5000 RTP/AVP 96\r\na=rtcp:0\r\n"), "no valid port"));
  }
  SECTION("a clock rate other than 90000") {
    CHECK(contains(error_of(head + "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/48000\r\n"),
                   "fixes it at 90000"));
  }
  const std::string video = head + "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n";
  SECTION("interleaved packetization") {
    CHECK(contains(error_of(video + "a=fmtp:96 packetization-mode=2\r\n"), "not supported"));
    CHECK(contains(error_of(video + "a=fmtp:96 packetization-mode=7\r\n"), "not 0, 1 or 2"));
  }
  SECTION("parameter sets that are not base64") {
    CHECK(contains(error_of(video + "a=fmtp:96 sprop-parameter-sets=Z2QA*,aO+8sA==\r\n"),
                   "'Z2QA*' is not base64"));
    CHECK(contains(error_of(video + "a=fmtp:96 sprop-parameter-sets===\r\n"), "not base64"));
  }
  SECTION("too many parameter sets") {
    std::string many = "a=fmtp:96 sprop-parameter-sets=aO+8sA==";
    for (size_t i = 0; i < kMaxParameterSets; ++i) many += ",aO+8sA==";
    CHECK(contains(error_of(video + many + "\r\n"), "more than 16"));
  }
}

TEST_CASE("parse_sdp never crashes on mangled input", "[unit]") {
  // Every prefix and every single-byte corruption of a valid SDP either parses
  // or throws SdpError.
  const std::string text = write_sdp(describe_h264_stream({kSps, kPps}, "10.0.0.1", 5004));
  for (size_t n = 0; n <= text.size(); ++n) {
    try {
      parse_sdp(text.substr(0, n));
    } catch (const SdpError&) {
    }
  }
  for (size_t i = 0; i < text.size(); ++i) {
    for (char c : {'\0', '\n', ' ', '=', '/', ':', ';', ',', '\xff'}) {
      std::string bad = text;
      bad[i] = c;
      try {
        parse_sdp(bad);
      } catch (const SdpError&) {
      }
    }
  }
  SUCCEED("no crash, no other exception");
}
