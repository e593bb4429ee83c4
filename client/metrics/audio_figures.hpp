#pragma once
// "audio" in the metrics file (docs/METRICS.md): the session's audio stream,
// null without one. Its packets as the video's are counted (RFC 3550 A.3),
// and the W3C webrtc-stats audio counters of RTCInboundRtpStreamStats with
// their names and units
// (https://www.w3.org/TR/webrtc-stats/#dom-rtcinboundrtpstreamstats-totalsamplesreceived;
// how flowcast counts them: client/audio/audio_stage.hpp). Samples are
// sample frames: one per instant, whatever the channels, as the spec counts.
//
// Plain values; any thread.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace flowcast::client {

struct AudioPacketCounts {
  uint64_t received = 0;
  int64_t lost = 0;  // RFC 3550 §6.4.1 cumulative lost; negative with duplicates
  uint64_t late = 0;
  uint64_t duplicate = 0;
  uint64_t dropped_buffer = 0;  // discarded by the overflow policy
  uint32_t jitter = 0;          // RFC 3550 A.8, in the stream's clock (its sample rate)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AudioPacketCounts, received, lost, late, duplicate,
                                                dropped_buffer, jitter)

struct AudioFigures {
  std::string codec;         // the SDP encoding name: "MPEG4-GENERIC", "opus"
  std::string decoder;       // libavcodec's decoder: "aac", "libopus"
  uint32_t sample_rate = 0;  // Hz
  uint32_t channels = 0;
  AudioPacketCounts packets;
  // W3C webrtc-stats (NOLINT: W3C's names).
  uint64_t totalSamplesReceived = 0;            // NOLINT(readability-identifier-naming)
  uint64_t concealedSamples = 0;                // NOLINT(readability-identifier-naming)
  uint64_t silentConcealedSamples = 0;          // NOLINT(readability-identifier-naming)
  uint64_t concealmentEvents = 0;               // NOLINT(readability-identifier-naming)
  uint64_t insertedSamplesForDeceleration = 0;  // NOLINT(readability-identifier-naming)
  uint64_t removedSamplesForAcceleration = 0;   // NOLINT(readability-identifier-naming)
  double totalSamplesDuration = 0;              // NOLINT(readability-identifier-naming): s
  // The coded frames decoded, and refused by the decoder (concealed).
  uint64_t frames_decoded = 0;
  uint64_t frames_rejected = 0;
  // The output ran dry while playing: how often, and for how long in all.
  uint64_t underruns = 0;
  double underrun_ms = 0;
  // Stalls of the audio's playout (CTA-2066 rebuffering): its clock waited
  // for data after an underrun.
  uint64_t stalls = 0;
  double stall_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AudioFigures, codec, decoder, sample_rate, channels,
                                                packets, totalSamplesReceived, concealedSamples,
                                                silentConcealedSamples, concealmentEvents,
                                                insertedSamplesForDeceleration,
                                                removedSamplesForAcceleration, totalSamplesDuration,
                                                frames_decoded, frames_rejected, underruns,
                                                underrun_ms, stalls, stall_ms)

}  // namespace flowcast::client
