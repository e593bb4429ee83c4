// fuzz_make_corpus: the seeds and regressions of the targets of common/
// (corpus_targets.hpp).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/rtp/handshake.hpp"
#include "common/rtp/rfc4571.hpp"
#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "corpus_targets.hpp"

namespace flowcast::fuzz::corpus {

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
  // The server's first report of a session with audio: SR, SDES, APP "FCSD".
  compound = packet(common::write_sender_report,
                    common::SenderReport{0x5EED0001, 0xE1234567'89ABCDEF, 90000, 1000, 1'200'000});
  common::write_sdes_cname(0x5EED0001, "0123456789abcdef01234567", compound);
  const std::string sdp = "v=0\r\ns=flowcast\r\nm=audio 0 RTP/AVP 97\r\n";
  common::write_app({.ssrc = 0x5EED0001,
                     .name = common::kAppSessionDescription,
                     .data = Bytes(sdp.begin(), sdp.end())},
                    compound);
  seed(t, "compound-sr-sdes-app", compound);
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
void make_wire_boundaries(const std::vector<Payloads>& units) {
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
}

}  // namespace flowcast::fuzz::corpus
