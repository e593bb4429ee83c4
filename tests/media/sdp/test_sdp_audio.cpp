// parse_sdp_session: the audio beside the video, from SDPs real senders
// wrote (ffmpeg 5.1's -sdp_file, GStreamer's RTSP server, flowcast-server
// --sdp), G.711 on its static payload types with or without an a=rtpmap,
// and audio flowcast cannot play, which leaves the video playable.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "media/sdp/sdp.hpp"

using namespace flowcast::media;

namespace {

using Bytes = std::vector<uint8_t>;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The video part of ffmpeg's SDPs below (CRLF).
const std::string kFfmpegHead =
    "v=0\r\n"
    "o=- 0 0 IN IP4 127.0.0.1\r\n"
    "s=No Name\r\n"
    "t=0 0\r\n"
    "a=tool:libavformat LIBAVFORMAT_VERSION\r\n"
    "m=video 5004 RTP/AVP 96\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "b=AS:297\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1; "
    "sprop-parameter-sets=Z2QADazZQUH7ARAAAAMAEAAAAwPA8UKZYA==,aO+Pyw==; "
    "profile-level-id=64000D\r\n";

// ffmpeg -i clip.mp4 -map 0:v -c copy -f rtp rtp://127.0.0.1:5004 -map 0:a
// -c copy -f rtp rtp://127.0.0.1:5006 -sdp_file F, with 44.1 kHz stereo AAC.
const std::string kFfmpegAac = kFfmpegHead +
                               "m=audio 5006 RTP/AVP 97\r\n"
                               "c=IN IP4 127.0.0.1\r\n"
                               "b=AS:127\r\n"
                               "a=rtpmap:97 MPEG4-GENERIC/44100/2\r\n"
                               "a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;"
                               "indexlength=3;indexdeltalength=3; config=121056E500\r\n";
// The same with 48 kHz Opus from an MKV.
const std::string kFfmpegOpus = kFfmpegHead +
                                "m=audio 5006 RTP/AVP 97\r\n"
                                "c=IN IP4 127.0.0.1\r\n"
                                "a=rtpmap:97 opus/48000/2\r\n"
                                "a=fmtp:97 sprop-stereo=1\r\n";
// ... with -rtpflags latm on the audio: AAC, but as RFC 6416 MP4A-LATM.
const std::string kFfmpegLatm = kFfmpegHead +
                                "m=audio 5006 RTP/AVP 97\r\n"
                                "c=IN IP4 127.0.0.1\r\n"
                                "b=AS:127\r\n"
                                "a=rtpmap:97 MP4A-LATM/44100/2\r\n"
                                "a=fmtp:97 profile-level-id=41;cpresent=0;config=400024203fc0\r\n";
// ... with -c:a pcm_mulaw -ar 8000: a static payload type, no a=rtpmap.
const std::string kFfmpegPcmu = kFfmpegHead +
                                "m=audio 5006 RTP/AVP 0\r\n"
                                "c=IN IP4 127.0.0.1\r\n"
                                "b=AS:64\r\n";

// GStreamer 1.22's RTSP server (qtdemux ! rtph264pay pt=96, aacparse !
// rtpmp4gpay pt=97) answering DESCRIBE, with Content-Base
// rtsp://127.0.0.1:18555/stream/.
const std::string kGstreamer =
    "v=0\r\n"
    "o=- 6145543986204414133 1 IN IP4 127.0.0.1\r\n"
    "s=Session streamed with GStreamer\r\n"
    "i=rtsp-server\r\n"
    "t=0 0\r\n"
    "a=tool:GStreamer\r\n"
    "a=type:broadcast\r\n"
    "a=control:*\r\n"
    "a=range:npt=now-1\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "b=AS:297\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=framerate:30\r\n"
    "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z2QADazZQUH7ARAAAAMAEAAAAwPA8UKZYA==,"
    "aO+Pyw==;profile-level-id=64000d;level-asymmetry-allowed=1\r\n"
    "a=control:stream=0\r\n"
    "a=ts-refclk:local\r\n"
    "a=mediaclk:sender\r\n"
    "a=ssrc:2204031243 cname:user2831030158@host-de2b9fba\r\n"
    "m=audio 0 RTP/AVP 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "b=AS:128\r\n"
    "a=rtpmap:97 MPEG4-GENERIC/44100/2\r\n"
    "a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=121056e500;sizelength=13;"
    "indexlength=3;indexdeltalength=3\r\n"
    "a=control:stream=1\r\n"
    "a=ts-refclk:local\r\n"
    "a=mediaclk:sender\r\n"
    "a=ssrc:1645262410 cname:user2831030158@host-de2b9fba\r\n";

// flowcast-server clip.mp4 --push 127.0.0.1:5004 --sdp F (44.1 kHz stereo
// AAC beside the H.264).
const std::string kFlowcastServer =
    "v=0\r\n"
    "o=- 1796642764 1796642764 IN IP4 127.0.0.1\r\n"
    "s=flowcast\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=video 5004 RTP/AVP 96\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1;profile-level-id=64000d;"
    "sprop-parameter-sets=Z2QADazZQUH7ARAAAAMAEAAAAwPA8UKZYA==,aO+Pyw==\r\n"
    "m=audio 5006 RTP/AVP 97\r\n"
    "a=rtpmap:97 mpeg4-generic/44100/2\r\n"
    "a=fmtp:97 streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; "
    "indexdeltalength=3; config=121056e500\r\n";

const Bytes kConfig = {0x12, 0x10, 0x56, 0xe5, 0x00};  // AAC-LC, 44.1 kHz, stereo, + SBR ext.

// A session's lines, then one video section, then `rest`.
std::string with_video(const std::string& rest) {
  return "v=0\nc=IN IP4 192.0.2.1\nm=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n" + rest;
}

}  // namespace

