#include "corpus_writer.hpp"

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "media/payload/h264_packetizer.hpp"
#include "media/payload/h265_packetizer.hpp"

namespace flowcast::fuzz::corpus {

namespace fs = std::filesystem;

namespace {

fs::path g_out;

void write_file(const fs::path& path, std::span<const uint8_t> bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

void set_out(const fs::path& out) {
  g_out = out;
}

const fs::path& out() {
  return g_out;
}

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return Bytes(std::istreambuf_iterator<char>(in), {});
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

std::vector<Bytes> sender_packets(const Payloads& payloads, uint32_t ssrc, uint16_t first_sequence,
                                  uint32_t timestamp) {
  std::vector<Bytes> packets = rtp_packets(payloads, first_sequence, timestamp);
  for (Bytes& p : packets) {  // the SSRC: bytes 8..11
    for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  }
  return packets;
}

}  // namespace flowcast::fuzz::corpus
