// The metrics file's types (metrics_document.hpp): the keys and value types
// of flowcast.metrics/1, which tools outside flowcast read, the round trip
// document -> JSON -> document, the names of the enumerations and older
// files. That metrics_keys and docs/METRICS.md name what the types write is
// test_metrics_keys.cpp's.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "client/metrics/metrics_document.hpp"
#include "client/metrics/metrics_document_fixture.hpp"

using namespace flowcast::client;
using namespace flowcast::test;
using nlohmann::json;

TEST_CASE("flowcast.metrics/1 keeps its keys and value types", "[unit][metrics]") {
  // What the client wrote before these types existed, taken from real runs
  // (TCP, UDP, stalls, a reference that matched and one that did not, a run
  // that never started). Keys may be added to flowcast.metrics/1, never
  // renamed or retyped: this list only grows.
  const std::set<std::string> contract = {
      ".audio NoneType",
      ".audio dict",
      ".audio.channels int",
      ".audio.codec str",
      ".audio.concealedSamples int",
      ".audio.concealmentEvents int",
      ".audio.decoder str",
      ".audio.frames_decoded int",
      ".audio.frames_rejected int",
      ".audio.insertedSamplesForDeceleration int",
      ".audio.packets dict",
      ".audio.packets.dropped_buffer int",
      ".audio.packets.duplicate int",
      ".audio.packets.jitter int",
      ".audio.packets.late int",
      ".audio.packets.lost int",
      ".audio.packets.received int",
      ".audio.removedSamplesForAcceleration int",
      ".audio.sample_rate int",
      ".audio.silentConcealedSamples int",
      ".audio.stall_ms float",
      ".audio.stalls int",
      ".audio.totalSamplesDuration float",
      ".audio.totalSamplesReceived int",
      ".audio.underrun_ms float",
      ".audio.underruns int",
      ".av_sync NoneType",
      ".av_sync dict",
      ".av_sync.beep_flash_offset_ms dict",
      ".av_sync.beep_flash_offset_ms.max float",
      ".av_sync.beep_flash_offset_ms.mean float",
      ".av_sync.beep_flash_offset_ms.mean_signed float",
      ".av_sync.beep_flash_offset_ms.p50 float",
      ".av_sync.beep_flash_offset_ms.p95 float",
      ".av_sync.beep_flash_pairs int",
      ".av_sync.beeps int",
      ".av_sync.corrections int",
      ".av_sync.flashes int",
      ".av_sync.max_ms float",
      ".av_sync.mean_ms float",
      ".av_sync.mean_signed_ms float",
      ".av_sync.outside_window_share float",
      ".av_sync.p50_ms float",
      ".av_sync.p95_ms float",
      ".av_sync.pictures int",
      ".av_sync.pictures_dropped_for_sync int",
      ".av_sync.pictures_repeated_for_sync int",
      ".buffer dict",
      ".client_load dict",
      ".client_load.cpu_ms float",
      ".client_load.late_pictures int",
      ".client_load.wake_late_ms dict",
      ".client_load.wake_late_ms.max NoneType",
      ".client_load.wake_late_ms.max float",
      ".client_load.wake_late_ms.p50 NoneType",
      ".client_load.wake_late_ms.p50 float",
      ".client_load.wake_late_ms.p95 NoneType",
      ".client_load.wake_late_ms.p95 float",
      ".client_load.wakes int",
      ".buffer.capacity_bytes int",
      ".buffer.capacity_ms float",
      ".buffer.grow_events int",
      ".buffer.peak_bytes int",
      ".buffer.peak_ms float",
      ".config dict",
      ".config.buffer_max_ms float",
      ".config.buffer_ms float",
      ".config.host str",
      ".config.on_loss str",
      ".config.overflow str",
      ".config.port int",
      ".config.rebuffer_ms float",
      ".duration_ms float",
      ".frames dict",
      ".frames.accounted int",
      ".frames.corrupt int",
      ".frames.damaged int",
      ".frames.decode_order_timestamps bool",
      ".frames.decoded int",
      ".frames.dropped_buffer int",
      ".frames.dropped_late int",
      ".frames.incomplete_access_units int",
      ".frames.lost int",
      ".frames.oversized int",
      ".frames.pending int",
      ".frames.rendered int",
      ".frames.rendered_clean int",
      ".frames.rendered_corrupt int",
      ".frames.sent int",
      ".frames.skipped int",
      ".frames.tainted int",
      ".frames.undecodable int",
      ".frames.unrecovered int",
      ".freezes dict",
      ".freezes.count int",
      ".freezes.total_ms float",
      ".jitter_buffer dict",
      ".jitter_buffer.jitterBufferDelay float",
      ".jitter_buffer.jitterBufferEmittedCount int",
      ".jitter_buffer.jitterBufferMinimumDelay float",
      ".jitter_buffer.jitterBufferTargetDelay float",
      ".jitter_buffer.policy str",
      ".kernel dict",
      ".kernel.peak_queued_bytes int",
      ".kernel.rcvbuf_bytes int",
      ".latency_ms dict",
      ".latency_ms.max NoneType",
      ".latency_ms.max float",
      ".latency_ms.p50 NoneType",
      ".latency_ms.p50 float",
      ".latency_ms.p95 NoneType",
      ".latency_ms.p95 float",
      ".packets dict",
      ".packets.dropped_kernel int",
      ".packets.dropped_overflow int",
      ".packets.duplicate int",
      ".packets.foreign_payload_type int",
      ".packets.foreign_ssrc int",
      ".packets.late int",
      ".packets.lost int",
      ".packets.malformed int",
      ".packets.nacks_sent int",
      ".packets.nonconformant int",
      ".packets.padding int",
      ".packets.plis_sent int",
      ".packets.received int",
      ".packets.recovered int",
      ".packets.reordered int",
      ".packets.sequence_resyncs int",
      ".packets.ssrc_changes int",
      ".packets.timestamp_jumps int",
      ".qoe dict",
      ".qoe.damaged_share NoneType",
      ".qoe.damaged_share float",
      ".qoe.interruption_mean_ms float",
      ".qoe.interruptions int",
      ".qoe.picture_basis NoneType",
      ".qoe.picture_basis str",
      ".qoe.picture_mos NoneType",
      ".qoe.picture_mos float",
      ".qoe.score NoneType",
      ".qoe.score float",
      ".qoe.stall_mos NoneType",
      ".qoe.stall_mos float",
      ".quality dict",
      ".quality.frames_compared int",
      ".quality.frames_not_compared int",
      ".quality.frames_unmatched int",
      ".quality.mos_histogram dict",
      ".quality.mos_histogram.1 int",
      ".quality.mos_histogram.2 int",
      ".quality.mos_histogram.3 int",
      ".quality.mos_histogram.4 int",
      ".quality.mos_histogram.5 int",
      ".quality.mos_mean NoneType",
      ".quality.mos_mean float",
      ".quality.per_frame list",
      ".quality.per_frame[] dict",
      ".quality.per_frame[].mos int",
      ".quality.per_frame[].psnr float",
      ".quality.per_frame[].pts_ms float",
      ".quality.per_frame[].t_ms float",
      ".quality.psnr_mean NoneType",
      ".quality.psnr_mean float",
      ".quality.psnr_min NoneType",
      ".quality.psnr_min float",
      ".quality.reference str",
      ".quality.reference_error str",
      ".quality.reference_matched bool",
      ".rebuffering_ratio NoneType",
      ".rebuffering_ratio float",
      ".schema str",
      ".session dict",
      ".session.ended_by str",
      ".session.protocol str",
      ".session.start_failure NoneType",
      ".session.start_failure str",
      ".session.state_ms dict",
      ".session.state_ms.ended float",
      ".session.state_ms.frozen float",
      ".session.state_ms.joining float",
      ".session.state_ms.playing float",
      ".session.state_ms.rebuffering float",
      ".session.state_ms.waiting float",
      ".session.video_started bool",
      ".snapshots list",
      ".snapshots[] dict",
      ".snapshots[].file str",
      ".snapshots[].kind str",
      ".snapshots[].psnr NoneType",
      ".snapshots[].psnr float",
      ".snapshots[].pts_ms float",
      ".snapshots[].t_ms float",
      ".stalls dict",
      ".stalls.count int",
      ".stalls.events list",
      ".stalls.events[] dict",
      ".stalls.events[].cause str",
      ".stalls.events[].duration_ms float",
      ".stalls.events[].start_ms float",
      ".stalls.total_ms float",
      ".startup_ms NoneType",
      ".startup_ms float",
      ".timeline list",
      ".timeline[] dict",
      ".timeline[].audio_buffer_ms NoneType",
      ".timeline[].audio_buffer_ms float",
      ".timeline[].audio_concealed_samples NoneType",
      ".timeline[].audio_concealed_samples int",
      ".timeline[].audio_underruns NoneType",
      ".timeline[].audio_underruns int",
      ".timeline[].av_offset_ms NoneType",
      ".timeline[].av_offset_ms float",
      ".timeline[].buffer_bytes int",
      ".timeline[].buffer_ms float",
      ".timeline[].corrupt int",
      ".timeline[].damaged int",
      ".timeline[].delay_ms NoneType",
      ".timeline[].delay_ms float",
      ".timeline[].kernel_bytes int",
      ".timeline[].late int",
      ".timeline[].lost int",
      ".timeline[].received_kbps float",
      ".timeline[].state str",
      ".timeline[].tainted int",
      ".timeline[].target_delay_ms float",
      ".timeline[].t_ms float",
      ".transport str",
  };
  std::set<std::string> written;
  paths_of(json(populated()), "", written);
  paths_of(json(MetricsDocument{}), "", written);  // what is null when nothing was measured
  std::vector<std::string> missing, unexpected;
  std::set_difference(contract.begin(), contract.end(), written.begin(), written.end(),
                      std::back_inserter(missing));
  std::set_difference(written.begin(), written.end(), contract.begin(), contract.end(),
                      std::back_inserter(unexpected));
  CAPTURE(missing, unexpected);
  CHECK(missing.empty());
  // A new key is fine, once it is added to the list above and documented.
  CHECK(unexpected.empty());
}

