// RFC 7798 on real libx265 access units: the packetizer and depacketizer
// round trip (NAL units past 64 KiB, aggregation packets, FU with S and E),
// what the depacketizer drops, the SPS size reader against ffprobe, and the
// SDP of an H.265 stream read and written back.
#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "media/payload/h264_packetizer.hpp"
#include "media/payload/h265_packetizer.hpp"
#include "media/payload/payload_format.hpp"
#include "media/sdp/sdp.hpp"
#include "support/process.hpp"

using namespace flowcast::media;
using flowcast::test::run_shell;
using flowcast::test::TempDir;
using Bytes = std::vector<uint8_t>;

namespace {

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// The access units of a raw H.265 stream written with access unit
// delimiters: each begins at an AUD.
std::vector<Bytes> access_units(const Bytes& stream) {
  std::vector<Bytes> units;
  for (auto nal : split_annexb(stream)) {
    if (h265_nal_type(nal) == kH265NalAud || units.empty()) units.emplace_back();
    units.back().insert(units.back().end(), {0, 0, 0, 1});
    units.back().insert(units.back().end(), nal.begin(), nal.end());
  }
  return units;
}

// libx265 access units of the test pattern; noisy ones are lossless, so
// their IRAP slice is far larger than 64 KiB.
std::vector<Bytes> encode(const TempDir& dir, bool noisy) {
  const std::string out = dir.file(noisy ? "noisy.265" : "clip.265");
  REQUIRE(run_shell(std::string("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=") +
                    (noisy ? "640x480" : "320x240") + ":rate=30 " +
                    (noisy ? "-vf noise=alls=80:allf=t " : "") +
                    "-frames:v 6 -c:v libx265 -x265-params log-level=error" +
                    (noisy ? ":lossless=1" : ":bframes=3:keyint=4") +
                    " -bsf:v hevc_metadata=aud=insert -f hevc '" + out + "'") == 0);
  return access_units(read_bytes(out));
}

Bytes depacketize(const std::vector<Bytes>& payloads,
                  H265Depacketizer::AccessUnit* info = nullptr) {
  H265Depacketizer d;
  for (const auto& p : payloads) d.push(p, false);
  auto unit = d.finish();
  if (info) *info = unit;
  return unit.annexb;
}

}  // namespace

TEST_CASE("H.265: real access units survive packetization, NAL units past 64 KiB too",
          "[unit][h265]") {
  TempDir dir;
  for (bool noisy : {false, true}) {
    INFO((noisy ? "lossless noise" : "the pattern with B-frames"));
    const auto units = encode(dir, noisy);
    REQUIRE(units.size() == 6);
    size_t largest = 0, fragments = 0;
    for (const auto& unit : units) {
      for (auto nal : split_annexb(unit)) largest = std::max(largest, nal.size());
      const auto payloads = packetize_h265(unit, 1200);
      for (const auto& p : payloads) {
        REQUIRE(p.size() <= 1200);
        fragments += h265_nal_type(p) == kH265NalFu;
      }
      H265Depacketizer::AccessUnit info;
      CHECK(depacketize(payloads, &info) == unit);
      CHECK(info.complete);
      CHECK(info.dropped_nals == 0);
    }
    CHECK(fragments > 0);
    if (noisy) CHECK(largest > 65536);
    // The first access unit is the IRAP picture with VPS, SPS and PPS.
    H265Depacketizer::AccessUnit first;
    depacketize(packetize_h265(units[0], 1200), &first);
    CHECK(first.irap);
    CHECK(first.parameter_sets);
    size_t irap = 0;
    for (const auto& unit : units) {
      H265Depacketizer::AccessUnit info;
      depacketize(packetize_h265(unit, 1200), &info);
      irap += info.irap;
    }
    CHECK(irap >= 1);
    if (!noisy) CHECK(irap < units.size());
  }
}

