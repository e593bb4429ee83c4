// ReceivePath of a stream whose RTP clock is not 90 kHz (audio at its sample
// rate): the statistics count in its own clock, the buffer's access units
// come out on 90 kHz, across the 32-bit wrap, and a sender report's
// timestamp lands on the same timeline.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "client/playout/receive_buffer_fixture.hpp"
#include "client/playout/receive_path.hpp"

using namespace flowcast::client;
using namespace flowcast::test;

namespace {

// Takes every access unit whole, returning their timestamps.
std::vector<int64_t> timestamps_out(ReceivePath& p) {
  std::vector<int64_t> out;
  while (auto au = take_complete(p)) out.push_back(au->timestamp);
  return out;
}

}  // namespace

TEST_CASE("ReceivePath converts a 48 kHz stream's timestamps to 90 kHz for its buffer",
          "[unit][receive_buffer][audio]") {
  ReceivePath p(config(OverflowPolicy::block), 48'000);
  CHECK(p.clock_rate() == 48'000);
  // Opus: 960 samples (20 ms) a packet, one packet a frame.
  const uint32_t base = 1'000'000;
  for (uint16_t i = 0; i < 4; ++i)
    p.write(packet(static_cast<uint16_t>(100 + i), base + 960u * i, true));
  p.write(packet(104, base + 960u * 4, true));  // opens a fifth: the fourth ends
  const auto ts = timestamps_out(p);
  REQUIRE(ts.size() >= 4);
  for (size_t i = 1; i < ts.size(); ++i) CHECK(ts[i] - ts[i - 1] == 1800);  // 20 ms at 90 kHz
  // A sender report's RTP time on the same timeline: 10 ms after the first.
  CHECK(p.timeline_of(base + 480) == ts[0] + 900);
  CHECK(p.statistics().counters.received == 5);
}

TEST_CASE("ReceivePath's converted timestamps run on across the 32-bit wrap",
          "[unit][receive_buffer][audio]") {
  ReceivePath p(config(OverflowPolicy::block), 44'100);
  // 1024-sample AAC frames, the third of which wraps.
  const uint32_t base = 0xFFFFFFFFu - 1500;
  for (uint16_t i = 0; i < 5; ++i) {
    ReceivedPacket pk = packet(static_cast<uint16_t>(65534 + i), base + 1024u * i, true);
    pk.arrival = kOrigin + std::chrono::milliseconds(23 * i);
    p.write(std::move(pk));
  }
  const auto ts = timestamps_out(p);
  REQUIRE(ts.size() >= 4);
  // 1024 samples at 44.1 kHz are 2089.8 ticks: each step 2089 or 2090.
  for (size_t i = 1; i < ts.size(); ++i) {
    CHECK(ts[i] - ts[i - 1] >= 2089);
    CHECK(ts[i] - ts[i - 1] <= 2090);
  }
}

TEST_CASE("ReceivePath refuses a clock rate of 0", "[unit][receive_buffer][audio]") {
  CHECK_THROWS_AS(ReceivePath(config(OverflowPolicy::block), 0), std::invalid_argument);
}
