#pragma once
// The seeds and written regressions of each fuzz target, by the layer the
// target reads for: fuzz_make_corpus's main (make_corpus.cpp) calls each
// once. units: the access units of the H.264 stream, packetized (1200-byte
// payloads). Main thread only; throw std::runtime_error when an input lacks
// what a seed needs.
#include <string>
#include <vector>

#include "corpus_writer.hpp"

namespace flowcast::fuzz::corpus {

// --- common/ (corpus_wire.cpp): rtp, rtcp, rfc4571, handshake, units, and
// the boundary regressions of the first four.
void make_rtp(const std::vector<Payloads>& units);
void make_rtcp();
void make_rfc4571(const std::vector<Payloads>& units);
void make_handshake();
void make_units();
void make_wire_boundaries(const std::vector<Payloads>& units);

// --- media/ (corpus_media.cpp): h264_depacketizer, h264_sps, sdp, payload.
void make_h264(const std::vector<AccessUnit>& units);
// streams: whole H.264 streams, whose SPSs (and one PPS) are the seeds.
void make_h264_sps(const std::vector<Bytes>& streams);
// ffmpeg_sdp: the SDP ffmpeg wrote; keyframe: its stream's first access unit.
void make_sdp(const std::string& ffmpeg_sdp, const AccessUnit& keyframe);
void make_sdp_boundaries();
void make_payload(const std::vector<AccessUnit>& h264, const std::vector<AccessUnit>& h265);
// audio_depacketizer: AAC units whole and fragmented, several AUs in one
// packet, Opus packets, G.711 packets (one lost); regressions at the AU
// header's length checks.
void make_audio();

// --- client/ (corpus_client.cpp): receive_buffer, network_source.
void make_receive_buffer(const std::vector<Payloads>& units);
void make_network_source(const std::vector<Payloads>& units);

}  // namespace flowcast::fuzz::corpus
