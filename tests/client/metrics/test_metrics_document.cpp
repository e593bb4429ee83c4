// The metrics file's types (metrics_document.hpp): the keys and value types
// of flowcast.metrics/1, which tools outside flowcast read, the round trip
// document -> JSON -> document, the names of the enumerations, older files,
// and that metrics_keys and docs/METRICS.md name what the types write.
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

using namespace flowcast::client;
using nlohmann::json;

namespace {

// A document with every part present and no two figures alike.
MetricsDocument populated() {
  MetricsDocument m;
  m.transport = Transport::udp;
  m.config = {.buffer_ms = 500,
              .buffer_max_ms = 2000,
              .rebuffer_ms = 300,
              .overflow = OverflowPolicy::drop_old,
              .on_loss = LossPolicy::freeze,
              .host = "127.0.0.1",
              .port = 5004};
  m.duration_ms = 20000.5;
  m.session = {.protocol = "listen",
               .video_started = true,
               .start_failure = StartFailure::exit_before_video_start,
               .ended_by = EndedBy::silence,
               .state_ms = {.joining = 530.5,
                            .playing = 16370.25,
                            .rebuffering = 1500.25,
                            .frozen = 410.5,
                            .ended = 1000.5,
                            .waiting = 188.5}};
  m.startup_ms = 530.2;
  m.stalls = {.count = 1,
              .total_ms = 1500.25,
              .events = {{.start_ms = 8120.5, .duration_ms = 1500.25, .cause = "underrun"}}};
  m.rebuffering_ratio = 0.155;
  m.freezes = {.count = 2, .total_ms = 410.5};
  m.packets = {.received = 1000,
               .lost = 7,
               .late = 3,
               .duplicate = 2,
               .reordered = 4,
               .dropped_overflow = 5,
               .dropped_kernel = 6,
               .recovered = 8,
               .foreign_payload_type = 9,
               .foreign_ssrc = 10,
               .malformed = 11,
               .plis_sent = 12,
               .nacks_sent = 13};
  m.frames = {.decoded = 600,
              .rendered = 590,
              .dropped_late = 1,
              .corrupt = 2,
              .tainted = 3,
              .skipped = 4,
              .oversized = 5,
              .incomplete_access_units = 6,
              .damaged = 7,
              .rendered_corrupt = 1};
  m.buffer = {.capacity_bytes = 2 << 20,
              .capacity_ms = 2000,
              .peak_bytes = 90000,
              .peak_ms = 533.3,
              .grow_events = 1};
  m.kernel = {.rcvbuf_bytes = 212992, .peak_queued_bytes = 4096};
  m.latency_ms = {.p50 = 560.5, .p95 = 610.25, .max = 700.125};
  m.quality.figures = {.psnr_mean = 38.5, .psnr_min = 21.25, .mos_mean = 4.5};
  m.quality.comparison =
      ReferenceComparison{.reference = "clip.mp4",
                          .reference_matched = true,
                          .frames_compared = 2,
                          .frames_unmatched = 1,
                          .frames_not_compared = 0,
                          .mos_histogram = {{"1", 0}, {"2", 1}, {"3", 0}, {"4", 0}, {"5", 1}},
                          .per_frame = {{.t_ms = 600.5, .pts_ms = 0, .psnr = 100, .mos = 5},
                                        {.t_ms = 633.5, .pts_ms = 33.3, .psnr = 21.25, .mos = 2}}};
  m.quality.error = ReferenceError{"no picture matches"};
  m.snapshots = {{.file = "shots/clean-t000600ms.png",
                  .kind = "clean",
                  .t_ms = 600.5,
                  .pts_ms = 0,
                  .psnr = 100.0},
                 {.file = "shots/corrupt-01-t000633ms.png",
                  .kind = "corrupt",
                  .t_ms = 633.5,
                  .pts_ms = 33.3,
                  .psnr = std::nullopt}};
  m.timeline = {{.t_ms = 0,
                 .state = SessionState::joining,
                 .buffer_ms = 0,
                 .buffer_bytes = 0,
                 .kernel_bytes = 0,
                 .received_kbps = 0,
                 .lost = 0,
                 .late = 0,
                 .corrupt = 0},
                {.t_ms = 100.5,
                 .state = SessionState::playing,
                 .buffer_ms = 500.5,
                 .buffer_bytes = 60000,
                 .kernel_bytes = 1000,
                 .received_kbps = 4000.5,
                 .lost = 1,
                 .late = 2,
                 .corrupt = 3}};
  m.qoe = {.score = 3.25,
           .stall_mos = 4.5,
           .picture_mos = 3.5,
           .picture_basis = "psnr",
           .interruptions = 2,
           .interruption_mean_ms = 955.375,
           .damaged_share = 0.0118644};
  return m;
}

// "int", "float", "str", "bool", "NoneType", "dict", "list": as Python's json
// module reads a value, which tells integers from floats as tools do.
std::string kind_of(const json& v) {
  switch (v.type()) {
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "int";
    case json::value_t::number_float:
      return "float";
    case json::value_t::string:
      return "str";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::null:
      return "NoneType";
    case json::value_t::object:
      return "dict";
    case json::value_t::array:
      return "list";
    default:
      return "?";
  }
}

// Every path in v with the kind of its value: ".stalls.events[].cause str".
void paths_of(const json& v, const std::string& at, std::set<std::string>& out) {
  if (!at.empty()) out.insert(at + " " + kind_of(v));
  if (v.is_object())
    for (const auto& [key, item] : v.items()) paths_of(item, at + "." + key, out);
  if (v.is_array())
    for (const auto& item : v) paths_of(item, at + "[]", out);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("flowcast.metrics/1 keeps its keys and value types", "[unit][metrics]") {
  // What the client wrote before these types existed, taken from real runs
  // (TCP, UDP, stalls, a reference that matched and one that did not, a run
  // that never started). Keys may be added to flowcast.metrics/1, never
  // renamed or retyped: this list only grows.
  const std::set<std::string> contract = {
      ".buffer dict",
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
      ".timeline[].buffer_bytes int",
      ".timeline[].buffer_ms float",
      ".timeline[].corrupt int",
      ".timeline[].damaged int",
      ".timeline[].kernel_bytes int",
      ".timeline[].late int",
      ".timeline[].lost int",
      ".timeline[].received_kbps float",
      ".timeline[].state str",
      ".timeline[].tainted int",
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

TEST_CASE("metrics_keys point at what the document writes", "[unit][metrics]") {
  namespace keys = metrics_keys;
  const json j = populated();
  for (const auto* p : {&keys::kSchema,
                        &keys::kTransport,
                        &keys::kConfig,
                        &keys::kConfigBufferMs,
                        &keys::kConfigBufferMaxMs,
                        &keys::kConfigRebufferMs,
                        &keys::kConfigOverflow,
                        &keys::kConfigOnLoss,
                        &keys::kDurationMs,
                        &keys::kSession,
                        &keys::kSessionProtocol,
                        &keys::kSessionVideoStarted,
                        &keys::kSessionStartFailure,
                        &keys::kSessionEndedBy,
                        &keys::kSessionStateMs,
                        &keys::kStateJoiningMs,
                        &keys::kStatePlayingMs,
                        &keys::kStateRebufferingMs,
                        &keys::kStateFrozenMs,
                        &keys::kStateEndedMs,
                        &keys::kStateWaitingMs,
                        &keys::kStartupMs,
                        &keys::kStalls,
                        &keys::kStallsCount,
                        &keys::kStallsTotalMs,
                        &keys::kStallsEvents,
                        &keys::kRebufferingRatio,
                        &keys::kFreezes,
                        &keys::kFreezesCount,
                        &keys::kFreezesTotalMs,
                        &keys::kPackets,
                        &keys::kPacketsReceived,
                        &keys::kPacketsLost,
                        &keys::kPacketsLate,
                        &keys::kPacketsDroppedOverflow,
                        &keys::kPacketsDroppedKernel,
                        &keys::kPacketsRecovered,
                        &keys::kFrames,
                        &keys::kFramesDecoded,
                        &keys::kFramesRendered,
                        &keys::kFramesCorrupt,
                        &keys::kFramesTainted,
                        &keys::kFramesSkipped,
                        &keys::kFramesDroppedLate,
                        &keys::kFramesDamaged,
                        &keys::kFramesRenderedCorrupt,
                        &keys::kBuffer,
                        &keys::kBufferPeakMs,
                        &keys::kBufferPeakBytes,
                        &keys::kKernel,
                        &keys::kKernelPeakQueuedBytes,
                        &keys::kLatency,
                        &keys::kLatencyP50,
                        &keys::kLatencyP95,
                        &keys::kQuality,
                        &keys::kQualityPsnrMean,
                        &keys::kQualityPsnrMin,
                        &keys::kQualityMosMean,
                        &keys::kQualityPerFrame,
                        &keys::kQualityMosHistogram,
                        &keys::kSnapshots,
                        &keys::kTimeline,
                        &keys::kQoe,
                        &keys::kQoeScore,
                        &keys::kQoeStallMos,
                        &keys::kQoePictureMos,
                        &keys::kQoePictureBasis}) {
    INFO(p->to_string());
    CHECK(j.contains(*p));
  }
  struct Relative {
    const json& entry;
    std::vector<const keys::Pointer*> pointers;
  };
  const Relative relative[] = {
      {j.at("timeline").at(1),
       {&keys::kSampleTMs, &keys::kSampleBufferMs, &keys::kSampleKernelBytes,
        &keys::kSampleReceivedKbps, &keys::kSampleLost, &keys::kSampleLate, &keys::kSampleCorrupt,
        &keys::kSampleTainted, &keys::kSampleDamaged, &keys::kSampleState}},
      {j.at("stalls").at("events").at(0),
       {&keys::kStallStartMs, &keys::kStallDurationMs, &keys::kStallCause}},
      {j.at("quality").at("per_frame").at(0), {&keys::kFrameTMs, &keys::kFramePsnr}},
      {j.at("snapshots").at(0),
       {&keys::kSnapshotFile, &keys::kSnapshotKind, &keys::kSnapshotTMs, &keys::kSnapshotPtsMs,
        &keys::kSnapshotPsnr}},
  };
  for (const auto& r : relative)
    for (const auto* p : r.pointers) {
      INFO(p->to_string() << " in " << r.entry.dump());
      CHECK(r.entry.contains(*p));
    }
}

TEST_CASE("docs/METRICS.md names every key of the file", "[unit][metrics]") {
  const std::string doc = read_text(std::string(FLOWCAST_SOURCE_DIR) + "/docs/METRICS.md");
  REQUIRE_FALSE(doc.empty());
  // The words inside `code spans`, where the document names keys.
  std::set<std::string> named;
  for (size_t open = doc.find('`'); open != std::string::npos;) {
    const size_t close = doc.find('`', open + 1);
    if (close == std::string::npos) break;
    std::string word;
    for (char c : doc.substr(open + 1, close - open - 1) + " ") {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
        word += c;
      } else if (!word.empty()) {
        named.insert(word);
        word.clear();
      }
    }
    open = doc.find('`', close + 1);
  }
  std::set<std::string> keys;
  const json flat = json(populated()).flatten();
  for (const auto& item : flat.items()) {
    // "/quality/per_frame/0/psnr": the names, not the indexes.
    std::string token;
    for (char c : item.key() + "/") {
      if (c != '/') {
        token += c;
        continue;
      }
      if (!token.empty() && !std::all_of(token.begin(), token.end(), ::isdigit)) keys.insert(token);
      token.clear();
    }
  }
  for (const auto& key : keys) {
    INFO(key);
    CHECK(named.count(key) == 1);
  }
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
