#include "common/rtp/rtcp.hpp"

#include <algorithm>
#include <limits>

#include "common/rtp/sequence.hpp"
#include "common/util/byte_order.hpp"

namespace flowcast::common {
namespace {

constexpr size_t kHeaderSize = 4;
constexpr size_t kReportBlockSize = 24;
constexpr size_t kSenderInfoSize = 20;  // NTP (8) + RTP time + packet count + octet count
constexpr int32_t kMaxCumulativeLost = (1 << 23) - 1;
constexpr int32_t kMinCumulativeLost = -(1 << 23);

// Writes the common header; `body_bytes` excludes the 4-byte header and is a multiple of 4.
void put_header(std::vector<uint8_t>& out, uint8_t count_or_fmt, uint8_t type, size_t body_bytes) {
  out.push_back(static_cast<uint8_t>(0x80 | (count_or_fmt & 0x1F)));
  out.push_back(type);
  put_u16(out, static_cast<uint16_t>(body_bytes / 4));
}

void put_block(std::vector<uint8_t>& out, const ReportBlock& block) {
  put_u32(out, block.ssrc);
  const int32_t lost = std::clamp(block.cumulative_lost, kMinCumulativeLost, kMaxCumulativeLost);
  put_u32(out, (uint32_t{block.fraction_lost} << 24) | (static_cast<uint32_t>(lost) & 0xFFFFFF));
  put_u32(out, block.highest_sequence);
  put_u32(out, block.jitter);
  put_u32(out, block.last_sr);
  put_u32(out, block.delay_since_last_sr);
}

ReportBlock read_block(const uint8_t* p) {
  ReportBlock block;
  block.ssrc = read_u32(p);
  block.fraction_lost = p[4];
  uint32_t lost = (uint32_t{p[5]} << 16) | (uint32_t{p[6]} << 8) | p[7];
  if (lost & 0x800000) lost |= 0xFF000000;  // sign-extend the 24-bit field
  block.cumulative_lost = static_cast<int32_t>(lost);
  block.highest_sequence = read_u32(p + 8);
  block.jitter = read_u32(p + 12);
  block.last_sr = read_u32(p + 16);
  block.delay_since_last_sr = read_u32(p + 20);
  return block;
}

// Writes RR packets for blocks[first..], at most kRtcpMaxCount per packet.
// Writes at least one packet when `at_least_one` (an RR with no blocks is valid).
void put_receiver_reports(std::vector<uint8_t>& out, uint32_t sender_ssrc,
                          std::span<const ReportBlock> blocks, bool at_least_one) {
  bool first = true;
  while (!blocks.empty() || (first && at_least_one)) {
    const size_t n = std::min(blocks.size(), kRtcpMaxCount);
    put_header(out, static_cast<uint8_t>(n), kRtcpReceiverReport, 4 + n * kReportBlockSize);
    put_u32(out, sender_ssrc);
    for (size_t i = 0; i < n; ++i) put_block(out, blocks[i]);
    blocks = blocks.subspan(n);
    first = false;
  }
}

// Body parsers: `body` excludes the common header and padding. Return false if malformed.

bool parse_blocks(std::span<const uint8_t> body, size_t count, std::vector<ReportBlock>& blocks) {
  // Anything after the blocks is a profile-specific extension, which we ignore.
  if (count * kReportBlockSize > body.size()) return false;
  blocks.reserve(count);
  for (size_t i = 0; i < count; ++i)
    blocks.push_back(read_block(body.data() + i * kReportBlockSize));
  return true;
}

bool parse_sender_report(std::span<const uint8_t> body, size_t count, RtcpCompound& result) {
  if (body.size() < 4 + kSenderInfoSize) return false;
  SenderReport report;
  const uint8_t* p = body.data();
  report.sender_ssrc = read_u32(p);
  report.ntp_time = (uint64_t{read_u32(p + 4)} << 32) | read_u32(p + 8);
  report.rtp_time = read_u32(p + 12);
  report.packet_count = read_u32(p + 16);
  report.octet_count = read_u32(p + 20);
  if (!parse_blocks(body.subspan(4 + kSenderInfoSize), count, report.blocks)) return false;
  result.sender_reports.push_back(std::move(report));
  return true;
}

bool parse_receiver_report(std::span<const uint8_t> body, size_t count, RtcpCompound& result) {
  if (body.size() < 4) return false;
  ReceiverReport report;
  report.sender_ssrc = read_u32(body.data());
  if (!parse_blocks(body.subspan(4), count, report.blocks)) return false;
  result.receiver_reports.push_back(std::move(report));
  return true;
}

bool parse_goodbye(std::span<const uint8_t> body, size_t count, RtcpCompound& result) {
  if (count * 4 > body.size()) return false;
  Goodbye bye;
  bye.ssrcs.reserve(count);
  for (size_t i = 0; i < count; ++i) bye.ssrcs.push_back(read_u32(body.data() + i * 4));
  const size_t rest = body.size() - count * 4;
  if (rest > 0) {  // optional reason: a length byte and that many bytes of text
    const size_t reason_length = body[count * 4];
    if (reason_length + 1 > rest) return false;
    const auto* text = body.data() + count * 4 + 1;
    bye.reason.assign(reinterpret_cast<const char*>(text), reason_length);
  }
  result.byes.push_back(std::move(bye));
  return true;
}

bool parse_transport_feedback(std::span<const uint8_t> body, uint8_t fmt, RtcpCompound& result) {
  if (body.size() < 8) return false;
  if (fmt != kRtcpFmtGenericNack) {
    ++result.unknown;
    return true;
  }
  if ((body.size() - 8) % 4 != 0) return false;
  GenericNack nack;
  nack.sender_ssrc = read_u32(body.data());
  nack.media_ssrc = read_u32(body.data() + 4);
  for (size_t pos = 8; pos < body.size(); pos += 4) {
    const uint16_t pid = read_u16(body.data() + pos);
    const uint16_t blp = read_u16(body.data() + pos + 2);
    nack.lost_sequences.push_back(pid);
    for (int bit = 0; bit < 16; ++bit) {
      if (blp & (1u << bit)) nack.lost_sequences.push_back(static_cast<uint16_t>(pid + bit + 1));
    }
  }
  result.nacks.push_back(std::move(nack));
  return true;
}

void parse_app(std::span<const uint8_t> body, uint8_t subtype, RtcpCompound& result) {
  if (body.size() < 8 || body.size() - 8 > kRtcpMaxAppData) {
    ++result.malformed_apps;
    return;
  }
  AppPacket app;
  app.subtype = subtype;
  app.ssrc = read_u32(body.data());
  std::copy_n(body.data() + 4, 4, reinterpret_cast<uint8_t*>(app.name.data()));
  app.data.assign(body.begin() + 8, body.end());
  result.apps.push_back(std::move(app));
}

bool parse_payload_feedback(std::span<const uint8_t> body, uint8_t fmt, RtcpCompound& result) {
  if (body.size() < 8) return false;
  if (fmt != kRtcpFmtPli) {
    ++result.unknown;
    return true;
  }
  result.plis.push_back({read_u32(body.data()), read_u32(body.data() + 4)});
  return true;
}

}  // namespace

void write_receiver_report(const ReceiverReport& report, std::vector<uint8_t>& out) {
  put_receiver_reports(out, report.sender_ssrc, report.blocks, true);
}

void write_sender_report(const SenderReport& report, std::vector<uint8_t>& out) {
  const size_t n = std::min(report.blocks.size(), kRtcpMaxCount);
  put_header(out, static_cast<uint8_t>(n), kRtcpSenderReport,
             4 + kSenderInfoSize + n * kReportBlockSize);
  put_u32(out, report.sender_ssrc);
  put_u32(out, static_cast<uint32_t>(report.ntp_time >> 32));
  put_u32(out, static_cast<uint32_t>(report.ntp_time));
  put_u32(out, report.rtp_time);
  put_u32(out, report.packet_count);
  put_u32(out, report.octet_count);
  for (size_t i = 0; i < n; ++i) put_block(out, report.blocks[i]);
  put_receiver_reports(out, report.sender_ssrc, std::span(report.blocks).subspan(n), false);
}

void write_pli(const PictureLossIndication& pli, std::vector<uint8_t>& out) {
  put_header(out, kRtcpFmtPli, kRtcpPayloadFeedback, 8);
  put_u32(out, pli.sender_ssrc);
  put_u32(out, pli.media_ssrc);
}

void write_nack(const GenericNack& nack, std::vector<uint8_t>& out) {
  if (nack.lost_sequences.empty()) return;
  std::vector<uint16_t> sorted = nack.lost_sequences;
  // Order by distance from the first entry so a list spanning 65535 -> 0 stays in serial order.
  const uint16_t base = sorted.front();
  auto offset = [base](uint16_t s) { return sequence_delta(s, base); };
  std::sort(sorted.begin(), sorted.end(),
            [&](uint16_t a, uint16_t b) { return offset(a) < offset(b); });
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());

