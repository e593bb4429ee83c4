#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "media/payload/h264_packetizer.hpp"

using namespace flowcast::media;

namespace {

using Bytes = std::vector<uint8_t>;
using Nals = std::vector<std::span<const uint8_t>>;

constexpr size_t kMaxPayload = 1200;

// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "flowcast-h264-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) FAIL("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

bool have_ffmpeg() {
  return std::system("command -v ffmpeg >/dev/null 2>&1") == 0;
}

// Encodes with the ffmpeg command line (a required test peer) into an Annex B
// file with an AUD before every access unit, and returns its bytes.
Bytes encode_with_ffmpeg(const TempDir& dir, const std::string& input, int frames,
                         const std::string& x264_options) {
  if (!have_ffmpeg()) FAIL("ffmpeg not found on PATH: install the Debian package 'ffmpeg'");
  const auto out = dir.path() / "out.h264";
  const std::string command = "ffmpeg -nostdin -y -v error -f lavfi -i " + input + " -frames:v " +
                              std::to_string(frames) + " -c:v libx264 " + x264_options +
                              " -x264-params aud=1 -bsf:v h264_mp4toannexb -f h264 '" +
                              out.string() + "'";
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
  std::ifstream file(out, std::ios::binary);
  Bytes bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  REQUIRE_FALSE(bytes.empty());
  return bytes;
}

// Cuts an Annex B stream into access units at each AUD (NAL type 9). Each unit
// runs from the AUD's 3-byte start code to the next one, so the zero that makes
// a 4-byte start code ends up as a trailing zero of the previous unit.
std::vector<std::span<const uint8_t>> split_access_units(std::span<const uint8_t> stream) {
  std::vector<size_t> starts;
  for (std::span<const uint8_t> nal : split_annexb(stream)) {
    if ((nal[0] & 0x1F) == kNalTypeAud) starts.push_back(nal.data() - stream.data() - 3);
  }
  std::vector<std::span<const uint8_t>> units;
  for (size_t i = 0; i < starts.size(); ++i) {
    const size_t end = i + 1 < starts.size() ? starts[i + 1] : stream.size();
    units.push_back(stream.subspan(starts[i], end - starts[i]));
  }
  return units;
}

H264Depacketizer::AccessUnit round_trip(std::span<const uint8_t> unit, size_t max_payload) {
  const auto payloads = packetize_h264(unit, max_payload);
  H264Depacketizer depacketizer;
  for (const auto& payload : payloads) {
    REQUIRE_FALSE(payload.empty());
    REQUIRE(payload.size() <= max_payload);
    depacketizer.push(payload, false);
  }
  return depacketizer.finish();
}

void check_same_nals(std::span<const uint8_t> original, std::span<const uint8_t> rebuilt) {
  const Nals a = split_annexb(original);
  const Nals b = split_annexb(rebuilt);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("NAL " << i << " type " << (a[i][0] & 0x1F));
    REQUIRE(std::equal(a[i].begin(), a[i].end(), b[i].begin(), b[i].end()));
  }
}