TEST_CASE("a run that measured nothing writes nulls and empty lists", "[unit][metrics]") {
  const json j = MetricsDocument{};
  CHECK(j.at("schema") == "flowcast.metrics/1");
  CHECK(j.at("transport") == "tcp");
  CHECK(j.at("startup_ms").is_null());
  CHECK(j.at("stalls").at("events") == json::array());
  CHECK(j.at("snapshots") == json::array());
  CHECK(j.at("timeline") == json::array());
  // Without a reference "quality" has its three figures, all null, and
  // nothing else.
  CHECK(j.at("quality") ==
        json({{"psnr_mean", nullptr}, {"psnr_min", nullptr}, {"mos_mean", nullptr}}));
  // No picture shown: no score, nothing interrupted.
  CHECK(j.at("qoe").at("score").is_null());
  CHECK(j.at("qoe").at("picture_basis").is_null());
  CHECK(j.at("qoe").at("interruptions") == 0);
}

TEST_CASE("a document written and read back is the same document", "[unit][metrics]") {
  const MetricsDocument original = populated();
  const json written = original;
  const MetricsDocument read = written.get<MetricsDocument>();
  CHECK(json(read) == written);
  // The parts that are there or not came back as they were.
  REQUIRE(read.quality.comparison);
  CHECK(read.quality.comparison->reference == "clip.mp4");
  CHECK(read.quality.comparison->per_frame.size() == 2);
  CHECK(read.quality.comparison->mos_histogram.at("5") == 1);
  REQUIRE(read.quality.error);
  CHECK(read.quality.error->reference_error == "no picture matches");
  CHECK(read.config.overflow == OverflowPolicy::drop_old);
  CHECK(read.config.on_loss == LossPolicy::freeze);
  CHECK(read.transport == Transport::udp);
  REQUIRE(read.startup_ms);
  CHECK(*read.startup_ms == 530.2);
  REQUIRE(read.snapshots.size() == 2);
  CHECK(read.snapshots[0].psnr == 100.0);
  CHECK_FALSE(read.snapshots[1].psnr);
  CHECK(read.stalls.events.at(0).cause == "underrun");
  CHECK(read.timeline.at(1).state == SessionState::playing);
  CHECK(read.packets.nacks_sent == 13);

  SECTION("without a reference, and with one that matched") {
    MetricsDocument plain = original;
    plain.quality = {};
    const MetricsDocument back = json(plain).get<MetricsDocument>();
    CHECK_FALSE(back.quality.comparison);
    CHECK_FALSE(back.quality.error);
    CHECK_FALSE(back.quality.figures.psnr_mean);
    MetricsDocument matched = original;
    matched.quality.error.reset();
    const json j = matched;
    CHECK_FALSE(j.at("quality").contains("reference_error"));
    CHECK(j.at("quality").at("reference_matched") == true);
    CHECK_FALSE(j.get<MetricsDocument>().quality.error);
  }
}

