// Writes the fuzz targets' seed corpora, from real packets made by the
// project's own writers, and the regression inputs that are written rather
// than found. make-corpus.sh runs it:
//   fuzz_make_corpus OUT STREAM.264 STREAM.sdp [MORE.264...]
// STREAM.264: a few access units of libx264 in Annex B with access unit
// delimiters; STREAM.sdp: the SDP ffmpeg wrote for it; MORE.264: other
// encodings, whose SPSs seed the SPS reader. OUT is tests/fuzz:
// OUT/corpus/TARGET/ is emptied and rewritten; in OUT/regressions/TARGET/ only
// the files named here are (re)written, found inputs stay.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/rtp/handshake.hpp"
#include "common/rtp/rfc4571.hpp"
#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "fuzz_input.hpp"
#include "media/payload/h264_packetizer.hpp"
#include "media/payload/h265_packetizer.hpp"
#include "media/sdp/sdp.hpp"

using namespace flowcast;
namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;
using AccessUnit = Bytes;  // Annex B, 4-byte start codes
using Payloads = std::vector<Bytes>;

namespace {

fs::path g_out;

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& path, std::span<const uint8_t> bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

Bytes text_bytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

void seed(const std::string& target, const std::string& name, std::span<const uint8_t> bytes) {
  write_file(g_out / "corpus" / target / name, bytes);
}
void regression(const std::string& target, const std::string& name,
                std::span<const uint8_t> bytes) {
  write_file(g_out / "regressions" / target / name, bytes);
}

// Groups the stream's NAL units into access units, each starting at an AUD.
std::vector<AccessUnit> access_units(const Bytes& annexb) {
  std::vector<AccessUnit> units;
  for (std::span<const uint8_t> nal : media::split_annexb(annexb)) {
    if ((nal[0] & 0x1F) == media::kNalTypeAud || units.empty()) units.emplace_back();
    units.back().insert(units.back().end(), {0, 0, 0, 1});
    units.back().insert(units.back().end(), nal.begin(), nal.end());
  }
  return units;
}

Bytes rtp(const common::RtpHeader& header, std::span<const uint8_t> payload) {
  Bytes out;
  common::write_rtp(header, payload, out);
  return out;
}

// The packets of one access unit as the server sends them.
std::vector<Bytes> rtp_packets(const Payloads& payloads, uint16_t first_sequence,
                               uint32_t timestamp) {
  std::vector<Bytes> packets;
  for (size_t i = 0; i < payloads.size(); ++i) {
    common::RtpHeader h;
    h.sequence = static_cast<uint16_t>(first_sequence + i);
    h.timestamp = timestamp;
    h.ssrc = 0x5EED0001;
    h.marker = i + 1 == payloads.size();
    h.send_time_us = 1'700'000'000'000'000 + i * 250;
    packets.push_back(rtp(h, payloads[i]));
  }
  return packets;
}

void make_rtp(const std::vector<Payloads>& units) {
  const std::string t = "rtp";
  // Real packets, as the server sends them: the first, second and last of each access unit.
  for (size_t u = 0; u < units.size(); ++u) {
    const auto packets = rtp_packets(units[u], static_cast<uint16_t>(65530 + 10 * u), 3000 * u);
    seed(t, "au" + std::to_string(u) + "-first", packets.front());
    seed(t, "au" + std::to_string(u) + "-last-marker", packets.back());
    if (packets.size() > 2) seed(t, "au" + std::to_string(u) + "-middle", packets[1]);
  }
  const Bytes& small = units.back().back();
  common::RtpHeader plain;
  plain.sequence = 7;
  plain.timestamp = 0xFFFFFFF0;
  plain.ssrc = 1;
  seed(t, "no-extension", rtp(plain, small));
  seed(t, "empty-payload", rtp(plain, {}));
  common::RtpHeader csrcs = plain;
  csrcs.csrcs = {0x11111111, 0x22222222};
  csrcs.send_time_us = 42;
  seed(t, "two-csrcs-send-time", rtp(csrcs, small));
  csrcs.csrcs.assign(common::kRtpMaxCsrcs, 0xC5);
  seed(t, "fifteen-csrcs", rtp(csrcs, small));
  common::RtpHeader other = plain;
  other.payload_type = 127;
  other.marker = true;
  seed(t, "payload-type-127-marker", rtp(other, small));
  // Variants a peer may send: padding (P bit), another extension profile, an
  // element with another id in place of ours.
  Bytes padded = rtp(plain, small);
  padded[0] |= 0x20;
  padded.insert(padded.end(), {0, 0, 0, 4});
  seed(t, "padding-4", padded);
  common::RtpHeader ext = plain;
  ext.send_time_us = 0x0102030405060708;
  Bytes profile = rtp(ext, small);
  profile[12] = 0x10;  // 0x1000: RFC 8285 two-byte form, skipped
  profile[13] = 0x00;
  seed(t, "two-byte-extension-profile", profile);
  Bytes unknown_id = rtp(ext, small);
  unknown_id[16] = 0x27;  // id 2, length 8: not ours
  seed(t, "unknown-extension-id", unknown_id);
}

void make_rtcp() {
  const std::string t = "rtcp";
  common::ReportBlock block{0x5EED0001, 25, 12, 0x0001FFF0, 340, 0x12345678, 6553};
  common::ReportBlock negative = block;
  negative.cumulative_lost = -3;
  auto packet = [](auto write, const auto& item) {
    Bytes out;
    write(item, out);
    return out;
  };
  common::ReceiverReport rr{0xC11E0001, {}};
  seed(t, "rr-empty", packet(common::write_receiver_report, rr));
  rr.blocks = {block};
  seed(t, "rr-one-block", packet(common::write_receiver_report, rr));
  rr.blocks = {block, negative};
  seed(t, "rr-negative-lost", packet(common::write_receiver_report, rr));
  rr.blocks.assign(33, block);
  seed(t, "rr-33-blocks-two-packets", packet(common::write_receiver_report, rr));
  common::SenderReport sr{0x5EED0001, 0xE1234567'89ABCDEF, 90000, 1000, 1'200'000, {}};
  seed(t, "sr", packet(common::write_sender_report, sr));
  sr.blocks = {block, negative};
  seed(t, "sr-two-blocks", packet(common::write_sender_report, sr));
  sr.blocks.assign(40, block);
  seed(t, "sr-40-blocks-then-rr", packet(common::write_sender_report, sr));
  const common::PictureLossIndication pli{0xC11E0001, 0x5EED0001};
  seed(t, "pli", packet(common::write_pli, pli));
  common::GenericNack nack{0xC11E0001, 0x5EED0001, {100}};
  seed(t, "nack-one", packet(common::write_nack, nack));
  nack.lost_sequences = {100, 101, 103, 116, 117, 140};
  seed(t, "nack-several", packet(common::write_nack, nack));
  nack.lost_sequences = {65530, 65533, 65535, 0, 2, 9};
  seed(t, "nack-across-wrap", packet(common::write_nack, nack));
  seed(t, "bye", packet(common::write_bye, common::Goodbye{{0x5EED0001}}));
  seed(t, "bye-empty", packet(common::write_bye, common::Goodbye{}));
  // Compounds: the server's BYE (empty RR, then BYE), the client's report with feedback.
  Bytes compound = packet(common::write_receiver_report, common::ReceiverReport{0x5EED0001, {}});
  common::write_bye(common::Goodbye{{0x5EED0001}}, compound);
  seed(t, "compound-rr-bye", compound);
  compound = packet(common::write_receiver_report, common::ReceiverReport{0xC11E0001, {block}});
  common::write_pli(pli, compound);
  common::write_nack(common::GenericNack{0xC11E0001, 0x5EED0001, {7, 8, 30}}, compound);
  seed(t, "compound-rr-pli-nack", compound);
  // A BYE with a reason and an SDES, as other peers send them.
  seed(t, "bye-with-reason",
       Bytes{0x81, 203, 0, 3, 0x5E, 0xED, 0, 1, 4, 'd', 'o', 'n', 'e', 0, 0, 0});
  seed(t, "sdes-cname", Bytes{0x81, 202, 0, 3, 0x5E, 0xED, 0, 1, 1, 4, 'h', 'o', 's', 't', 0, 0});
}

void make_rfc4571(const std::vector<Payloads>& units) {
  const std::string t = "rfc4571";
  // The TCP byte stream of the last access units, with an RR and a BYE among them.
  Bytes stream;
  uint16_t sequence = 100;
  for (size_t u = 1; u < units.size(); ++u) {
    for (const Bytes& p : rtp_packets(units[u], sequence, 3000 * u)) {
      common::frame_rfc4571(p, stream);
      ++sequence;
    }
  }
  Bytes rtcp;
  common::write_receiver_report(common::ReceiverReport{0x5EED0001, {}}, rtcp);
  common::write_bye(common::Goodbye{{0x5EED0001}}, rtcp);
  common::frame_rfc4571(rtcp, stream);
  Bytes keyframe;
  for (const Bytes& p : rtp_packets(units.front(), 1, 0)) common::frame_rfc4571(p, keyframe);

  auto with_splits = [](std::vector<uint8_t> head, const Bytes& bytes) {
    head.insert(head.end(), bytes.begin(), bytes.end());
    return head;
  };
  // Header byte: low 4 bits count the chunk sizes that follow, bits 4..6 scale them.
  seed(t, "whole", with_splits({0x00}, stream));
  seed(t, "byte-by-byte", with_splits({0x01, 1}, stream));
  seed(t, "odd-reads", with_splits({0x03, 3, 200, 17}, stream));
  seed(t, "length-split", with_splits({0x02, 1, 255}, stream));
  seed(t, "empty-reads", with_splits({0x03, 0, 5, 0}, stream));
  seed(t, "keyframe-whole", with_splits({0x00}, keyframe));
  seed(t, "keyframe-1k-reads", with_splits({0x31, 128}, keyframe));
  seed(t, "keyframe-mixed-reads", with_splits({0x14, 200, 7, 1, 90}, keyframe));
  Bytes zero_length = stream;
  zero_length.insert(zero_length.begin() + 2 + ((stream[0] << 8) | stream[1]), {0, 0});
  seed(t, "zero-length-frame", with_splits({0x02, 2, 9}, zero_length));
  Bytes cut = stream;
  cut.resize(cut.size() - 5);
  seed(t, "cut-short", with_splits({0x01, 100}, cut));
}

void make_handshake() {
  const std::string t = "handshake";
  common::Cookie cookie;
  for (size_t i = 0; i < cookie.size(); ++i) cookie[i] = static_cast<uint8_t>(0xA0 + 7 * i);
  using common::HandshakeType;
  seed(t, "hello-first", common::write_handshake({HandshakeType::hello, {}}));
  seed(t, "cookie", common::write_handshake({HandshakeType::cookie, cookie}));
  seed(t, "hello-echo", common::write_handshake({HandshakeType::hello, cookie}));
  seed(t, "accept", common::write_handshake({HandshakeType::accept, cookie}));
  seed(t, "full", common::write_handshake({HandshakeType::full, cookie}));
}

// The depacketizer's input for these payloads; finish() after the last.
Bytes records(const Payloads& payloads, size_t gap_before_index = SIZE_MAX) {
  Bytes out;
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (i == gap_before_index - 1) continue;  // lost
    fuzz::put_payload_record(out, payloads[i], i == gap_before_index, i + 1 == payloads.size());
  }
  return out;
}

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

void make_receive_buffer(const std::vector<Payloads>& units) {
  const std::string t = "receive_buffer";
  // Frames of the real packet sizes: the keyframe, then the others in turn.
  struct Variant {
    std::string name;
    fuzz::BufferHeader header;
    int frames = 12;
    size_t lose_every = 0;       // drop every n-th packet
    size_t reorder_every = 0;    // swap every n-th packet with the next
    size_t duplicate_every = 0;  // send every n-th packet twice
    bool b_frames = false;       // timestamps out of order (decode order)
  };
  const std::vector<Variant> variants = {
      {"block", {0, 0, 0, 49, 0}},
      {"drop-new-tight", {1, 8, 0, 4, 0}},
      {"drop-old-tight", {2, 8, 0, 4, 0}},
      {"grow-tight", {3, 8, 16, 4, 0}},
      {"block-loss", {0, 0, 0, 49, 0}, 12, 7},
      {"block-reorder", {0, 0, 0, 49, 0}, 12, 0, 5},
      {"block-duplicates", {0, 0, 0, 49, 0}, 12, 0, 0, 6},
      {"nack-loss-reorder", {4, 0, 0, 49, 0}, 12, 9, 4},
      {"drop-old-loss", {2, 16, 0, 9, 0}, 20, 11},
      {"b-frames", {0, 0, 0, 49, 0x40}, 16, 0, 0, 0, true},
      {"grow-default-b-frames", {3, 0, 0, 2, 0x80}, 16, 0, 0, 0, true},
  };
  for (const Variant& v : variants) {
    // (sequence, timestamp in 1500-tick steps, marker, size)
    struct P {
      int seq, ts;
      bool marker;
      size_t size;
    };
    std::vector<P> packets;
    int seq = 0;
    for (int f = 0; f < v.frames; ++f) {
      const Payloads& au = f == 0 ? units.front() : units[1 + (f % (units.size() - 1))];
      // With B-frames, decode order is I P B B P B B...: the P shows three frames on.
      int shown = f;
      if (v.b_frames && f > 0) shown = (f % 3 == 1) ? f + 2 : f - 1;
      for (size_t i = 0; i < au.size(); ++i)
        packets.push_back({seq++, 2 * shown, i + 1 == au.size(), au[i].size()});
    }
    std::vector<P> sent;
    for (size_t i = 0; i < packets.size(); ++i) {
      if (v.lose_every && i % v.lose_every == v.lose_every - 1) continue;
      if (v.reorder_every && i % v.reorder_every == 0 && i + 1 < packets.size()) {
        sent.push_back(packets[i + 1]);
        sent.push_back(packets[i]);
        ++i;
        continue;
      }
      sent.push_back(packets[i]);
      if (v.duplicate_every && i % v.duplicate_every == 0) sent.push_back(packets[i]);
    }
    Bytes out;
    fuzz::put_buffer_header(out, v.header);
    P last{-1, 0, false, 0};
    for (const P& p : sent) {
      fuzz::PacketRecord r;
      r.seq_step = p.seq - last.seq;
      r.ts_step = p.ts - last.ts;
      r.marker = p.marker;
      r.size = static_cast<uint16_t>(p.size);
      r.take = p.marker ? 3 : 0;  // the decode thread looks when a frame may be whole
      fuzz::put_packet_record(out, r);
      last = p;
    }
    seed(t, v.name, out);
  }

  // The fault: a sender starts an FU-A and never ends it (one timestamp, no
  // marker, thousands of packets); the buffer must stay within its bounds.
  // The decode thread is not woken for such packets, so nothing is taken.
  // Packets of 1200 bytes pass the byte bound (2 s: 2 MiB; block: 3 MiB);
  // packets of 1 byte the packet bound (64 KiB: 4096 packets; block, with
  // its 1 MiB of slack: 17408).
  const char* policies[] = {"block", "drop-new", "drop-old", "grow"};
  for (uint8_t policy = 0; policy < 4; ++policy) {
    auto never_ends = [&](const fuzz::BufferHeader& header, int packets, uint16_t size) {
      Bytes out;
      fuzz::put_buffer_header(out, header);
      fuzz::PacketRecord r;
      r.size = size;
      for (int i = 0; i < packets; ++i) fuzz::put_packet_record(out, r);
      return out;
    };
    regression(t, std::string("fu-a-never-ends-") + policies[policy],
               never_ends({policy, 0, 0, 49, 0}, 4000, 1200));
    regression(t, std::string("tiny-packets-never-end-") + policies[policy],
               never_ends({policy, 64, 16, 49, 0}, policy == 0 ? 18000 : 5000, 1));
  }
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
}

void make_units() {
  const std::string t = "units";
  const char* values[] = {
      "500ms",      "2s",          "1.5s",       "0ms",        "250us",
      "2min",       "1.25ms",      "800k",       "4M",         "1.5M",
      "4000000",    "1G",          "65536",      "64k",        "8M",
      "2",          "2%",          "0.5%",       "100",        "2s+2s",
      "500ms+1.5s", "1280x720@30", "320x240@60", "127.0.0.1",  "localhost:5004",
      "[::1]:5004", "[::1]",       "::1",        "host:65535", "3840x2160",
      "8192x4320",
  };
  int n = 0;
  for (const char* v : values) seed(t, std::to_string(n++), text_bytes(v));
  // Boundaries: past kMaxScaled, more than 32 digits, ports out of range.
  const char* edges[] = {
      "1000000000s",
      "1000000000.000001s",
      "999999999999999999999999999999999ms",
      "1000000000000000001",
      "[::1]:65536",
      "[::1]:",
      "7680x7680@240",
      "0.5",
  };
  n = 0;
  for (const char* v : edges) regression(t, "edge-" + std::to_string(n++), text_bytes(v));
}

// Boundary inputs for the parsers without a known fault: the places where
// length checks classically go wrong, so their regressions are never empty.
void make_boundaries(const std::vector<Payloads>& units) {
  const Bytes& small = units.back().back();
  common::RtpHeader h;
  h.sequence = 1;
  Bytes p = rtp(h, small);
  p[0] |= 0x20;
  p.back() = static_cast<uint8_t>(small.size());  // padding eats the whole payload: valid
  regression("rtp", "padding-whole-payload", p);
  Bytes header_only = rtp(h, {});
  header_only[0] |= 0x20;
  header_only.push_back(2);  // padding count one past what follows the header
  regression("rtp", "padding-past-header", header_only);
  Bytes csrcs = rtp(h, {});
  csrcs[0] |= 0x0F;  // 15 CSRCs, 60 bytes, in a 12-byte packet
  regression("rtp", "csrc-count-past-end", csrcs);
  h.send_time_us = 1;
  Bytes ext = rtp(h, {});
  ext[15] = 4;  // extension length one word past the end
  regression("rtp", "extension-past-end", ext);
  Bytes element = rtp(h, {});
  element[16] = 0x1F;  // id 1, 16 bytes, in a 12-byte block
  regression("rtp", "element-past-block", element);

  Bytes rr;
  common::write_receiver_report(common::ReceiverReport{1, {common::ReportBlock{}}}, rr);
  Bytes longer = rr;
  longer[3] += 1;  // length one word past the end
  regression("rtcp", "length-past-end", longer);
  Bytes count = rr;
  count[0] = 0x82;  // two blocks in room for one
  regression("rtcp", "count-past-length", count);
  Bytes padding = rr;
  padding[0] |= 0x20;  // padding, with a count of 0
  regression("rtcp", "padding-zero", padding);
  regression("rtcp", "bye-reason-past-end", Bytes{0x81, 203, 0, 2, 0, 0, 0, 1, 9, 'x', 0, 0});
  // A NACK whose feedback is not whole items once its 2 bytes of padding are gone.
  regression("rtcp", "nack-ragged", Bytes{0xA1, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 5, 0, 2});

  // Deframer: a length split over two reads, a zero-length frame, a 65535-byte frame cut short.
  Bytes stream{0x01, 1, 0x00, 0x03, 1, 2, 3, 0x00, 0x00, 0xFF, 0xFF};
  stream.insert(stream.end(), 1000, 0xAB);
  regression("rfc4571", "split-length-zero-frame-max-frame", stream);

  Bytes hello = common::write_handshake({});
  regression("handshake", "one-byte-short", Bytes(hello.begin(), hello.end() - 1));
  Bytes longer_hello = hello;
  longer_hello.push_back(0);
  regression("handshake", "one-byte-long", longer_hello);
  hello[2] = 'X';
  regression("handshake", "unknown-type", hello);

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

}  // namespace

// H.265 access units, each starting at an AUD (type 35).
std::vector<AccessUnit> h265_access_units(const Bytes& annexb) {
  std::vector<AccessUnit> units;
  for (std::span<const uint8_t> nal : media::split_annexb(annexb)) {
    if (media::h265_nal_type(nal) == media::kH265NalAud || units.empty()) units.emplace_back();
    units.back().insert(units.back().end(), {0, 0, 0, 1});
    units.back().insert(units.back().end(), nal.begin(), nal.end());
  }
  return units;
}

// An access unit without its leading AUD: a keyframe opening with its
// parameter sets, as the server's streams begin.
AccessUnit without_aud(const AccessUnit& au) {
  const auto nals = media::split_annexb(au);
  AccessUnit out;
  for (size_t i = 1; i < nals.size(); ++i) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), nals[i].begin(), nals[i].end());
  }
  return out;
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

