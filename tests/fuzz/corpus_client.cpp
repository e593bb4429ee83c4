// fuzz_make_corpus: the seeds and regressions of the targets of client/
// (corpus_targets.hpp).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/rtp/rfc4571.hpp"
#include "common/rtp/rtcp.hpp"
#include "corpus_targets.hpp"
#include "fuzz_input.hpp"

namespace flowcast::fuzz::corpus {

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
  // The same, described in band first (flowcast-server's first report of a
  // file with sound: RR, SDES, APP "FCSD" with the session's SDP).
  Bytes described;
  common::write_receiver_report(common::ReceiverReport{kFirst, {}}, described);
  common::write_sdes_cname(kFirst, "0123456789abcdef01234567", described);
  const std::string sdp =
      "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=flowcast\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
      "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n"
      "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 mpeg4-generic/44100/2\r\na=fmtp:97 streamtype=5; "
      "profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; indexdeltalength=3; "
      "config=1210\r\n";
  common::write_app({.ssrc = kFirst,
                     .name = common::kAppSessionDescription,
                     .data = Bytes(sdp.begin(), sdp.end())},
                    described);
  Bytes described_stream;
  frame(described, described_stream);
  described_stream.insert(described_stream.end(), ended.begin(), ended.end());
  put("described-in-band", k2s, described_stream);
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

}  // namespace flowcast::fuzz::corpus