TEST_CASE("H.265: aggregation packets and an FU with S and E are read", "[unit][h265]") {
  TempDir dir;
  const auto units = encode(dir, false);
  const auto nals = split_annexb(units[0]);
  std::vector<std::span<const uint8_t>> sets, rest;
  for (auto nal : nals) {
    const uint8_t t = h265_nal_type(nal);
    (t == kH265NalVps || t == kH265NalSps || t == kH265NalPps ? sets : rest).push_back(nal);
  }
  REQUIRE(sets.size() == 3);
  std::vector<Bytes> payloads = {make_h265_ap(sets)};
  for (auto nal : rest) {
    if (nal.size() < 1000) {
      // One FU with S and E: RFC 7798 forbids it, senders do it.
      Bytes fu = {static_cast<uint8_t>((nal[0] & 0x81) | (kH265NalFu << 1)), nal[1],
                  static_cast<uint8_t>(0xC0 | h265_nal_type(nal))};
      fu.insert(fu.end(), nal.begin() + 2, nal.end());
      payloads.push_back(fu);
    } else {
      Bytes annexb = {0, 0, 0, 1};
      annexb.insert(annexb.end(), nal.begin(), nal.end());
      for (auto& p : packetize_h265(annexb, 1200)) payloads.push_back(p);
    }
  }
  // The parameter sets went first, in the AP; the rest in order.
  Bytes expected;
  for (const auto& group : {sets, rest})
    for (auto nal : group) {
      expected.insert(expected.end(), {0, 0, 0, 1});
      expected.insert(expected.end(), nal.begin(), nal.end());
    }
  H265Depacketizer::AccessUnit info;
  const Bytes got = depacketize(payloads, &info);
  CHECK(got == expected);
  CHECK(info.complete);
  CHECK(info.nonconformant_packets >= 1);
}

TEST_CASE("H.265: what the depacketizer cannot read is dropped and counted",
          "[unit][h265][hostile]") {
  const Bytes good = {0x02, 0x01, 0xAA, 0xBB};  // TRAIL_R
  const auto dropped = [&](const Bytes& bad) {
    H265Depacketizer d;
    d.push(bad, false);
    d.push(good, false);
    const auto unit = d.finish();
    return unit.dropped_nals >= 1 && !unit.complete && unit.annexb.size() >= good.size();
  };
  CHECK(dropped({0x02}));                                // shorter than the header
  CHECK(dropped({0x64, 0x01, 0xAA}));                    // PACI
  CHECK(dropped({0x60, 0x01, 0x00, 0x09, 0x02, 0x01}));  // AP size past the end
  CHECK(dropped({0x60, 0x01, 0x00, 0x01, 0x02}));        // AP unit shorter than a header
  CHECK(dropped({0x60, 0x01, 0x00, 0x02, 0x60, 0x01}));  // nested AP
  CHECK(dropped({0x62, 0x01, 0x81}));                    // FU without data
  CHECK(dropped({0x62, 0x01, 0xB0, 0xAA}));              // fragmenting an AP
  CHECK(dropped({0x62, 0x01, 0x41, 0xAA}));              // an end without its start
}

TEST_CASE("H.265: the SPS reader gives the coded size ffprobe gives", "[unit][h265]") {
  TempDir dir;
  for (const char* size : {"320x240", "1280x720"}) {
    INFO(size);
    const std::string out = dir.file("s.265");
    REQUIRE(run_shell(std::string("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=") + size +
                      " -frames:v 1 -c:v libx265 -x265-params log-level=error -f hevc '" + out +
                      "'") == 0);
    std::optional<PictureSize> got;
    const Bytes stream = read_bytes(out);
    for (auto nal : split_annexb(stream))
      if (auto s = h265_payload_format().picture_size(nal)) got = s;
    REQUIRE(got);
    CHECK(got->to_string() == size);
  }
  CHECK_FALSE(h265_sps_picture_size(Bytes{0x42, 0x01}));  // an SPS that ends at once
}

TEST_CASE("H.265: the SDP is written and read back, and DONL is refused", "[unit][h265][sdp]") {
  const Bytes vps = {0x40, 0x01, 0x0C}, sps = {0x42, 0x01, 0x01}, pps = {0x44, 0x01, 0xC1};
  auto d = describe_h265_stream({vps, sps, pps}, "127.0.0.1", 5006);
  d.payload_type = 98;
  const std::string text = write_sdp(d);
  INFO(text);
  CHECK(text.find("a=rtpmap:98 H265/90000\r\n") != std::string::npos);
  CHECK(text.find("sprop-vps=QAEM;sprop-sps=QgEB;sprop-pps=RAHB") != std::string::npos);
  const auto back = parse_sdp(text);
  CHECK(back.encoding_name == "H265");
  CHECK(back.payload_type == 98);
  CHECK(back.parameter_sets == std::vector<Bytes>{vps, sps, pps});
  CHECK(find_payload_format(back.encoding_name) == &h265_payload_format());
  std::string donl = text;
  donl.replace(donl.find("sprop-vps"), 0, "sprop-max-don-diff=2;");
  CHECK_THROWS_WITH(parse_sdp(donl), Catch::Contains("DONL"));
}
