// flowcast-load's per-viewer counting (bench/load/receive_counter.hpp): RFC
// 3550 A.1 extended sequence numbers, the measured window, the server's RTCP,
// and the report block a viewer sends back.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <vector>

#include "bench/load/receive_counter.hpp"
#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"

using namespace flowcast;
using namespace flowcast::bench;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t kServerSsrc = 0x5e4e7;
const Clock::time_point kT0 = Clock::time_point(1h);

std::vector<uint8_t> rtp(uint16_t sequence, uint32_t ssrc = kServerSsrc, size_t payload = 100) {
  common::RtpHeader header;
  header.sequence = sequence;
  header.ssrc = ssrc;
  std::vector<uint8_t> out;
  common::write_rtp(header, std::vector<uint8_t>(payload, 0x42), out);
  return out;
}

}  // namespace

TEST_CASE("the counter extends sequence numbers across the wrap", "[unit][load]") {
  ReceiveCounter counter;
  for (uint16_t s : {65534, 65535, 0, 2}) counter.on_packet(rtp(s), kT0);
  CHECK(counter.all().packets == 4);
  CHECK(counter.all().first == 65534);
  CHECK(counter.all().highest == 65536 + 2);
  CHECK(counter.all().expected() == 5);
  CHECK(counter.all().lost() == 1);
  CHECK(counter.ssrc() == kServerSsrc);
  CHECK(counter.all().bytes == 4 * rtp(0).size());
}

TEST_CASE("only packets inside the measured window count in it", "[unit][load]") {
  ReceiveCounter counter;
  counter.set_measure_from(kT0 + 2s);
  counter.on_packet(rtp(10), kT0);       // warm-up
  counter.on_packet(rtp(11), kT0 + 2s);  // the window opens
  counter.on_packet(rtp(13), kT0 + 3s);  // 12 lost
  counter.close_window(kT0 + 4s);
  counter.on_packet(rtp(14), kT0 + 5s);  // after it closed
  CHECK(counter.all().packets == 4);
  CHECK(counter.measured().packets == 2);
  CHECK(counter.measured().first == 11);
  CHECK(counter.measured().highest == 13);
  CHECK(counter.measured().expected() == 3);
  CHECK(counter.measured().lost() == 1);
}

TEST_CASE("a late packet from before the first moves the start back", "[unit][load]") {
  ReceiveCounter counter;
  counter.on_packet(rtp(100), kT0);
  counter.on_packet(rtp(98), kT0);
  counter.on_packet(rtp(101), kT0);
  CHECK(counter.all().first == 98);
  CHECK(counter.all().expected() == 4);
  CHECK(counter.all().lost() == 1);
}

TEST_CASE("another SSRC, garbage, the server's SRs and BYE are counted apart", "[unit][load]") {
  ReceiveCounter counter;
  counter.on_packet(rtp(1), kT0);
  counter.on_packet(rtp(2, 0x1234), kT0);
  counter.on_packet(std::vector<uint8_t>{0x00, 0x01, 0x02}, kT0);
  std::vector<uint8_t> sr;
  common::write_sender_report(common::SenderReport{kServerSsrc, 0x0001'2345'6789'0000ULL}, sr);
  counter.on_packet(sr, kT0 + 1s);
  CHECK(counter.sender_reports() == 1);
  CHECK_FALSE(counter.bye_at());
  std::vector<uint8_t> bye;
  common::write_sender_report(common::SenderReport{kServerSsrc}, bye);
  common::write_bye(common::Goodbye{{kServerSsrc}}, bye);
  counter.on_packet(bye, kT0 + 2s);
  CHECK(counter.all().packets == 1);
  CHECK(counter.other_ssrc_packets() == 1);
  CHECK(counter.malformed() == 1);
  REQUIRE(counter.bye_at());
  CHECK(*counter.bye_at() == kT0 + 2s);
  CHECK(counter.last_heard() == kT0 + 2s);
}

TEST_CASE("the report block carries the loss since the last report and the SR's echo",
          "[unit][load]") {
  ReceiveCounter counter;
  CHECK_FALSE(counter.report_block(kT0));  // nothing received yet
  std::vector<uint8_t> sr;
  common::write_sender_report(common::SenderReport{kServerSsrc, 0x0001'2345'6789'0000ULL}, sr);
  counter.on_packet(sr, kT0);
  for (uint16_t s = 0; s < 4; ++s) counter.on_packet(rtp(s), kT0);
  counter.on_packet(rtp(7), kT0);  // 4, 5, 6 lost: 3 of 8
  auto block = counter.report_block(kT0 + 500ms);
  REQUIRE(block);
  CHECK(block->ssrc == kServerSsrc);
  CHECK(block->highest_sequence == 7);
  CHECK(block->cumulative_lost == 3);
  CHECK(block->fraction_lost == (3 << 8) / 8);
  CHECK(block->last_sr == 0x2345'6789);
  CHECK(block->delay_since_last_sr == 32768);  // 0.5 s in 1/65536 s
  // Nothing lost since: the fraction is over the interval only.
  counter.on_packet(rtp(8), kT0 + 600ms);
  block = counter.report_block(kT0 + 1s);
  REQUIRE(block);
  CHECK(block->fraction_lost == 0);
  CHECK(block->cumulative_lost == 3);
}