  std::vector<std::pair<uint16_t, uint16_t>> items;
  for (uint16_t seq : sorted) {
    if (!items.empty()) {
      const int32_t distance = offset(seq) - offset(items.back().first);
      if (distance >= 1 && distance <= 16) {
        items.back().second = static_cast<uint16_t>(items.back().second | (1u << (distance - 1)));
        continue;
      }
    }
    items.emplace_back(seq, 0);
  }
  put_header(out, kRtcpFmtGenericNack, kRtcpTransportFeedback, 8 + items.size() * 4);
  put_u32(out, nack.sender_ssrc);
  put_u32(out, nack.media_ssrc);
  for (const auto& [pid, blp] : items) {
    put_u16(out, pid);
    put_u16(out, blp);
  }
}

void write_bye(const Goodbye& bye, std::vector<uint8_t>& out) {
  std::span<const uint32_t> ssrcs = bye.ssrcs;
  bool first = true;
  const size_t reason = std::min<size_t>(bye.reason.size(), 255);
  while (!ssrcs.empty() || first) {
    const size_t n = std::min(ssrcs.size(), kRtcpMaxCount);
    // The reason goes with the last SSRCs: a length byte, the text, and
    // zeros up to a 32-bit boundary.
    const bool last = ssrcs.size() == n;
    const size_t text = last && reason > 0 ? (1 + reason + 3) / 4 * 4 : 0;
    put_header(out, static_cast<uint8_t>(n), kRtcpGoodbye, n * 4 + text);
    for (size_t i = 0; i < n; ++i) put_u32(out, ssrcs[i]);
    if (text > 0) {
      out.push_back(static_cast<uint8_t>(reason));
      out.insert(out.end(), bye.reason.begin(), bye.reason.begin() + static_cast<long>(reason));
      out.insert(out.end(), text - 1 - reason, 0);
    }
    ssrcs = ssrcs.subspan(n);
    first = false;
  }
}