TEST_CASE("parse_sdp_session reads the AAC beside the video in ffmpeg's -sdp_file",
          "[unit][sdp][audio]") {
  const SdpSession s = parse_sdp_session(kFfmpegAac);
  CHECK(s.video.encoding_name == "H264");
  CHECK(s.video.port == 5004);
  CHECK(s.video.parameter_sets.size() == 2);
  REQUIRE(s.audio);
  CHECK(s.audio_ignored.empty());
  const SdpDescription& a = *s.audio;
  CHECK(a.media == "audio");
  CHECK(a.encoding_name == "mpeg4-generic");
  CHECK(a.payload_type == 97);
  CHECK(a.port == 5006);
  CHECK(a.clock_rate == 44100);
  CHECK(a.channels == 2);
  CHECK(a.config == kConfig);
  CHECK(a.connection_address == "127.0.0.1");
  CHECK_FALSE(a.rtcp_port);
  CHECK_FALSE(a.rtcp_mux);
  CHECK(a.control.empty());
  // parse_sdp keeps its contract: the video alone, the same.
  const SdpDescription v = parse_sdp(kFfmpegAac);
  CHECK(v.port == s.video.port);
  CHECK(v.parameter_sets == s.video.parameter_sets);
  CHECK(v.media == "video");
}

TEST_CASE("parse_sdp_session reads ffmpeg's Opus: 48 kHz, two channels", "[unit][sdp][audio]") {
  const SdpSession s = parse_sdp_session(kFfmpegOpus);
  REQUIRE(s.audio);
  CHECK(s.audio->encoding_name == "opus");
  CHECK(s.audio->clock_rate == 48000);
  CHECK(s.audio->channels == 2);
  CHECK(s.audio->config.empty());
  // RFC 7587 §7: always opus/48000/2; the stream's own channels are in
  // its packets. Another clock is not Opus over RTP.
  const auto other =
      parse_sdp_session(with_video("m=audio 5006 RTP/AVP 111\na=rtpmap:111 OPUS/44100/2\n"));
  CHECK_FALSE(other.audio);
  CHECK(contains(other.audio_ignored, "clock rate is 44100"));
  const auto mono =
      parse_sdp_session(with_video("m=audio 5006 RTP/AVP 111\na=rtpmap:111 opus/48000\n"));
  REQUIRE(mono.audio);
  CHECK(mono.audio->channels == 2);
}

