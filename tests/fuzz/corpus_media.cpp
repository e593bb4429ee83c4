// fuzz_make_corpus: the seeds and regressions of the targets of media/
// (corpus_targets.hpp).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "corpus_targets.hpp"
#include "fuzz_input.hpp"
#include "media/payload/aac_payload.hpp"
#include "media/payload/h264_packetizer.hpp"
#include "media/payload/h265_packetizer.hpp"
#include "media/sdp/sdp.hpp"

namespace flowcast::fuzz::corpus {

namespace {

// The depacketizer's input for these payloads; finish() after the last.
Bytes records(const Payloads& payloads, size_t gap_before_index = SIZE_MAX) {
  Bytes out;
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (i == gap_before_index - 1) continue;  // lost
    fuzz::put_payload_record(out, payloads[i], i == gap_before_index, i + 1 == payloads.size());
  }
  return out;
}

}  // namespace

void make_h264(const std::vector<AccessUnit>& units) {
  const std::string t = "h264_depacketizer";
  Bytes all;
  for (size_t u = 0; u < units.size(); ++u) {
    const Payloads payloads = media::packetize_h264(units[u], 1200);
    const Bytes r = records(payloads);
    seed(t, "au" + std::to_string(u) + "-mtu1200", r);
    all.insert(all.end(), r.begin(), r.end());
  }
  seed(t, "three-au-mtu1200", all);
  const Payloads small = media::packetize_h264(units.front(), 300);
  seed(t, "au0-mtu300-fu-a", records(small));
  seed(t, "au0-mtu300-one-lost", records(small, small.size() / 2));
  seed(t, "au0-mtu300-starts-mid-nal", records(Payloads(small.begin() + 4, small.end())));
  seed(t, "au1-mtu100", records(media::packetize_h264(units[1], 100)));
  // SPS and PPS aggregated in one STAP-A, then the slices.
  const auto nals = media::split_annexb(units.front());
  std::vector<std::span<const uint8_t>> sets;
  for (auto nal : nals)
    if ((nal[0] & 0x1F) == media::kNalTypeSps || (nal[0] & 0x1F) == media::kNalTypePps)
      sets.push_back(nal);
  Payloads stap{media::make_stap_a(sets)};
  for (const Bytes& p : media::packetize_h264(units.front(), 1200))
    if ((p[0] & 0x1F) != media::kNalTypeSps && (p[0] & 0x1F) != media::kNalTypePps)
      stap.push_back(p);
  seed(t, "au0-stap-a-parameter-sets", records(stap));
  // Malformed payloads the depacketizer must drop and count.
  Bytes bad;
  fuzz::put_payload_record(bad, Bytes{0x7C, 0xC5, 0xAA}, false, false);     // FU-A with S and E
  fuzz::put_payload_record(bad, Bytes{0x7C, 0x45, 0xAA}, false, false);     // end without start
  fuzz::put_payload_record(bad, Bytes{0x78, 0, 1, 0x67, 0}, false, false);  // STAP-A stray byte
  fuzz::put_payload_record(bad, Bytes{0x1E, 1, 2}, false, false);           // reserved type 30
  fuzz::put_payload_record(bad, Bytes{}, false, true);                      // empty
  seed(t, "malformed-payloads", bad);

  // The fault: a STAP-A whose second size field ends exactly at the end of
  // the payload, its NAL missing; the depacketizer read 0x6809 bytes past it.
  Bytes stap_fault;
  fuzz::put_payload_record(stap_fault, Bytes{0x18, 0x00, 0x02, 0x09, 0xFF, 0x68, 0x09}, false,
                           true);
  regression(t, "stap-a-second-size-past-end", stap_fault);
  Bytes lone;
  fuzz::put_payload_record(lone, Bytes{0x78, 0, 1, 0x67, 0}, false, true);
  regression(t, "stap-a-lone-size-byte", lone);
}

