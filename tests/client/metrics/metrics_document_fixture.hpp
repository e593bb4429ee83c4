#pragma once
// What the tests of the metrics file's types share: a document with every
// part present, the kinds and paths of a JSON value as tools outside
// flowcast read them, and a file's text.
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "client/metrics/metrics_document.hpp"

namespace flowcast::test {

using namespace flowcast::client;
using nlohmann::json;

// A document with every part present and no two figures alike.
inline MetricsDocument populated() {
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
                 .corrupt = 3,
                 .target_delay_ms = 500.0,
                 .delay_ms = 480.5,
                 .audio_buffer_ms = 520.5,
                 .audio_concealed_samples = 960,
                 .audio_underruns = 1,
                 .av_offset_ms = -12.5}};
  m.qoe = {.score = 3.25,
           .stall_mos = 4.5,
           .picture_mos = 3.5,
           .picture_basis = "psnr",
           .interruptions = 2,
           .interruption_mean_ms = 955.375,
           .damaged_share = 0.0118644};
  m.client_load = {.wakes = 580,
                   .wake_late_ms = {.p50 = 0.25, .p95 = 1.5, .max = 12.75},
                   .late_pictures = 1,
                   .cpu_ms = 1830.5};
  m.jitter_buffer = {.policy = "adaptive",
                     .jitterBufferDelay = 15.25,
                     .jitterBufferTargetDelay = 14.5,
                     .jitterBufferMinimumDelay = 4.75,
                     .jitterBufferEmittedCount = 30};
  m.audio = AudioFigures{.codec = "opus",
                         .decoder = "libopus",
                         .sample_rate = 48000,
                         .channels = 2,
                         .packets = {.received = 250,
                                     .lost = 2,
                                     .late = 1,
                                     .duplicate = 0,
                                     .dropped_buffer = 0,
                                     .jitter = 96},
                         .totalSamplesReceived = 240000,
                         .concealedSamples = 1920,
                         .silentConcealedSamples = 0,
                         .concealmentEvents = 2,
                         .insertedSamplesForDeceleration = 480,
                         .removedSamplesForAcceleration = 0,
                         .totalSamplesDuration = 5.0,
                         .frames_decoded = 248,
                         .frames_rejected = 0,
                         .underruns = 1,
                         .underrun_ms = 20.5,
                         .stalls = 1,
                         .stall_ms = 310.25};
  m.av_sync =
      AvSyncFigures{.pictures = 140,
                    .mean_ms = 4.5,
                    .p50_ms = 3.25,
                    .p95_ms = 12.5,
                    .max_ms = 33.5,
                    .mean_signed_ms = -1.5,
                    .outside_window_share = 0.0,
                    .corrections = 1,
                    .pictures_dropped_for_sync = 0,
                    .pictures_repeated_for_sync = 1,
                    .beeps = 5,
                    .flashes = 5,
                    .beep_flash_pairs = 4,
                    .beep_flash_offset_ms = {
                        .mean = 6.5, .p50 = 5.25, .p95 = 12.5, .max = 12.5, .mean_signed = -4.5}};
  return m;
}

// "int", "float", "str", "bool", "NoneType", "dict", "list": as Python's json
// module reads a value, which tells integers from floats as tools do.
inline std::string kind_of(const json& v) {
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
inline void paths_of(const json& v, const std::string& at, std::set<std::string>& out) {
  if (!at.empty()) out.insert(at + " " + kind_of(v));
  if (v.is_object())
    for (const auto& [key, item] : v.items()) paths_of(item, at + "." + key, out);
  if (v.is_array())
    for (const auto& item : v) paths_of(item, at + "[]", out);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace flowcast::test