TEST_CASE("parse_sdp_session reads GStreamer's DESCRIBE: port 0 and a control URL per track",
          "[unit][sdp][audio][rtsp]") {
  const SdpSession s = parse_sdp_session(kGstreamer);
  CHECK(s.video.control == "stream=0");
  CHECK(s.video.port == 0);
  REQUIRE(s.audio);
  CHECK(s.audio->control == "stream=1");
  CHECK(s.audio->port == 0);
  CHECK(s.audio->payload_type == 97);
  CHECK(s.audio->clock_rate == 44100);
  CHECK(s.audio->channels == 2);
  CHECK(s.audio->config == kConfig);
  CHECK(s.audio->connection_address == "0.0.0.0");
}

TEST_CASE("parse_sdp_session reads flowcast-server's --sdp of a file with AAC",
          "[unit][sdp][audio]") {
  const SdpSession s = parse_sdp_session(kFlowcastServer);
  CHECK(s.video.port == 5004);
  REQUIRE(s.audio);
  CHECK(s.audio->port == 5006);
  CHECK(s.audio->connection_address == "127.0.0.1");  // the session's c=
  CHECK(s.audio->config == kConfig);
  CHECK(s.audio->channels == 2);
}

TEST_CASE("write_sdp of a video and its audio parses back to both", "[unit][sdp][audio]") {
  const SdpSession first = parse_sdp_session(kFfmpegAac);
  REQUIRE(first.audio);
  SdpDescription audio = *first.audio;
  audio.rtcp_port = 7001;
  audio.control = "track2";
  const std::vector<SdpDescription> streams = {first.video, audio};
  const SdpSession again = parse_sdp_session(write_sdp(streams));
  REQUIRE(again.audio);
  CHECK(again.audio->port == audio.port);
  CHECK(again.audio->rtcp_port == std::optional<uint16_t>(7001));
  CHECK(again.audio->control == "track2");
  CHECK(again.audio->clock_rate == audio.clock_rate);
  CHECK(again.audio->channels == audio.channels);
  CHECK(again.audio->config == audio.config);
  CHECK(again.video.parameter_sets == first.video.parameter_sets);
  audio.rtcp_port.reset();
  audio.rtcp_mux = true;
  const std::vector<SdpDescription> muxed = {first.video, audio};
  CHECK(parse_sdp_session(write_sdp(muxed)).audio->rtcp_mux);
}

TEST_CASE("audio flowcast cannot play leaves the video, and says which codec it is",
          "[unit][sdp][audio]") {
  const SdpSession latm = parse_sdp_session(kFfmpegLatm);
  CHECK_FALSE(latm.audio);
  CHECK(latm.video.encoding_name == "H264");
  CHECK(contains(latm.audio_ignored, "MP4A-LATM/44100/2"));
  CHECK(contains(latm.audio_ignored,
                 "AAC (mpeg4-generic), Opus (opus), G.711 mu-law (PCMU) or G.711 A-law (PCMA)"));

  // RFC 3551's GSM (static payload type 3), without an a=rtpmap.
  const SdpSession gsm = parse_sdp_session(with_video("m=audio 5006 RTP/AVP 3\n"));
  CHECK_FALSE(gsm.audio);
  CHECK(contains(gsm.audio_ignored, "GSM/8000"));

  // RFC 4184's AC-3.
  const SdpSession ac3 = parse_sdp_session(
      with_video("m=audio 5006 RTP/AVP 100\na=rtpmap:100 ac3/48000/6\na=fmtp:100 bsmod=0\n"));
  CHECK_FALSE(ac3.audio);
  CHECK(contains(ac3.audio_ignored, "ac3/48000/6"));

  // Without audio, nothing to say.
  const SdpSession none = parse_sdp_session(with_video(""));
  CHECK_FALSE(none.audio);
  CHECK(none.audio_ignored.empty());
}