// Annex B with 4-byte start codes, as the depacketizer writes it. Tests compare
// against it inside double parentheses, so a failure does not dump every byte.
Bytes annexb_of(const std::vector<Bytes>& nals) {
  Bytes out;
  for (const auto& nal : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

Bytes make_nal(uint8_t header, size_t size, uint8_t seed) {
  Bytes nal(size);
  nal[0] = header;
  for (size_t i = 1; i < size; ++i) nal[i] = static_cast<uint8_t>(seed + i * 13 + (i >> 8));
  return nal;
}

}  // namespace

TEST_CASE("split_annexb handles 3- and 4-byte start codes", "[unit][h264]") {
  const Bytes stream = {0xFF, 0,    0, 0, 1, 0x67, 1, 2, 0, 0, 1,    0x68, 3,    0, 0,
                        0,    1,    0, 0, 1, 0x65, 4, 0, 0, 0, 0,    1,    0x41, 0, 0,
                        3,    0x00, 1, 5, 0, 0,    0, 0, 1, 0, 0x06, 7,    0,    0};
  const Nals nals = split_annexb(stream);
  REQUIRE(nals.size() == 5);
  CHECK(Bytes(nals[0].begin(), nals[0].end()) == Bytes{0x67, 1, 2});
  CHECK(Bytes(nals[1].begin(), nals[1].end()) == Bytes{0x68, 3});
  CHECK(Bytes(nals[2].begin(), nals[2].end()) == Bytes{0x65, 4});
  // Emulation prevention (00 00 03) is not a start code.
  CHECK(Bytes(nals[3].begin(), nals[3].end()) == Bytes{0x41, 0, 0, 3, 0, 1, 5});
  CHECK(Bytes(nals[4].begin(), nals[4].end()) == Bytes{0, 0x06, 7});
  CHECK(nals[0].data() == stream.data() + 5);  // views, not copies

  CHECK(split_annexb(Bytes{}).empty());
  CHECK(split_annexb(Bytes{0x65, 1, 2, 3}).empty());
  CHECK(split_annexb(Bytes{0, 0, 1}).empty());
  CHECK(split_annexb(Bytes{0, 0, 0, 1, 0, 0, 0, 1}).empty());
}

TEST_CASE("packetize_h264 sends small NALs whole and fragments large ones", "[unit][h264]") {
  const Bytes sps = make_nal(0x67, 20, 1);
  const Bytes idr = make_nal(0x65, 5000, 2);
  const auto payloads = packetize_h264(annexb_of({sps, idr}), 1200);
  // 4999 bytes after the header, at most 1198 per fragment: 5 fragments.
  REQUIRE(payloads.size() == 1 + 5);
  CHECK(payloads[0] == sps);
  for (size_t i = 1; i < payloads.size(); ++i) {
    INFO("fragment " << i);
    CHECK(payloads[i].size() <= 1200);
    CHECK(payloads[i].size() >= 1000);  // balanced, no runt at the end
    CHECK(payloads[i][0] == ((0x65 & 0xE0) | kNalTypeFuA));
    CHECK((payloads[i][1] & 0x1F) == 5);
    CHECK(((payloads[i][1] & 0x80) != 0) == (i == 1));
    CHECK(((payloads[i][1] & 0x40) != 0) == (i + 1 == payloads.size()));
    CHECK((payloads[i][1] & 0x20) == 0);
  }
  // A NAL exactly max_payload long is sent whole; one byte more is fragmented.
  CHECK(packetize_h264(annexb_of({make_nal(0x41, 1200, 3)}), 1200).size() == 1);
  CHECK(packetize_h264(annexb_of({make_nal(0x41, 1201, 3)}), 1200).size() == 2);
  // The smallest max_payload still works: one data byte per fragment.
  const auto tiny = packetize_h264(annexb_of({make_nal(0x41, 10, 4)}), 3);
  CHECK(tiny.size() == 9);
  CHECK_THROWS_AS(packetize_h264(annexb_of({sps}), 2), std::invalid_argument);
  CHECK(packetize_h264(Bytes{}, 1200).empty());
}

TEST_CASE("H.264 round trip on real libx264 access units", "[unit][h264][peer]") {
  TempDir dir;
  const Bytes stream =
      encode_with_ffmpeg(dir, "testsrc2=size=640x360:rate=30", 30, "-g 15 -bf 2 -pix_fmt yuv420p");
  const auto units = split_access_units(stream);
  REQUIRE(units.size() == 30);
  size_t idr_units = 0;
  size_t fragmented_units = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    INFO("access unit " << i << " of " << units[i].size() << " bytes");
    const auto payloads = packetize_h264(units[i], kMaxPayload);
    if (std::any_of(payloads.begin(), payloads.end(),
                    [](const Bytes& p) { return (p[0] & 0x1F) == kNalTypeFuA; })) {
      ++fragmented_units;
    }
    const auto unit = round_trip(units[i], kMaxPayload);
    CHECK(unit.complete);
    CHECK(unit.dropped_nals == 0);
    REQUIRE(unit.annexb.size() >= 4);
    CHECK(Bytes(unit.annexb.begin(), unit.annexb.begin() + 4) == Bytes{0, 0, 0, 1});
    check_same_nals(units[i], unit.annexb);
    if (unit.has_idr) {
      ++idr_units;
      CHECK(unit.has_sps);  // x264 repeats SPS/PPS before every IDR in Annex B output
    }
  }
  CHECK(idr_units >= 2);  // -g 15 over 30 frames
  CHECK(fragmented_units > 0);
}

TEST_CASE("H.264 round trip of a NAL larger than 64 KiB", "[unit][h264][peer]") {
  TempDir dir;
  const Bytes stream =
      encode_with_ffmpeg(dir, "testsrc2=size=1920x1080:rate=30", 1, "-qp 0 -threads 1");
  const auto units = split_access_units(stream);
  REQUIRE(units.size() == 1);
  size_t largest = 0;
  for (std::span<const uint8_t> nal : split_annexb(units[0]))
    largest = std::max(largest, nal.size());
  INFO("largest NAL " << largest << " bytes");
  REQUIRE(largest > 65536);

  const auto unit = round_trip(units[0], kMaxPayload);
  CHECK(unit.complete);
  CHECK(unit.has_idr);
  CHECK(unit.has_sps);
  check_same_nals(units[0], unit.annexb);
}

