// The names of flowcast.metrics/1's keys outside its types: metrics_keys
// (the JSON pointers the report and the sweep read) and docs/METRICS.md
// both name exactly what metrics_document.hpp writes.
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
                        &keys::kQoePictureBasis,
                        &keys::kClientLoad,
                        &keys::kClientLoadWakeLateMax,
                        &keys::kClientLoadWakeLateP95,
                        &keys::kClientLoadLatePictures,
                        &keys::kAudio,
                        &keys::kAudioConcealedSamples,
                        &keys::kAudioUnderruns}) {
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
        &keys::kSampleTainted, &keys::kSampleDamaged, &keys::kSampleState,
        &keys::kSampleAudioBufferMs, &keys::kSampleAudioConcealed, &keys::kSampleAudioUnderruns,
        &keys::kSampleAvOffsetMs}},
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