void write_goodbye(uint32_t ssrc, const std::string& reason, std::vector<uint8_t>& out) {
  write_receiver_report(ReceiverReport{ssrc, {}}, out);
  write_bye(Goodbye{{ssrc}, reason}, out);
}

void write_sdes_cname(uint32_t ssrc, const std::string& cname, std::vector<uint8_t>& out) {
  constexpr uint8_t kCname = 1;
  const size_t length = std::min<size_t>(cname.size(), 255);
  // SSRC, type, length, text, then at least one null octet up to a 32-bit
  // boundary (§6.5: the item list ends with a null item).
  const size_t chunk = 4 + 2 + length;
  const size_t padded = (chunk + 1 + 3) / 4 * 4;
  put_header(out, 1, kRtcpSourceDescription, padded);
  put_u32(out, ssrc);
  out.push_back(kCname);
  out.push_back(static_cast<uint8_t>(length));
  out.insert(out.end(), cname.begin(), cname.begin() + static_cast<std::ptrdiff_t>(length));
  out.insert(out.end(), padded - chunk, 0);
}

bool write_app(const AppPacket& app, std::vector<uint8_t>& out) {
  if (app.data.size() > kRtcpMaxAppData) return false;
  const size_t padded = (app.data.size() + 3) / 4 * 4;
  put_header(out, app.subtype, kRtcpApplication, 8 + padded);
  put_u32(out, app.ssrc);
  out.insert(out.end(), app.name.begin(), app.name.end());
  out.insert(out.end(), app.data.begin(), app.data.end());
  out.insert(out.end(), padded - app.data.size(), 0);
  return true;
}

std::optional<RtcpCompound> parse_rtcp(std::span<const uint8_t> compound) {
  if (compound.empty()) return std::nullopt;
  RtcpCompound result;
  size_t pos = 0;
  while (pos < compound.size()) {
    if (compound.size() - pos < kHeaderSize) return std::nullopt;
    const uint8_t* p = compound.data() + pos;
    if ((p[0] >> 6) != 2) return std::nullopt;
    const bool has_padding = (p[0] & 0x20) != 0;
    const uint8_t count = p[0] & 0x1F;
    const uint8_t type = p[1];
    const size_t length = (size_t{read_u16(p + 2)} + 1) * 4;
    if (length > compound.size() - pos) return std::nullopt;
    std::span<const uint8_t> body = compound.subspan(pos + kHeaderSize, length - kHeaderSize);
    if (has_padding) {
      // The last byte counts the padding, itself included.
      if (body.empty()) return std::nullopt;
      const size_t padding = body.back();
      if (padding == 0 || padding > body.size()) return std::nullopt;
      body = body.first(body.size() - padding);
    }

    bool ok = true;
    switch (type) {
      case kRtcpSenderReport:
        ok = parse_sender_report(body, count, result);
        break;
      case kRtcpReceiverReport:
        ok = parse_receiver_report(body, count, result);
        break;
      case kRtcpGoodbye:
        ok = parse_goodbye(body, count, result);
        break;
      case kRtcpTransportFeedback:
        ok = parse_transport_feedback(body, count, result);
        break;
      case kRtcpPayloadFeedback:
        ok = parse_payload_feedback(body, count, result);
        break;
      case kRtcpApplication:
        parse_app(body, count, result);
        break;
      default:
        ++result.unknown;
    }
    if (!ok) return std::nullopt;
    pos += length;
  }
  return result;
}

}  // namespace flowcast::common
