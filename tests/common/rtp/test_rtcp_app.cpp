// RFC 3550 §6.7 APP packets: written padded to 32 bits, read back with their
// subtype, SSRC, name and data; bounded at kRtcpMaxAppData; an unusable one
// is counted and skipped while the rest of its compound is read.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "common/rtp/rtcp.hpp"

using namespace flowcast::common;

namespace {

std::vector<uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

}  // namespace

TEST_CASE("RTCP APP round trip, its data padded with zeros to 32 bits", "[unit][rtcp]") {
  const std::string sdp = "v=0\r\ns=x\r\n";  // 10 bytes: two of padding
  std::vector<uint8_t> out;
  REQUIRE(write_app(
      {.subtype = 0, .ssrc = 0x5EED0001, .name = kAppSessionDescription, .data = bytes_of(sdp)},
      out));
  // Header, SSRC, name, 12 bytes of data: 24 bytes, length 5 words.
  REQUIRE(out.size() == 24);
  CHECK(out[0] == 0x80);
  CHECK(out[1] == kRtcpApplication);
  CHECK(out[2] == 0);
  CHECK(out[3] == 5);
  CHECK(std::string(out.begin() + 8, out.begin() + 12) == "FCSD");
  CHECK(out[22] == 0);
  CHECK(out[23] == 0);
  const auto parsed = parse_rtcp(out);
  REQUIRE(parsed);
  REQUIRE(parsed->apps.size() == 1);
  const AppPacket& app = parsed->apps[0];
  CHECK(app.subtype == 0);
  CHECK(app.ssrc == 0x5EED0001);
  CHECK(app.name == kAppSessionDescription);
  REQUIRE(app.data.size() == 12);
  CHECK(std::string(app.data.begin(), app.data.begin() + 10) == sdp);
  CHECK(parsed->unknown == 0);
  CHECK(parsed->malformed_apps == 0);

  // The subtype's five bits, and data already on a boundary.
  out.clear();
  REQUIRE(write_app({.subtype = 31, .ssrc = 7, .name = {'a', 'b', 'c', 'd'}, .data = {1, 2, 3, 4}},
                    out));
  CHECK(out.size() == 16);
  const auto again = parse_rtcp(out);
  REQUIRE(again);
  REQUIRE(again->apps.size() == 1);
  CHECK(again->apps[0].subtype == 31);
  CHECK(again->apps[0].data == std::vector<uint8_t>{1, 2, 3, 4});
  std::vector<uint8_t> rewritten;
  REQUIRE(write_app(again->apps[0], rewritten));
  CHECK(rewritten == out);
}

TEST_CASE("RTCP APP in a compound behind a report and an SDES", "[unit][rtcp]") {
  std::vector<uint8_t> out;
  write_sender_report({.sender_ssrc = 9, .ntp_time = 1, .rtp_time = 2}, out);
  write_sdes_cname(9, "0123456789abcdef01234567", out);
  REQUIRE(write_app({.ssrc = 9, .name = kAppSessionDescription, .data = bytes_of("v=0\r\n")}, out));
  const auto parsed = parse_rtcp(out);
  REQUIRE(parsed);
  CHECK(parsed->sender_reports.size() == 1);
  CHECK(parsed->unknown == 1);  // the SDES
  REQUIRE(parsed->apps.size() == 1);
  CHECK(parsed->apps[0].ssrc == 9);
}

TEST_CASE("RTCP APP data is bounded at 16 KiB, written and read", "[unit][rtcp]") {
  std::vector<uint8_t> out;
  AppPacket app{.ssrc = 1, .name = kAppSessionDescription};
  app.data.assign(kRtcpMaxAppData, 'x');
  REQUIRE(write_app(app, out));
  CHECK(out.size() == 12 + kRtcpMaxAppData);
  const auto largest = parse_rtcp(out);
  REQUIRE(largest);
  REQUIRE(largest->apps.size() == 1);
  CHECK(largest->apps[0].data.size() == kRtcpMaxAppData);

  // One word more: the writer refuses it, appending nothing ...
  app.data.assign(kRtcpMaxAppData + 4, 'x');
  std::vector<uint8_t> refused = {0xAA};
  CHECK_FALSE(write_app(app, refused));
  CHECK(refused == std::vector<uint8_t>{0xAA});
  // ... and a reader skips and counts it, keeping the report before it.
  std::vector<uint8_t> compound;
  write_receiver_report({5, {}}, compound);
  const size_t words = (8 + kRtcpMaxAppData + 4) / 4;
  compound.insert(compound.end(), {0x80, kRtcpApplication, static_cast<uint8_t>(words >> 8),
                                   static_cast<uint8_t>(words & 0xFF)});
  compound.insert(compound.end(), 8 + kRtcpMaxAppData + 4, 'y');
  const auto parsed = parse_rtcp(compound);
  REQUIRE(parsed);
  CHECK(parsed->receiver_reports.size() == 1);
  CHECK(parsed->apps.empty());
  CHECK(parsed->malformed_apps == 1);
}

TEST_CASE("an RTCP APP too short for its SSRC and name is counted, not read", "[unit][rtcp]") {
  // Length 1: a header and one word (the SSRC), no name.
  std::vector<uint8_t> compound;
  write_receiver_report({5, {}}, compound);
  compound.insert(compound.end(), {0x80, kRtcpApplication, 0, 1, 0, 0, 0, 5});
  write_bye({{5}}, compound);
  const auto parsed = parse_rtcp(compound);
  REQUIRE(parsed);
  CHECK(parsed->apps.empty());
  CHECK(parsed->malformed_apps == 1);
  CHECK(parsed->byes.size() == 1);
  // A length that runs past the buffer is still a broken compound.
  const std::vector<uint8_t> past = {0x80, kRtcpApplication, 0, 9, 0, 0, 0, 5, 'F', 'C', 'S', 'D'};
  CHECK_FALSE(parse_rtcp(past));
}