TEST_CASE("a missing middle FU-A fragment keeps that NAL's first part", "[unit][h264]") {
  const Bytes sps = make_nal(0x67, 20, 1);
  const Bytes pps = make_nal(0x68, 6, 2);
  const Bytes idr = make_nal(0x65, 6000, 3);
  const Bytes sei = make_nal(0x06, 30, 4);
  const auto payloads = packetize_h264(annexb_of({sps, pps, idr, sei}), 1200);
  REQUIRE(payloads.size() == 2 + 6 + 1);

  H264Depacketizer depacketizer;
  bool gap = false;
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (i == 4) {  // a middle fragment of the IDR
      gap = true;
      continue;
    }
    depacketizer.push(payloads[i], gap);
    gap = false;
  }
  const auto unit = depacketizer.finish();
  CHECK_FALSE(unit.complete);
  CHECK(unit.dropped_nals == 0);
  CHECK(unit.truncated_nals == 1);
  CHECK(unit.has_sps);
  // The IDR's first two fragments arrived: they stay, cut at the gap, so the
  // decoder can decode the slice's start and conceal the rest.
  const size_t kept = (payloads[2].size() - 2) + (payloads[3].size() - 2);
  const Bytes idr_prefix(idr.begin(), idr.begin() + 1 + static_cast<long>(kept));
  CHECK((unit.annexb == annexb_of({sps, pps, idr_prefix, sei})));

  // The depacketizer is reset: the next access unit is whole again.
  for (const auto& payload : payloads) depacketizer.push(payload, false);
  const auto next = depacketizer.finish();
  CHECK(next.complete);
  CHECK(next.has_idr);
  CHECK((next.annexb == annexb_of({sps, pps, idr, sei})));
}

TEST_CASE("an FU-A without its end fragment is kept truncated at finish", "[unit][h264]") {
  const Bytes slice = make_nal(0x41, 3000, 5);
  const auto payloads = packetize_h264(annexb_of({slice}), 1200);
  REQUIRE(payloads.size() == 3);
  H264Depacketizer depacketizer;
  depacketizer.push(payloads[0], false);
  depacketizer.push(payloads[1], false);
  auto unit = depacketizer.finish();
  CHECK_FALSE(unit.complete);
  CHECK(unit.dropped_nals == 0);
  CHECK(unit.truncated_nals == 1);
  const size_t kept = (payloads[0].size() - 2) + (payloads[1].size() - 2);
  CHECK((unit.annexb ==
         annexb_of({Bytes(slice.begin(), slice.begin() + 1 + static_cast<long>(kept))})));

  // A start fragment lost: the orphans are one dropped NAL, not two.
  depacketizer.push(payloads[1], true);
  depacketizer.push(payloads[2], false);
  unit = depacketizer.finish();
  CHECK_FALSE(unit.complete);
  CHECK(unit.dropped_nals == 1);
  CHECK(unit.annexb.empty());
}

TEST_CASE("a gap between whole NALs marks the unit incomplete", "[unit][h264]") {
  H264Depacketizer depacketizer;
  const Bytes a = make_nal(0x41, 10, 1);
  const Bytes b = make_nal(0x01, 10, 2);
  depacketizer.push(a, false);
  depacketizer.push(b, true);
  const auto unit = depacketizer.finish();
  CHECK_FALSE(unit.complete);
  CHECK(unit.dropped_nals == 0);
  CHECK((unit.annexb == annexb_of({a, b})));
}

TEST_CASE("STAP-A made by make_stap_a is split back", "[unit][h264]") {
  const Bytes sps = make_nal(0x67, 25, 1);
  const Bytes pps = make_nal(0x68, 5, 2);
  const Bytes sei = make_nal(0x06, 300, 3);
  const Bytes stap = make_stap_a({sps, pps, sei});
  REQUIRE(stap.size() == 1 + 3 * 2 + 25 + 5 + 300);
  CHECK(stap[0] == (0x60 | kNalTypeStapA));  // the highest NRI of its NALs
  CHECK(stap[1] == 0);
  CHECK(stap[2] == 25);

  const Bytes idr = make_nal(0x65, 2500, 4);
  H264Depacketizer depacketizer;
  depacketizer.push(stap, false);
  for (const auto& payload : packetize_h264(annexb_of({idr}), 1200)) {
    depacketizer.push(payload, false);
  }
  const auto unit = depacketizer.finish();
  CHECK(unit.complete);
  CHECK(unit.has_sps);
  CHECK(unit.has_idr);
  CHECK((unit.annexb == annexb_of({sps, pps, sei, idr})));

  CHECK_THROWS_AS(make_stap_a({}), std::invalid_argument);
  const Bytes huge(70000, 0x41);
  CHECK_THROWS_AS(make_stap_a({huge}), std::invalid_argument);
}

