// Fuzz target: common::is_rtcp and common::parse_rtcp on one datagram.
// Asserts: is_rtcp only says yes to version 2 with an RTCP packet type; a
// parsed compound holds no more than its bytes can carry; every report, PLI
// and BYE in it, written again with the project's writer, parses back to one
// packet of its kind that writes the same bytes; every NACK, written again,
// parses back to the same set of lost sequences. (Not the same bytes: the
// writer orders the list from its first entry, and a list spread over more
// than half the sequence space has no one serial order.) Every APP holds at
// most kRtcpMaxAppData bytes of data and, written again, parses back to one
// APP with the same fields and its data padded with zeros to 32 bits (the
// same bytes when it was whole words).
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <vector>

#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "fuzz_input.hpp"

using namespace flowcast::common;

namespace {

// Writes one item, parses the bytes back (one item of the same kind, in
// `kind`), and returns what was parsed. same_bytes: writing that again must
// give the same bytes.
template <typename Item>
Item rewrite(const Item& item, void (*write)(const Item&, std::vector<uint8_t>&),
             std::vector<Item> RtcpCompound::*kind, bool same_bytes = true) {
  std::vector<uint8_t> first;
  write(item, first);
  const auto parsed = parse_rtcp(first);
  FUZZ_CHECK(parsed.has_value());
  const std::vector<Item>& items = (*parsed).*kind;
  FUZZ_CHECK(items.size() == 1);
  FUZZ_CHECK(parsed->sender_reports.size() + parsed->receiver_reports.size() + parsed->plis.size() +
                 parsed->nacks.size() + parsed->byes.size() + parsed->apps.size() +
                 parsed->malformed_apps + parsed->unknown ==
             1);
  if (same_bytes) {
    std::vector<uint8_t> second;
    write(items.front(), second);
    FUZZ_CHECK(first == second);
  }
  return items.front();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> packet(data, size);
  if (is_rtcp(packet)) {
    FUZZ_CHECK(size >= 4 && (data[0] >> 6) == 2 && data[1] >= 192 && data[1] <= 223);
  }
  const auto compound = parse_rtcp(packet);
  if (!compound) return 0;
  FUZZ_CHECK(size % 4 == 0);  // every RTCP packet is whole 32-bit words
  const size_t items = compound->sender_reports.size() + compound->receiver_reports.size() +
                       compound->plis.size() + compound->nacks.size() + compound->byes.size() +
                       compound->apps.size() + compound->malformed_apps + compound->unknown;
  FUZZ_CHECK(items >= 1 && items * 4 <= size);

  for (const auto& sr : compound->sender_reports) {
    FUZZ_CHECK(sr.blocks.size() <= kRtcpMaxCount);
    rewrite(sr, write_sender_report, &RtcpCompound::sender_reports);
  }
  for (const auto& rr : compound->receiver_reports) {
    FUZZ_CHECK(rr.blocks.size() <= kRtcpMaxCount);
    rewrite(rr, write_receiver_report, &RtcpCompound::receiver_reports);
  }
  for (const auto& pli : compound->plis) rewrite(pli, write_pli, &RtcpCompound::plis);
  for (const auto& bye : compound->byes) {
    FUZZ_CHECK(bye.ssrcs.size() <= kRtcpMaxCount);
    rewrite(bye, write_bye, &RtcpCompound::byes);
  }
  for (const auto& app : compound->apps) {
    FUZZ_CHECK(app.data.size() <= kRtcpMaxAppData && app.subtype <= 31);
    std::vector<uint8_t> written;
    FUZZ_CHECK(write_app(app, written));
    const auto again = parse_rtcp(written);
    FUZZ_CHECK(again.has_value() && again->apps.size() == 1 && again->malformed_apps == 0);
    const AppPacket& back = again->apps.front();
    FUZZ_CHECK(back.subtype == app.subtype && back.ssrc == app.ssrc && back.name == app.name);
    std::vector<uint8_t> padded = app.data;
    padded.resize((padded.size() + 3) / 4 * 4, 0);
    FUZZ_CHECK(back.data == padded);
  }
  for (const auto& nack : compound->nacks) {
    const auto& lost = nack.lost_sequences;
    if (lost.empty())
      continue;  // no FCI entry: parsed, though RFC 4585 asks for one; never written
    const auto again = rewrite(nack, write_nack, &RtcpCompound::nacks, false).lost_sequences;
    FUZZ_CHECK(std::set<uint16_t>(again.begin(), again.end()) ==
               std::set<uint16_t>(lost.begin(), lost.end()));
  }
  return 0;
}