void make_sdp(const std::string& ffmpeg_sdp, const AccessUnit& keyframe) {
  const std::string t = "sdp";
  seed(t, "ffmpeg-sdp-file", text_bytes(ffmpeg_sdp));
  std::string lf;
  for (char c : ffmpeg_sdp)
    if (c != '\r') lf += c;
  seed(t, "ffmpeg-lf", text_bytes(lf));
  const auto sets = media::find_parameter_sets(media::split_annexb(keyframe));
  if (!sets) throw std::runtime_error("no SPS and PPS in the first access unit");
  media::SdpDescription d = media::describe_h264_stream(*sets, "127.0.0.1", 5004);
  seed(t, "flowcast-server", text_bytes(media::write_sdp(d)));
  d.rtcp_port = 6000;
  seed(t, "flowcast-rtcp-port", text_bytes(media::write_sdp(d)));
  d.rtcp_port.reset();
  d.rtcp_mux = true;
  d.connection_address = "::1";
  seed(t, "flowcast-ipv6-rtcp-mux", text_bytes(media::write_sdp(d)));
  seed(t, "audio-then-video",
       text_bytes("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
                  "m=audio 5002 RTP/AVP 97\r\na=rtpmap:97 opus/48000/2\r\n"
                  "m=video 5004 RTP/AVPF 98 96\r\nc=IN IP4 239.1.1.1/16\r\n"
                  "a=rtpmap:98 VP8/90000\r\na=rtpmap:96 h264/90000\r\n"
                  "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"));
  seed(t, "srtp-then-rtp",
       text_bytes("v=0\nc=IN IP4 127.0.0.1\nm=video 1 RTP/SAVP 96\nm=video 5004 RTP/AVP 96\n"
                  "a=rtpmap:96 H264/90000\na=rtcp:5009\n"));
  seed(t, "no-fmtp-single-nal",
       text_bytes("v=0\nm=video 5004 RTP/AVP 96\nc=IN IP6 ::1\na=rtpmap:96 H264/90000\n"));
  // A video and the audio beside it (parse_sdp_session).
  seed(t, "ffmpeg-video-aac",
       text_bytes("v=0\r\n"
                  "o=- 0 0 IN IP4 127.0.0.1\r\n"
                  "s=No Name\r\n"
                  "t=0 0\r\n"
                  "m=video 5004 RTP/AVP 96\r\n"
                  "c=IN IP4 127.0.0.1\r\n"
                  "a=rtpmap:96 H264/90000\r\n"
                  "a=fmtp:96 packetization-mode=1; "
                  "sprop-parameter-sets=Z2QADazZQUH7ARAAAAMAEAAAAwPA8UKZYA==,aO+Pyw==; "
                  "profile-level-id=64000D\r\n"
                  "m=audio 5006 RTP/AVP 97\r\n"
                  "c=IN IP4 127.0.0.1\r\n"
                  "a=rtpmap:97 MPEG4-GENERIC/44100/2\r\n"
                  "a=fmtp:97 "
                  "profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; "
                  "config=121056E500\r\n"));
  seed(t, "gstreamer-describe-aac",
       text_bytes("v=0\r\n"
                  "o=- 1 1 IN IP4 127.0.0.1\r\n"
                  "s=Session streamed with GStreamer\r\n"
                  "t=0 0\r\n"
                  "a=control:*\r\n"
                  "m=video 0 RTP/AVP 96\r\n"
                  "c=IN IP4 0.0.0.0\r\n"
                  "a=rtpmap:96 H264/90000\r\n"
                  "a=fmtp:96 "
                  "packetization-mode=1;sprop-parameter-sets=Z2QADazZQUH7ARAAAAMAEAAAAwPA8UKZYA==,"
                  "aO+Pyw==;profile-level-id=64000d\r\n"
                  "a=control:stream=0\r\n"
                  "m=audio 0 RTP/AVP 97\r\n"
                  "c=IN IP4 0.0.0.0\r\n"
                  "a=rtpmap:97 MPEG4-GENERIC/44100/2\r\n"
                  "a=fmtp:97 "
                  "streamtype=5;profile-level-id=2;mode=AAC-hbr;config=121056e500;sizelength=13;"
                  "indexlength=3;indexdeltalength=3\r\n"
                  "a=control:stream=1\r\n"));
  seed(t, "latm-then-opus-rtcp-mux",
       text_bytes("v=0\n"
                  "c=IN IP4 127.0.0.1\n"
                  "m=video 5004 RTP/AVP 96\n"
                  "a=rtpmap:96 H264/90000\n"
                  "m=audio 5006 RTP/AVP 97\n"
                  "a=rtpmap:97 MP4A-LATM/44100/2\n"
                  "a=fmtp:97 profile-level-id=41;cpresent=0;config=400024203fc0\n"
                  "m=audio 5008 RTP/AVPF 0 111\n"
                  "c=IN IP6 ::1\n"
                  "a=rtpmap:111 opus/48000/2\n"
                  "a=rtcp-mux\n"
                  "a=rtcp:5011\n"
                  "a=control:audio\n"));
}

void make_sdp_boundaries() {
  regression("sdp", "only-version", text_bytes("v=0"));
  regression("sdp", "sprop-only-padding",
             text_bytes("v=0\nc=IN IP4 1.2.3.4\nm=video 5 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
                        "a=fmtp:96 sprop-parameter-sets====,Z2Q=\n"));
  regression("sdp", "clock-rate-overflow",
             text_bytes("v=0\nc=IN IP4 1.2.3.4\nm=video 5 RTP/AVP 96\n"
                        "a=rtpmap:96 H264/4294967296\n"));
}

