// AAC over RTP, RFC 3640 mpeg4-generic AAC-hbr, as a PayloadFormat: the
// packetizer and depacketizer of aac_payload.hpp and the SDP's fmtp (§4.1).
#include "media/payload/aac_payload.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "media/payload/fmtp.hpp"

namespace flowcast::media {
namespace {

constexpr size_t kAuHeaderBytes = 2;  // sizelength 13 + indexlength 3
constexpr size_t kHeadBytes = 2 + kAuHeaderBytes;

std::vector<uint8_t> head(size_t unit_size) {
  // AU-headers-length: 16 bits of AU-header; then size << 3 | index 0.
  const auto au = static_cast<uint16_t>(unit_size << 3);
  return {0x00, 0x10, static_cast<uint8_t>(au >> 8), static_cast<uint8_t>(au & 0xFF)};
}

class AacDepacketizer final : public Depacketizer {
 public:
  void push(std::span<const uint8_t> payload, bool gap_before) override {
    if (gap_before && !fragment_.empty()) {
      fragment_.clear();
      ++unit_.dropped_nals;
      unit_.complete = false;
    }
    if (gap_before) unit_.complete = false;
    if (payload.size() < 2) return drop();
    const size_t header_bits = (size_t{payload[0]} << 8) | payload[1];
    const size_t header_bytes = (header_bits + 7) / 8;
    if (header_bits == 0 || header_bits % 16 != 0 || 2 + header_bytes > payload.size())
      return drop();
    std::vector<size_t> sizes;
    for (size_t at = 2; at < 2 + header_bytes; at += 2)
      sizes.push_back(((size_t{payload[at]} << 8) | payload[at + 1]) >> 3);
    std::span<const uint8_t> data = payload.subspan(2 + header_bytes);
    // An access unit of no bytes is no frame (and an empty packet would put
    // a decoder into draining).
    if (std::find(sizes.begin(), sizes.end(), size_t{0}) != sizes.end()) return drop();
    if (sizes.size() == 1 && (sizes[0] > data.size() || !fragment_.empty())) {
      // A fragment (§3.2.3): every one says the whole unit's size.
      // One that says another size: the unit before it is lost.
      if (!fragment_.empty() && expected_ != sizes[0]) {
        fragment_.clear();
        drop();
      }
      if (fragment_.empty() && data.size() >= sizes[0]) return take(data.first(sizes[0]));
      expected_ = sizes[0];
      if (fragment_.size() + data.size() > expected_) {
        fragment_.clear();
        return drop();
      }
      fragment_.insert(fragment_.end(), data.begin(), data.end());
      if (fragment_.size() == expected_) {
        take(fragment_);
        fragment_.clear();
      }
      return;
    }
    for (size_t size : sizes) {
      if (size == 0 || size > data.size()) return drop();
      take(data.first(size));
      data = data.subspan(size);
    }
  }

  DepacketizedUnit finish() override {
    // The marker is on a unit's last fragment: one still short is lost.
    if (!fragment_.empty()) {
      fragment_.clear();
      drop();
    }
    DepacketizedUnit out = std::move(unit_);
    unit_ = DepacketizedUnit{};
    out.keyframe = !out.annexb.empty();  // every AAC frame decodes on its own
    return out;
  }

 private:
  void drop() {
    ++unit_.dropped_nals;
    unit_.complete = false;
  }
  void take(std::span<const uint8_t> frame) {
    if (unit_.annexb.size() + frame.size() > kMaxAacUnitBytes * 4) return drop();
    unit_.annexb.insert(unit_.annexb.end(), frame.begin(), frame.end());
    unit_.frame_sizes.push_back(frame.size());
  }

