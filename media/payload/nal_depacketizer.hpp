#pragma once
// The depacketizer both NAL-unit payload formats share (RFC 6184 and RFC
// 7798 have the same three packet shapes): single NAL unit packets,
// aggregation packets (STAP-A, AP: a payload header, then 16-bit sizes and
// NAL units) and fragmentation units (FU-A, FU: a payload header, an FU
// header with S, E and the type, then a piece of one NAL unit). What differs
// between the codecs, the NAL unit header, is in NalRules; everything else
// (fragment reassembly, aggregate walking, kMaxAccessUnitBytes, the
// counters) is here once.
//
// Rebuilds Annex B (4-byte start codes 00 00 00 01) from the RTP payloads of
// one access unit. Single-threaded: one receiver owns it. Memory is bounded
// by kMaxAccessUnitBytes however hostile the payloads.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "media/payload/payload_format.hpp"

namespace flowcast::media {

// A codec's NAL unit header, as its RTP payload format reads it.
struct NalRules {
  size_t header_bytes = 1;       // the NAL unit header: 1 (H.264) or 2 (H.265)
  uint8_t fu_type_mask = 0x1F;   // the type's bits in the FU header
  uint8_t aggregation_type = 0;  // STAP-A (24) / AP (48)
  uint8_t fragment_type = 0;     // FU-A (28) / FU (49)
  // The type of a NAL unit or payload from its header (at least header_bytes).
  uint8_t (*type)(std::span<const uint8_t> nal) = nullptr;
  // True for a type that is a NAL unit of the codec, not an RTP payload
  // structure or reserved: what may stand alone, be aggregated or fragmented.
  bool (*is_nal_unit)(uint8_t type) = nullptr;
  // The header of a fragmented NAL unit of this type, from the FU's payload
  // header (header_bytes at `out`).
  void (*fragment_header)(std::span<const uint8_t> payload, uint8_t type, uint8_t* out) = nullptr;
  // What a NAL unit of this type makes of its access unit.
  bool (*is_keyframe)(uint8_t type) = nullptr;
  bool (*is_sequence_parameter_set)(uint8_t type) = nullptr;
};

class NalDepacketizer : public Depacketizer {
 public:
  // `rules` must outlive the depacketizer (the formats' are static).
  explicit NalDepacketizer(const NalRules& rules) : rules_(&rules) {}

  // One RTP payload, in sequence order; copies what it keeps. gap_before: a
  // packet is known to be missing right before this one (a fragmented NAL
  // unit in progress is then cut short). Malformed payloads (shorter than
  // the header, an aggregate whose sizes do not tile it or that nests one,
  // an FU with no data, fragments of one NAL unit that disagree on its
  // type, a type the rules do not take) are dropped and counted, never
  // thrown. An FU with both S and E set (RFC 6184 §5.8 and RFC 7798 §4.4.3
  // forbid it) is taken as a whole NAL unit and counted in
  // nonconformant_packets.
  void push(std::span<const uint8_t> payload, bool gap_before) override;
  // Ends the access unit: an FU without its end fragment is kept as a
  // truncated NAL unit (complete = false), and resets for the next one.
  DepacketizedUnit finish() override;

 private:
  enum class FragmentState {
    kIdle,        // no fragmented NAL unit in progress
    kAssembling,  // fragment_ holds the start of a NAL unit
    kDiscarding,  // the NAL unit in progress was dropped; skip its remaining fragments
  };

  void push_aggregate(std::span<const uint8_t> payload);
  void push_fragment(std::span<const uint8_t> payload);
  // Appends a NAL unit (without start code) to the access unit, or drops it
  // if the access unit would grow past kMaxAccessUnitBytes.
  void append_nal(std::span<const uint8_t> nal);
  // Counts one dropped NAL unit and marks the access unit incomplete.
  void drop();
  // Ends the fragmented NAL unit in progress, if any: what arrived of it
  // goes into the access unit as a truncated NAL unit (the decoder decodes
  // the slice's start and conceals the rest), and the rest of its fragments
  // are skipped. keep_prefix false: the fragments contradict each other,
  // keep nothing.
  void abandon_fragment(bool keep_prefix = true);

  const NalRules* rules_;
  DepacketizedUnit unit_;
  std::vector<uint8_t> fragment_;  // the NAL unit being reassembled, header first
  FragmentState fragment_state_ = FragmentState::kIdle;
};

}  // namespace flowcast::media