void make_h264_sps(const std::vector<Bytes>& streams) {
  const std::string t = "h264_sps";
  int n = 0;
  for (const Bytes& stream : streams) {
    for (std::span<const uint8_t> nal : media::split_annexb(stream)) {
      const uint8_t type = nal[0] & 0x1F;
      if (type == media::kNalTypeSps) seed(t, "sps-" + std::to_string(n++), nal);
      if (type == media::kNalTypePps && n == 1) seed(t, "pps-not-an-sps", nal);
    }
  }
  regression(t, "empty", Bytes{});
  regression(t, "header-only", Bytes{0x67});
  regression(t, "escape-at-end", Bytes{0x67, 0x42, 0x00, 0x00, 0x03});
}

void make_payload(const std::vector<AccessUnit>& h264, const std::vector<AccessUnit>& h265) {
  const std::string t = "payload";
  // Byte 0: bit 0 the format (0 H.264, 1 H.265); the largest payload is
  // 4 + (byte 0 >> 1) x 8 bytes.
  const auto put = [&](const std::string& name, uint8_t mode, const AccessUnit& au) {
    Bytes in{mode};
    in.insert(in.end(), au.begin(), au.end());
    seed(t, name, in);
  };
  constexpr uint8_t kMtu1020 = 127 << 1, kMtu100 = 12 << 1;
  for (size_t u = 0; u < h264.size(); ++u)
    put("h264-au" + std::to_string(u) + "-mtu1020", kMtu1020, h264[u]);
  put("h264-au0-mtu100", kMtu100, h264.front());
  put("h264-keyframe-from-sps", kMtu1020, without_aud(h264.front()));
  for (size_t u = 0; u < h265.size(); ++u)
    put("h265-au" + std::to_string(u) + "-mtu1020", kMtu1020 | 1, h265[u]);
  if (!h265.empty()) {
    put("h265-au0-mtu100", kMtu100 | 1, h265.front());
    put("h265-keyframe-from-vps", kMtu1020 | 1, without_aud(h265.front()));
  }
}

void make_audio() {
  const std::string t = "audio_depacketizer";
  // Byte 0 picks the format: 0 AAC, 1 Opus, 2 PCMU, 3 PCMA.
  auto with_format = [](uint8_t format, const Bytes& records) {
    Bytes out{format};
    out.insert(out.end(), records.begin(), records.end());
    return out;
  };
  Bytes unit(371);
  for (size_t i = 0; i < unit.size(); ++i) unit[i] = static_cast<uint8_t>(i * 7);
  seed(t, "aac-one-unit", with_format(0, records(media::packetize_aac(unit, 1172))));
  Bytes large(2500);
  for (size_t i = 0; i < large.size(); ++i) large[i] = static_cast<uint8_t>(i * 3);
  const Payloads fragments = media::packetize_aac(large, 1000);
  seed(t, "aac-fragmented", with_format(0, records(fragments)));
  seed(t, "aac-fragment-lost", with_format(0, records(fragments, 2)));
  Bytes two;
  fuzz::put_payload_record(two, Bytes{0x00, 0x20, 0x00, 3 << 3, 0x00, 2 << 3, 1, 2, 3, 4, 5}, false,
                           true);
  seed(t, "aac-two-units", with_format(0, two));
  const Payloads opus = {Bytes{0xFC, 0xFF, 0xFE}, Bytes(160, 0x5A), Bytes{0x08}};
  Bytes opus_records;
  for (const auto& p : opus) fuzz::put_payload_record(opus_records, p, false, true);
  seed(t, "opus-packets", with_format(1, opus_records));
  // G.711: 20 ms packets as flowcast-server cuts them, and a short last one.
  Bytes samples(400);
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<uint8_t>(0xFF - i);
  const Payloads g711 = media::pcmu_payload_format().packetize(samples, 1172);
  seed(t, "pcmu-packets", with_format(2, records(g711)));
  seed(t, "pcma-packet-lost", with_format(3, records(g711, 1)));

  // The AU header's lengths: a unit size one past the data, a header
  // length one past the packet, a length that is not whole headers.
  Bytes past;
  fuzz::put_payload_record(past, Bytes{0x00, 0x10, 0x00, 4 << 3, 1, 2, 3}, false, true);
  regression(t, "aac-au-size-one-past-end", with_format(0, past));
  Bytes header_past;
  fuzz::put_payload_record(header_past, Bytes{0x00, 0x20, 0x00, 1 << 3}, false, true);
  regression(t, "aac-headers-length-past-packet", with_format(0, header_past));
  Bytes odd;
  fuzz::put_payload_record(odd, Bytes{0x00, 0x0F, 0x00, 1 << 3, 9}, false, true);
  regression(t, "aac-headers-length-not-whole", with_format(0, odd));
}

}  // namespace flowcast::fuzz::corpus