  DepacketizedUnit unit_;
  std::vector<uint8_t> fragment_;
  size_t expected_ = 0;
};

std::string hex(std::span<const uint8_t> bytes) {
  std::string out;
  char digits[3];
  for (uint8_t b : bytes) {
    std::snprintf(digits, sizeof digits, "%02x", b);
    out += digits;
  }
  return out;
}

std::optional<FormatParameters> describe_aac(const std::vector<std::span<const uint8_t>>& nals) {
  // The one "unit" is the AudioSpecificConfig (the container's extradata).
  if (nals.empty() || nals.front().size() < 2) return std::nullopt;
  FormatParameters p;
  p.config.assign(nals.front().begin(), nals.front().end());
  return p;
}

std::string write_aac_fmtp(const FormatParameters& p) {
  return "streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; "
         "indexdeltalength=3; config=" +
         hex(p.config);
}

void read_aac_fmtp(const FmtpItems& items, FormatParameters& p) {
  bool hbr = false;
  for (const auto& [key, value] : items) {
    if (key == "mode") {
      hbr = lower_fmtp(value) == "aac-hbr";
      if (!hbr) throw FormatParameterError("mode=" + quote_fmtp(value) + " is not AAC-hbr");
    } else if (key == "sizelength" && value != "13") {
      throw FormatParameterError("sizelength=" + quote_fmtp(value) + " is not 13 (AAC-hbr)");
    } else if ((key == "indexlength" || key == "indexdeltalength") && value != "3") {
      throw FormatParameterError(key + "=" + quote_fmtp(value) + " is not 3 (AAC-hbr)");
    } else if (key == "config") {
      if (value.size() % 2 != 0 || value.size() > 64)
        throw FormatParameterError("config=" + quote_fmtp(value) + " is not hex bytes");
      p.config.clear();
      for (size_t i = 0; i < value.size(); i += 2) {
        uint8_t byte = 0;
        const char* first = value.data() + i;
        const auto [end, ec] = std::from_chars(first, first + 2, byte, 16);
        if (ec != std::errc() || end != first + 2)
          throw FormatParameterError("config=" + quote_fmtp(value) + " is not hex");
        p.config.push_back(byte);
      }
    }
  }
  if (!hbr) throw FormatParameterError("mpeg4-generic without mode=AAC-hbr");
  // RFC 3640 §4.1: config is required; raw AAC does not decode without it.
  if (p.config.empty()) throw FormatParameterError("mpeg4-generic without config=");
}

std::vector<std::vector<uint8_t>> packetize_aac_payloads(std::span<const uint8_t> unit,
                                                         size_t max_payload) {
  return packetize_aac(unit, max_payload);
}

const PayloadFormat kAac = {
    .media = "audio",
    .encoding_name = "mpeg4-generic",
    .specification = "RFC 3640",
    .display_name = "AAC",
    .option_name = "aac",
    .codec_id = AV_CODEC_ID_AAC,
    .clock_rate = 0,
    .annexb_filter = {},
    .frame_filter = "aac_adtstoasc",
    .encoder = {},
    .make_depacketizer = &make_aac_depacketizer,
    .packetize = &packetize_aac_payloads,
    .describe = &describe_aac,
    .write_fmtp = &write_aac_fmtp,
    .read_fmtp = &read_aac_fmtp,
};

}  // namespace

std::vector<std::vector<uint8_t>> packetize_aac(std::span<const uint8_t> unit, size_t max_payload) {
  std::vector<std::vector<uint8_t>> out;
  if (unit.empty() || unit.size() > kMaxAacUnitBytes) return out;
  const size_t room = std::max<size_t>(max_payload, kHeadBytes + 1) - kHeadBytes;
  for (size_t at = 0; at < unit.size(); at += room) {
    const size_t n = std::min(room, unit.size() - at);
    std::vector<uint8_t> payload = head(unit.size());
    payload.insert(payload.end(), unit.begin() + static_cast<std::ptrdiff_t>(at),
                   unit.begin() + static_cast<std::ptrdiff_t>(at + n));
    out.push_back(std::move(payload));
  }
  return out;
}

std::unique_ptr<Depacketizer> make_aac_depacketizer() {
  return std::make_unique<AacDepacketizer>();
}

const PayloadFormat& aac_payload_format() {
  return kAac;
}

}  // namespace flowcast::media