TEST_CASE("unsupported and malformed payloads are dropped and counted", "[unit][h264]") {
  const Bytes good = make_nal(0x41, 8, 1);
  auto check_dropped = [&](const Bytes& bad) {
    H264Depacketizer depacketizer;
    depacketizer.push(good, false);
    depacketizer.push(bad, false);
    const auto unit = depacketizer.finish();
    CHECK_FALSE(unit.complete);
    CHECK(unit.dropped_nals == 1);
    CHECK((unit.annexb == annexb_of({good})));
  };
  SECTION("NAL types 0, 25..27, 29..31") {
    for (uint8_t type : {0, 25, 26, 27, 29, 30, 31}) {
      INFO("type " << int(type));
      check_dropped({static_cast<uint8_t>(0x60 | type), 1, 2, 3, 4, 5});
    }
  }
  SECTION("empty payload") {
    check_dropped({});
  }
  SECTION("STAP-A sizes that do not add up") {
    check_dropped({0x78});                       // no NAL at all
    check_dropped({0x78, 0, 5, 0x67, 1});        // size past the end
    check_dropped({0x78, 0, 2, 0x67, 1, 0});     // a stray byte after the last NAL
    check_dropped({0x78, 0, 0, 0, 2, 0x67, 1});  // a zero-size NAL
    check_dropped({0x78, 0, 2, 0x78, 1});        // a nested aggregate
    // A size field that ends exactly at the end of the payload, its NAL
    // missing: once read 65,535 bytes past the packet.
    check_dropped({0x18, 0x00, 0x02, 0x09, 0xff, 0x68, 0x09});
    check_dropped({0x78, 0, 1, 0x67, 0});  // a lone size byte at the end
  }
  SECTION("broken FU-A") {
    check_dropped({0x7C, 0x85});        // no data
    check_dropped({0x7C, 0x98, 1, 2});  // fragmenting an aggregate type
    check_dropped({0x7C, 0x45, 1, 2});  // an end without a start
  }
  SECTION("an FU-A with start and end together is the whole NAL unit, counted") {
    // RFC 6184 §5.8 forbids it; cameras send it, and ffmpeg and GStreamer
    // take it. Two in a row, then a single NAL unit.
    H264Depacketizer depacketizer;
    depacketizer.push(Bytes{0x7C, 0xC5, 1, 2}, false);
    depacketizer.push(Bytes{0x5C, 0xC1, 3}, false);
    depacketizer.push(good, false);
    const auto unit = depacketizer.finish();
    CHECK(unit.complete);
    CHECK(unit.has_idr);
    CHECK(unit.dropped_nals == 0);
    CHECK(unit.nonconformant_packets == 2);
    const Bytes idr{0x65, 1, 2}, slice{0x41, 3};
    CHECK((unit.annexb == annexb_of({idr, slice, good})));
  }
  SECTION("fragments that disagree on the NAL type") {
    H264Depacketizer depacketizer;
    depacketizer.push(Bytes{0x7C, 0x85, 1, 2}, false);
    depacketizer.push(Bytes{0x7C, 0x41, 3, 4}, false);
    depacketizer.push(good, false);
    const auto unit = depacketizer.finish();
    CHECK_FALSE(unit.complete);
    CHECK(unit.dropped_nals == 1);
    CHECK((unit.annexb == annexb_of({good})));
  }
}

TEST_CASE("the depacketizer survives hostile random payloads", "[unit][h264][fuzz]") {
  std::mt19937 rng(6184);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(0, 1500);
  // Headers of every interesting shape, so the random bytes reach each path.
  const uint8_t headers[] = {0x65, 0x67, 0x41, 0x78, 0x7C, 0x7C, 0x7C, 0x00, 0x79, 0x7D, 0x1F};
  H264Depacketizer depacketizer;
  size_t total_dropped = 0;
  size_t total_bytes = 0;
  for (int i = 0; i < 10000; ++i) {
    Bytes payload(length(rng));
    for (auto& b : payload) b = static_cast<uint8_t>(byte(rng));
    if (!payload.empty() && byte(rng) < 200) payload[0] = headers[byte(rng) % std::size(headers)];
    if (payload.size() > 3 && payload[0] == 0x78 && byte(rng) < 128) {
      // A plausible first STAP-A size, so some aggregates get past the first check.
      payload[1] = 0;
      payload[2] = static_cast<uint8_t>(std::min<size_t>(payload.size() - 3, 255));
    }
    depacketizer.push(payload, byte(rng) < 20);
    if (byte(rng) < 32) {
      const auto unit = depacketizer.finish();
      total_dropped += unit.dropped_nals;
      total_bytes += unit.annexb.size();
      REQUIRE(unit.annexb.size() <= kMaxAccessUnitBytes);
      if (!unit.annexb.empty()) {
        REQUIRE(unit.annexb.size() >= 5);
        REQUIRE(Bytes(unit.annexb.begin(), unit.annexb.begin() + 4) == Bytes{0, 0, 0, 1});
      }
    }
  }
  CHECK(total_dropped > 0);
  CHECK(total_bytes > 0);
}
