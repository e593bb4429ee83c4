#pragma once
// The plumbing of fuzz_make_corpus (make_corpus.cpp): where seeds and
// written regressions go, and the access units and RTP packets the targets'
// seeds are made of, built with flowcast's own writers. Main thread only;
// file errors throw std::runtime_error.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/rtp/rtp_packet.hpp"

namespace flowcast::fuzz::corpus {

using Bytes = std::vector<uint8_t>;
using AccessUnit = Bytes;  // Annex B, 4-byte start codes
using Payloads = std::vector<Bytes>;

// OUT, tests/fuzz: seeds go to OUT/corpus/TARGET/, regressions to
// OUT/regressions/TARGET/. Set once, before anything is written.
void set_out(const std::filesystem::path& out);
const std::filesystem::path& out();

Bytes read_file(const std::filesystem::path& path);
Bytes text_bytes(std::string_view text);
// Writes a seed of `target`'s corpus, or one of its regressions.
void seed(const std::string& target, const std::string& name, std::span<const uint8_t> bytes);
void regression(const std::string& target, const std::string& name, std::span<const uint8_t> bytes);

// The stream's NAL units grouped into access units, each starting at an AUD:
// H.264 (type 9) and H.265 (type 35).
std::vector<AccessUnit> access_units(const Bytes& annexb);
std::vector<AccessUnit> h265_access_units(const Bytes& annexb);
// An access unit without its leading AUD: a keyframe opening with its
// parameter sets, as the server's streams begin.
AccessUnit without_aud(const AccessUnit& au);

// One RTP packet (common::write_rtp).
Bytes rtp(const common::RtpHeader& header, std::span<const uint8_t> payload);
// The packets of one access unit as the server sends them: SSRC 0x5EED0001,
// the marker on the last, send times 250 us apart.
std::vector<Bytes> rtp_packets(const Payloads& payloads, uint16_t first_sequence,
                               uint32_t timestamp);
// The same from sender ssrc.
std::vector<Bytes> sender_packets(const Payloads& payloads, uint32_t ssrc, uint16_t first_sequence,
                                  uint32_t timestamp);

}  // namespace flowcast::fuzz::corpus