TEST_CASE("an audio section's faults skip it; the next playable one is taken",
          "[unit][sdp][audio]") {
  struct Case {
    std::string audio;
    std::string said;
  };
  const std::vector<Case> cases = {
      {"m=audio 99999 RTP/AVP 97\n", "no valid port"},
      {"m=audio 5006 RTP/AVP x\n", "not an RTP payload type"},
      {"m=audio 5006 RTP/AVP 97\na=rtpmap:97 mpeg4-generic\n", "is not 'PT NAME/RATE'"},
      {"m=audio 5006 RTP/AVP 97\nc=IN IP9 what\n", "c=IN IP9"},
      {"m=audio 5006 RTP/AVP 97\na=rtcp:0\n", "a=rtcp"},
      {"m=audio 5006 RTP/SAVP 97\na=rtpmap:97 opus/48000/2\n", "RTP/SAVP"},
      {"m=audio 5006 RTP/AVP 97\na=rtpmap:97 mpeg4-generic/44100/2\n"
       "a=fmtp:97 mode=AAC-hbr; sizelength=13\n",
       "without config="},
      {"m=audio 5006 RTP/AVP 97\na=rtpmap:97 mpeg4-generic/44100/2\n"
       "a=fmtp:97 mode=AAC-lbr; config=1210\n",
       "not AAC-hbr"},
      {"m=audio 5006 RTP/AVP 97\na=rtpmap:97 mpeg4-generic/44100/0\n"
       "a=fmtp:97 mode=AAC-hbr; config=1210\n",
       "channel count"},
      {"m=audio 5006 RTP/AVP 97\na=rtpmap:97 mpeg4-generic/44100/2\n"
       "a=fmtp:97 mode=AAC-hbr; config=12G0\n",
       "not hex"},
  };
  for (const auto& c : cases) {
    INFO(c.audio);
    const SdpSession alone = parse_sdp_session(with_video(c.audio));
    CHECK_FALSE(alone.audio);
    CHECK(alone.video.encoding_name == "H264");
    CHECK(contains(alone.audio_ignored, c.said));
    // A playable section after it is read; the first one's fault is not told.
    const SdpSession next = parse_sdp_session(
        with_video(c.audio + "m=audio 6006 RTP/AVP 111\na=rtpmap:111 opus/48000/2\n"));
    REQUIRE(next.audio);
    CHECK(next.audio->port == 6006);
    CHECK(next.audio_ignored.empty());
  }
}

TEST_CASE("the audio's own lines: payload type choice, a=rtcp, a=rtcp-mux, c=, and order",
          "[unit][sdp][audio]") {
  // Audio before the video, with its own c=, RTCP port and control; its
  // first payload types are ones flowcast does not play (3: RFC 3551's GSM).
  const std::string text =
      "v=0\r\nc=IN IP4 192.0.2.1\r\na=control:*\r\n"
      "m=audio 5002 RTP/AVPF 3 98 97\r\nc=IN IP6 ::1\r\na=rtpmap:98 ac3/48000/2\r\n"
      "a=rtpmap:97 mpeg4-generic/48000/1\r\na=fmtp:97 mode=AAC-hbr;config=1188\r\n"
      "a=rtcp:5009\r\na=control:audio\r\n"
      "m=audio 5020 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
      "m=video 5004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=rtcp-mux\r\n";
  const SdpSession s = parse_sdp_session(text);
  CHECK(s.video.connection_address == "192.0.2.1");
  CHECK(s.video.rtcp_mux);
  CHECK(s.video.control == "*");
  REQUIRE(s.audio);
  CHECK(s.audio->payload_type == 97);
  CHECK(s.audio->port == 5002);
  CHECK(s.audio->connection_address == "::1");
  CHECK(s.audio->rtcp_port == std::optional<uint16_t>(5009));
  CHECK_FALSE(s.audio->rtcp_mux);
  CHECK(s.audio->control == "audio");  // its own, not the session's
  CHECK(s.audio->clock_rate == 48000);
  CHECK(s.audio->channels == 1);
  CHECK(s.audio->config == Bytes{0x11, 0x88});
  // An rtpmap without channels means one (RFC 3551 §4.5).
  const auto mono =
      parse_sdp_session(with_video("m=audio 5006 RTP/AVP 97\na=rtpmap:97 "
                                   "mpeg4-generic/22050\na=fmtp:97 mode=AAC-hbr;config=1388\n"
                                   "a=rtcp-mux\n"));
  REQUIRE(mono.audio);
  CHECK(mono.audio->channels == 1);
  CHECK(mono.audio->rtcp_mux);
}