TEST_CASE("enumerations are written by the names the command line takes", "[unit][metrics]") {
  CHECK(json(Transport::tcp) == "tcp");
  CHECK(json(Transport::udp) == "udp");
  CHECK(json(OverflowPolicy::block) == "block");
  CHECK(json(OverflowPolicy::drop_new) == "drop-new");
  CHECK(json(OverflowPolicy::drop_old) == "drop-old");
  CHECK(json(OverflowPolicy::grow) == "grow");
  CHECK(json(LossPolicy::conceal) == "conceal");
  CHECK(json(LossPolicy::freeze) == "freeze");
  for (auto p : {OverflowPolicy::block, OverflowPolicy::drop_new, OverflowPolicy::drop_old,
                 OverflowPolicy::grow}) {
    CHECK(json(p).get<OverflowPolicy>() == p);
    CHECK(json(p) == to_string(p));
  }
  CHECK(json("freeze").get<LossPolicy>() == LossPolicy::freeze);
  CHECK(json("udp").get<Transport>() == Transport::udp);
  CHECK(to_string(Transport::udp) == "udp");
  CHECK(to_string(LossPolicy::conceal) == "conceal");
}

TEST_CASE("an older or partial file reads, missing keys as defaults", "[unit][metrics]") {
  // As written before packets.late, frames.oversized, the kernel figures and
  // the snapshots existed; a value of the wrong type is still an error.
  json older = json(populated());
  older["packets"].erase("late");
  older["frames"].erase("oversized");
  older.erase("kernel");
  older.erase("snapshots");
  older["quality"] = {{"psnr_mean", nullptr}, {"psnr_min", nullptr}, {"mos_mean", nullptr}};
  for (auto& sample : older["timeline"]) sample.erase("late");
  const auto m = older.get<MetricsDocument>();
  CHECK(m.packets.late == 0);
  CHECK(m.packets.lost == 7);
  CHECK(m.frames.oversized == 0);
  CHECK(m.frames.decoded == 600);
  CHECK(m.kernel.rcvbuf_bytes == 0);
  CHECK(m.snapshots.empty());
  CHECK_FALSE(m.quality.comparison);
  CHECK(m.timeline.at(1).late == 0);
  CHECK(m.timeline.at(1).corrupt == 3);
  older["packets"]["lost"] = "many";
  CHECK_THROWS_AS(older.get<MetricsDocument>(), json::type_error);
}

TEST_CASE("timeline states: written lower-case, and older files' names read as today's",
          "[unit][metrics]") {
  CHECK(json(SessionState::rebuffering) == "rebuffering");
  CHECK(to_string(SessionState::waiting) == "waiting");
  // Files written before sessions had states.
  CHECK(json("buffering").get<SessionState>() == SessionState::joining);
  CHECK(json("stalled").get<SessionState>() == SessionState::rebuffering);
  const auto sample = json{{"t_ms", 100}, {"state", "frozen"}}.get<TimelineSample>();
  CHECK(sample.state == SessionState::frozen);
  CHECK(json(sample)["state"] == "frozen");
}
