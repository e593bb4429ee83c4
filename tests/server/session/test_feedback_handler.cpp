// FeedbackHandler: what a client's RTCP turns into, and in which order. The
// order matters: a session's NACK answers must leave before a BYE in the same
// compound packet ends it. Real RTCP from the common/ writers; no timer runs.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/rtp/rtcp.hpp"
#include "server/session/feedback_handler.hpp"

using namespace flowcast;
using namespace flowcast::server;

namespace {

// Writes down what it is told, in order.
class Recorder : public FeedbackHandler::Listener {
 public:
  std::vector<std::string> events;
  std::vector<uint16_t> nacked;

  void on_receiver_reports(size_t count) override {
    events.push_back("rr" + std::to_string(count));
  }
  void on_plis(std::span<const common::PictureLossIndication> plis) override {
    events.push_back("pli" + std::to_string(plis.size()));
  }
  void on_nacks(std::span<const common::GenericNack> nacks) override {
    events.push_back("nack" + std::to_string(nacks.size()));
    for (const auto& n : nacks)
      nacked.insert(nacked.end(), n.lost_sequences.begin(), n.lost_sequences.end());
  }
  void on_bye() override { events.push_back("bye"); }
  void on_silence() override { events.push_back("silence"); }
  std::shared_ptr<void> keep_alive() override { return nullptr; }
};

}  // namespace

TEST_CASE("FeedbackHandler dispatches a compound packet: reports, PLIs, NACKs, then BYE",
          "[unit][server][nack][pli]") {
  asio::io_context io;
  Recorder recorder;
  FeedbackHandler handler(io, recorder);
  // Written in another order on purpose: the BYE first.
  std::vector<uint8_t> compound;
  common::write_receiver_report({0x11, {}}, compound);
  common::write_bye({{0x11}}, compound);
  common::write_nack({0x11, 0x22, {10, 11, 40}}, compound);
  common::write_pli({0x11, 0x22}, compound);
  common::write_nack({0x11, 0x22, {7}}, compound);
  common::write_pli({0x11, 0x22}, compound);
  handler.handle(compound);
  CHECK(recorder.events == std::vector<std::string>{"rr1", "pli2", "nack2", "bye"});
  CHECK(recorder.nacked == std::vector<uint16_t>{10, 11, 40, 7});
}

TEST_CASE("FeedbackHandler tells only what arrived, and ignores what does not parse",
          "[unit][server][hostile]") {
  asio::io_context io;
  Recorder recorder;
  FeedbackHandler handler(io, recorder);
  std::vector<uint8_t> report;
  common::write_receiver_report({0x11, {common::ReportBlock{}}}, report);
  handler.handle(report);
  CHECK(recorder.events == std::vector<std::string>{"rr1"});
  // Cut short, or not RTCP at all: nothing.
  handler.handle(std::span<const uint8_t>(report).first(report.size() - 1));
  handler.handle(std::vector<uint8_t>{0x80, 0x60, 0x00, 0x01});
  handler.handle({});
  CHECK(recorder.events.size() == 1);
}

TEST_CASE("FeedbackHandler hands each report block on with the report's NTP arrival",
          "[unit][server][rtt]") {
  class Blocks : public Recorder {
   public:
    std::vector<common::ReportBlock> blocks;
    std::vector<uint32_t> arrivals;
    void on_report_block(const common::ReportBlock& block, uint32_t arrival) override {
      blocks.push_back(block);
      arrivals.push_back(arrival);
    }
  };
  asio::io_context io;
  Blocks listener;
  FeedbackHandler handler(io, listener);
  common::ReportBlock block;
  block.ssrc = 0x22;
  block.last_sr = 0xb705'2000;
  block.delay_since_last_sr = 0x0005'4000;
  common::ReportBlock other = block;
  other.ssrc = 0x33;
  std::vector<uint8_t> packet;
  common::write_receiver_report({0x11, {block, other}}, packet);
  // RFC 3550 §6.4.1's example arrival, 46864.500 s: middle bits 0xb710:8000.
  handler.handle(packet, (uint64_t{0xb710} << 32) | (uint64_t{0x8000} << 16));
  REQUIRE(listener.blocks.size() == 2);
  CHECK(listener.blocks[0].ssrc == 0x22);
  CHECK(listener.blocks[0].last_sr == 0xb705'2000);
  CHECK(listener.blocks[1].ssrc == 0x33);
  CHECK(listener.arrivals == std::vector<uint32_t>{0xb710'8000, 0xb710'8000});
  CHECK(listener.events == std::vector<std::string>{"rr1"});
}