TEST_CASE("the video's faults still make the SDP unusable, with audio or not",
          "[unit][sdp][audio]") {
  // Audio alone is no stream flowcast plays; the error names it.
  CHECK_THROWS_AS(parse_sdp_session("v=0\nc=IN IP4 1.2.3.4\nm=audio 5006 RTP/AVP 111\n"
                                    "a=rtpmap:111 opus/48000/2\n"),
                  SdpError);
  CHECK_THROWS_WITH(parse_sdp_session("v=0\nc=IN IP4 1.2.3.4\nm=audio 5006 RTP/AVP 111\n"
                                      "a=rtpmap:111 opus/48000/2\n"),
                    Catch::Contains("describes only audio (opus/48000/2) and no video stream"));
  // A line not of the form x=value is malformed SDP wherever it is.
  CHECK_THROWS_AS(parse_sdp_session(with_video("m=audio 5006 RTP/AVP 111\nnonsense\n")), SdpError);
  CHECK_THROWS_AS(parse_sdp_session(std::string(kMaxSdpBytes + 1, 'a')), SdpError);
}

TEST_CASE("G.711 on its static payload type plays, with or without an a=rtpmap",
          "[unit][sdp][audio]") {
  // ffmpeg's (and cameras'): "m=audio 5006 RTP/AVP 0" and nothing more.
  const SdpSession pcmu = parse_sdp_session(kFfmpegPcmu);
  REQUIRE(pcmu.audio);
  CHECK(pcmu.audio_ignored.empty());
  CHECK(pcmu.audio->payload_type == 0);
  CHECK(pcmu.audio->encoding_name == "PCMU");
  CHECK(pcmu.audio->clock_rate == 8000);
  CHECK(pcmu.audio->channels == 1);
  CHECK(pcmu.audio->port == 5006);

  const SdpSession pcma =
      parse_sdp_session(with_video("m=audio 0 RTP/AVP 8\na=rtpmap:8 PCMA/8000\na=control:a\n"));
  REQUIRE(pcma.audio);
  CHECK(pcma.audio->payload_type == 8);
  CHECK(pcma.audio->encoding_name == "PCMA");
  CHECK(pcma.audio->channels == 1);
  CHECK(pcma.audio->control == "a");

  // G.711's clock is 8000 Hz (RFC 3551 §4.5.14): another is refused.
  const SdpSession fast =
      parse_sdp_session(with_video("m=audio 5006 RTP/AVP 0\na=rtpmap:0 PCMU/16000\n"));
  CHECK_FALSE(fast.audio);
  CHECK(contains(fast.audio_ignored, "clock rate is 16000"));

  // Written back as RFC 3551's table names it, on its static type.
  const std::vector<SdpDescription> streams = {pcma.video, *pcma.audio};
  const std::string text = write_sdp(streams);
  CHECK(contains(text, "m=audio 0 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"));
  const SdpSession again = parse_sdp_session(text);
  REQUIRE(again.audio);
  CHECK(again.audio->payload_type == 8);
  CHECK(again.audio->channels == 1);
}