// The RTP packets of one access unit from sender ssrc, payload type 96.
std::vector<Bytes> sender_packets(const Payloads& payloads, uint32_t ssrc, uint16_t first_sequence,
                                  uint32_t timestamp) {
  std::vector<Bytes> packets = rtp_packets(payloads, first_sequence, timestamp);
  for (Bytes& p : packets) {  // the SSRC: bytes 8..11
    for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  }
  return packets;
}

void make_network_source(const std::vector<Payloads>& units) {
  const std::string t = "network_source";
  constexpr uint32_t kFirst = 0x5EED0001, kSecond = 0x5EED0002;
  const auto frame = [](const Bytes& packet, Bytes& stream) {
    common::frame_rfc4571(packet, stream);
  };
  const auto rtcp = [&](uint32_t ssrc, uint32_t rtp_time, bool bye, Bytes& stream) {
    Bytes compound;
    common::write_sender_report(
        common::SenderReport{ssrc, 0xE9A1B2C300000000ull, rtp_time, 10, 10000, {}}, compound);
    if (bye) common::write_bye(common::Goodbye{{ssrc}}, compound);
    frame(compound, stream);
  };
  // Byte 0: bit 0 --nack, bits 1..2 the overflow policy (0 block, 1
  // drop-new, 2 drop-old, 3 grow), bits 3..7 --buffer-max in 100 ms - 1.
  const auto put = [&](const std::string& name, uint8_t setup, const Bytes& stream) {
    Bytes in{setup};
    in.insert(in.end(), stream.begin(), stream.end());
    seed(t, name, in);
  };
  constexpr uint8_t k2s = 19 << 3;
  // One sender: its access units, a sender report, then BYE.
  Bytes one;
  uint16_t sequence = 100;
  for (size_t u = 0; u < units.size(); ++u)
    for (const Bytes& p : sender_packets(units[u], kFirst, sequence, 3000 * u)) {
      frame(p, one);
      ++sequence;
    }
  Bytes ended = one;
  rtcp(kFirst, 3000 * units.size(), true, ended);
  put("one-sender-bye", k2s, ended);
  put("one-sender-closed-without-bye", k2s | (2 << 1), one);
  // The sender restarts under a new SSRC after its BYE: new sequence
  // numbers and timestamps, followed once three packets come in sequence.
  Bytes restart = one;
  rtcp(kFirst, 3000 * units.size(), true, restart);
  uint16_t second_sequence = 40000;
  for (size_t u = 0; u < units.size(); ++u)
    for (const Bytes& p :
         sender_packets(units[u], kSecond, second_sequence, 0x80000000u + 3000 * u)) {
      frame(p, restart);
      ++second_sequence;
    }
  rtcp(kSecond, 0x80000000u + 3000 * units.size(), true, restart);
  put("ssrc-switch-after-bye", k2s | 1, restart);
  // A stranger (another SSRC) and another payload type among the packets,
  // and a packet with a gap before it (--nack asks for it).
  Bytes mixed;
  sequence = 100;
  for (size_t u = 0; u < units.size(); ++u) {
    const auto packets = sender_packets(units[u], kFirst, sequence, 3000 * u);
    for (size_t i = 0; i < packets.size(); ++i) {
      if (u == 1 && i == 0) {
        ++sequence;  // lost
        continue;
      }
      frame(packets[i], mixed);
      ++sequence;
    }
    for (Bytes p : sender_packets({units[u].front()}, kSecond, 7, 99)) frame(p, mixed);
    Bytes other_type = sender_packets({units[u].front()}, kFirst, sequence++, 3000 * u).front();
    other_type[1] = static_cast<uint8_t>((other_type[1] & 0x80) | 97);
    frame(other_type, mixed);
  }
  rtcp(kFirst, 3000 * units.size(), true, mixed);
  put("stranger-other-type-gap-nack", 1 | (1 << 1) | k2s, mixed);
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: " << argv[0] << " OUT STREAM.264 STREAM.sdp [MORE.264|MORE.265...]\n";
    return 2;
  }
  try {
    g_out = argv[1];
    const Bytes stream = read_file(argv[2]);
    const std::vector<AccessUnit> units = access_units(stream);
    if (units.size() < 3) throw std::runtime_error("need at least 3 access units");
    const Bytes sdp = read_file(argv[3]);
    std::vector<Bytes> streams{stream};
    // MORE.264: more H.264 streams (SPS seeds); MORE.265: an H.265 stream.
    std::vector<AccessUnit> h265_units;
    for (int i = 4; i < argc; ++i) {
      const std::string name = argv[i];
      if (name.size() > 4 && name.substr(name.size() - 4) == ".265")
        h265_units = h265_access_units(read_file(name));
      else
        streams.push_back(read_file(name));
    }
    for (const char* target :
         {"rtp", "rtcp", "rfc4571", "handshake", "h264_depacketizer", "h264_sps", "receive_buffer",
          "sdp", "units", "payload", "network_source"})
      fs::remove_all(g_out / "corpus" / target);

    std::vector<Payloads> packetized;
    for (const AccessUnit& au : units) packetized.push_back(media::packetize_h264(au, 1200));
    make_rtp(packetized);
    make_rtcp();
    make_rfc4571(packetized);
    make_handshake();
    make_h264(units);
    make_h264_sps(streams);
    make_receive_buffer(packetized);
    make_sdp(std::string(sdp.begin(), sdp.end()), units.front());
    make_units();
    make_boundaries(packetized);
    make_payload(units, h265_units);
    make_network_source(packetized);
  } catch (const std::exception& e) {
    std::cerr << "fuzz_make_corpus: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
