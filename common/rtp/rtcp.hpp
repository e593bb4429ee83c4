// RTCP codecs: RFC 3550 receiver reports, sender reports (written for tests and
// peers, parsed for the client), BYE, APP; RFC 4585 PLI (PT 206 FMT 1) and
// generic NACK (PT 205 FMT 1). Pure byte code. Safe on hostile input: parse never
// reads past the buffer and never throws.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace flowcast::common {

inline constexpr uint8_t kRtcpSenderReport = 200;
inline constexpr uint8_t kRtcpReceiverReport = 201;
inline constexpr uint8_t kRtcpSourceDescription = 202;
inline constexpr uint8_t kRtcpGoodbye = 203;
inline constexpr uint8_t kRtcpApplication = 204;        // APP, RFC 3550 §6.7
inline constexpr uint8_t kRtcpTransportFeedback = 205;  // RTPFB
inline constexpr uint8_t kRtcpPayloadFeedback = 206;    // PSFB
inline constexpr uint8_t kRtcpFmtGenericNack = 1;
inline constexpr uint8_t kRtcpFmtPli = 1;
// The RC/SC field has five bits: writers split longer lists over several packets.
inline constexpr size_t kRtcpMaxCount = 31;

struct ReportBlock {
  uint32_t ssrc = 0;
  uint8_t fraction_lost = 0;
  int32_t cumulative_lost = 0;  // 24-bit signed on the wire; writers clamp
  uint32_t highest_sequence = 0;
  uint32_t jitter = 0;
  uint32_t last_sr = 0;
  uint32_t delay_since_last_sr = 0;
};

struct ReceiverReport {
  uint32_t sender_ssrc = 0;
  std::vector<ReportBlock> blocks;
};

struct SenderReport {
  uint32_t sender_ssrc = 0;
  uint64_t ntp_time = 0;
  uint32_t rtp_time = 0;
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;
  std::vector<ReportBlock> blocks{};
};

struct PictureLossIndication {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
};

struct GenericNack {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  std::vector<uint16_t> lost_sequences;
};

struct Goodbye {
  std::vector<uint32_t> ssrcs;
  // RFC 3550 §6.6: the reason for leaving, at most 255 bytes of text (the
  // writer cuts a longer one). As read, it is the peer's bytes: sanitize
  // before showing it.
  std::string reason{};
};

// RFC 3550 §6.7: an application-defined packet.
struct AppPacket {
  uint8_t subtype = 0;  // five bits on the wire
  uint32_t ssrc = 0;
  std::array<char, 4> name{};  // four ASCII characters, case-sensitive
  // The application-dependent data. Written padded with zero bytes to a
  // 32-bit boundary; read as it is on the wire (padding included), at most
  // kRtcpMaxAppData bytes.
  std::vector<uint8_t> data{};
};
// The most APP data flowcast writes or reads in one packet (bytes): an SDP
// of a few streams is well under 1 KiB; a peer cannot make a reader hold
// more per packet.
inline constexpr size_t kRtcpMaxAppData = 16 * 1024;
// flowcast's session description (docs/ARCHITECTURE.md "Media streams on
// the wire"): subtype 0, the data the session's SDP text (RFC 8866).
inline constexpr std::array<char, 4> kAppSessionDescription = {'F', 'C', 'S', 'D'};

// Everything found in one compound packet, each kind in wire order.
struct RtcpCompound {
  std::vector<SenderReport> sender_reports;
  std::vector<ReceiverReport> receiver_reports;
  std::vector<PictureLossIndication> plis;
  std::vector<GenericNack> nacks;
  std::vector<Goodbye> byes;
  std::vector<AppPacket> apps;
  // APP packets skipped, the rest of the compound read: too short for an
  // SSRC and a name, or more than kRtcpMaxAppData bytes of data.
  size_t malformed_apps = 0;
  size_t unknown = 0;  // well-formed packets of other types/FMTs (SDES, FIR, ...)
};

// All write_* append one or more complete RTCP packets to `out`; concatenating
// several calls builds a compound packet. None throws.

// More than 31 blocks continue in further RR packets with the same sender SSRC.
void write_receiver_report(const ReceiverReport& report, std::vector<uint8_t>& out);
// More than 31 blocks continue in RR packets after the SR (RFC 3550 6.4.2).
void write_sender_report(const SenderReport& report, std::vector<uint8_t>& out);
void write_pli(const PictureLossIndication& pli, std::vector<uint8_t>& out);
// Packs the lost sequences into PID+BLP pairs, in serial order starting from
// the oldest (relative to the first entry, so lists across the 65535 wrap stay
// in order); duplicates collapse. Appends nothing when the list is empty
// (RFC 4585 requires at least one FCI entry).
void write_nack(const GenericNack& nack, std::vector<uint8_t>& out);
// More than 31 SSRCs continue in further BYE packets; the reason (cut to
// 255 bytes) goes in the last one.
void write_bye(const Goodbye& bye, std::vector<uint8_t>& out);
// The compound packet `ssrc` leaves with: an empty receiver report first, as
// RFC 3550 §6.1 asks of every compound packet (receivers such as ffmpeg
// ignore a BYE on its own), then its BYE with `reason` (§6.6; empty: none).
void write_goodbye(uint32_t ssrc, const std::string& reason, std::vector<uint8_t>& out);
// An SDES packet (RFC 3550 §6.5) with one chunk: `ssrc` and its CNAME item
// (§6.5.1; cut to 255 bytes), null-terminated and padded to 32 bits. The
// streams of one sender share one CNAME, which ties them together for lip
// sync.
void write_sdes_cname(uint32_t ssrc, const std::string& cname, std::vector<uint8_t>& out);
// An APP packet (RFC 3550 §6.7): its data padded with zero bytes to a
// 32-bit boundary. Appends nothing and returns false when the data is over
// kRtcpMaxAppData bytes.
bool write_app(const AppPacket& app, std::vector<uint8_t>& out);

// Parses a compound (or RFC 5506 reduced-size) RTCP packet. Returns nullopt if
// it is empty or any packet in it is malformed: not version 2, a length that
// runs past the buffer, a count that does not fit in the length, bad padding.
// Unknown packet types and feedback FMTs are skipped and counted in `unknown`;
// an APP packet that is whole but unusable (see malformed_apps) is skipped
// and counted there.
std::optional<RtcpCompound> parse_rtcp(std::span<const uint8_t> compound);

}  // namespace flowcast::common
