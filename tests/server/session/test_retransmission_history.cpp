// RetransmissionHistory: what a NACK gets back, and what it cannot get
// (the amplification rule of docs/SECURITY.md). Real packets from the real
// packetizer; time is given, not slept.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "common/rtp/rtp_packet.hpp"
#include "server/session/retransmission_history.hpp"

using namespace flowcast;
using namespace flowcast::server;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A frame of `packets` payloads of `size` bytes each.
std::shared_ptr<const PacketizedFrame> frame_of(size_t packets, size_t size) {
  auto f = std::make_shared<PacketizedFrame>();
  for (size_t i = 0; i < packets; ++i) {
    std::vector<uint8_t> payload(size, static_cast<uint8_t>(i));
    payload[0] = 0x41;  // a non-IDR slice
    f->payloads.push_back(std::move(payload));
    f->bytes += size;
  }
  return f;
}

// Sends every payload of `frame` through `history` from sequence `first`.
uint16_t send_all(RetransmissionHistory& history,
                  const std::shared_ptr<const PacketizedFrame>& frame, uint16_t first) {
  common::RtpHeader h;
  h.ssrc = 0x1234;
  h.timestamp = 9000;
  h.send_time_us = 777;
  for (size_t i = 0; i < frame->payloads.size(); ++i) {
    h.sequence = first++;
    h.marker = i + 1 == frame->payloads.size();
    std::vector<uint8_t> packet;
    common::write_rtp(h, frame->payloads[i], packet);
    history.remember(frame, i, h, packet.size());
  }
  return first;
}

const auto kRoom = [](size_t) { return true; };

}  // namespace

TEST_CASE("RetransmissionHistory resends the packet asked for, unchanged", "[unit][server][nack]") {
  RetransmissionHistory history;
  auto frame = frame_of(10, 1000);
  send_all(history, frame, 65530);                 // across the wrap
  const std::vector<uint16_t> asked = {65533, 3};  // the fourth and the last
  const auto now = Clock::now();
  auto out = history.answer(asked, now, kRoom);
  REQUIRE(out.size() == 2);
  auto first = common::parse_rtp(out[0]);
  REQUIRE(first);
  CHECK(first->header.sequence == 65533);
  CHECK(first->header.ssrc == 0x1234);
  CHECK(first->header.send_time_us == 777u);
  CHECK(std::vector<uint8_t>(first->payload.begin(), first->payload.end()) == frame->payloads[3]);
  auto last = common::parse_rtp(out[1]);
  REQUIRE(last);
  CHECK(last->header.marker);
  CHECK(history.counters().resent == 2);
}

TEST_CASE("RetransmissionHistory answers each packet once however often it is asked",
          "[unit][server][nack][hostile]") {
  RetransmissionHistory history;
  send_all(history, frame_of(100, 1000), 0);
  // One NACK that names the same packet 5000 times, and all 65536 numbers.
  std::vector<uint16_t> repeated(5000, 7);
  const auto now = Clock::now();
  CHECK(history.answer(repeated, now, kRoom).size() == 1);
  CHECK(history.counters().repeated == RetransmissionHistory::kPackets - 1);
  // Asked again inside the gap: nothing; after it: once more.
  CHECK(history.answer(repeated, now + 50ms, kRoom).empty());
  CHECK(history.answer(repeated, now + 150ms, kRoom).size() == 1);
  std::vector<uint16_t> everything(65536);
  for (size_t i = 0; i < everything.size(); ++i) everything[i] = static_cast<uint16_t>(i);
  const auto before = history.counters();
  history.answer(everything, now + 1s, kRoom);
  // Only the first kPackets numbers of a NACK are looked at.
  const auto after = history.counters();
  CHECK(after.resent + after.unknown + after.refused_budget + after.repeated -
            (before.resent + before.unknown + before.refused_budget + before.repeated) ==
        RetransmissionHistory::kPackets);
}

TEST_CASE("RetransmissionHistory: resends never pass half of what was sent, plus one bucket",
          "[unit][server][nack][hostile]") {
  RetransmissionHistory history;
  uint16_t seq = 0;
  uint64_t media_bytes = 0;
  uint64_t resent_bytes = 0;
  auto now = Clock::now();
  // Two seconds of 4 Mbit/s; the client asks for the whole history 50 times a second.
  for (int tick = 0; tick < 100; ++tick) {
    auto frame = frame_of(9, 1100);
    const uint16_t first = seq;
    seq = send_all(history, frame, seq);
    media_bytes += 9 * (1100 + 12 + 12);
    std::vector<uint16_t> all;
    for (uint16_t s = static_cast<uint16_t>(first - 1000); s != seq; ++s) all.push_back(s);
    for (const auto& p : history.answer(all, now, kRoom)) resent_bytes += p.size();
    now += 20ms;
  }
  CHECK(resent_bytes > 0);
  CHECK(history.counters().refused_budget > 0);
  CHECK(static_cast<double>(resent_bytes) <=
        RetransmissionHistory::kResendShare * static_cast<double>(media_bytes) +
            RetransmissionHistory::kMaxBudgetBytes);
  CHECK(history.counters().resent_bytes == resent_bytes);
}

TEST_CASE("RetransmissionHistory refuses what the send queue cannot take", "[unit][server][nack]") {
  RetransmissionHistory history;
  send_all(history, frame_of(10, 1000), 100);
  const std::vector<uint16_t> asked = {100, 101, 102, 103};
  size_t room = 2500;  // two packets' worth
  auto out = history.answer(asked, Clock::now(), [&](size_t bytes) {
    if (bytes > room) return false;
    room -= bytes;
    return true;
  });
  CHECK(out.size() == 2);
  CHECK(history.counters().refused_queue == 2);
}

TEST_CASE("RetransmissionHistory does not answer for packets it no longer has",
          "[unit][server][nack]") {
  RetransmissionHistory history;
  const uint16_t next = send_all(history, frame_of(1200, 100), 0);  // overwrites the first 176
  const std::vector<uint16_t> asked = {5, static_cast<uint16_t>(next - 1), 60000};
  auto out = history.answer(asked, Clock::now(), kRoom);
  CHECK(out.size() == 1);
  CHECK(history.counters().unknown == 2);
}
