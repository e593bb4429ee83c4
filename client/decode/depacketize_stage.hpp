#pragma once
// Transform: the RTP payloads of one access unit -> Annex B, through the
// stream's payload format (media/payload/payload_format.hpp). Decode thread only.
#include <atomic>

#include "client/decode/coded_access_unit.hpp"
#include "client/playout/receive_buffer.hpp"
#include "common/stream/stream.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::client {

class DepacketizeStage : public common::Transform<AccessUnitPayloads, CodedAccessUnit> {
 public:
  // parameter_sets: Annex B SPS/PPS from the SDP (--listen), or empty. They
  // go before the first access unit, and before every IDR access unit that
  // brings no SPS of its own, so decoding can start (and restart after a
  // freeze) when the sender never sends them in-band.
  // format: nullptr for flowcast-server's own TCP and UDP, which have no
  // SDP: it is then found from the first access unit with a payload that
  // opens a keyframe (media::detect_payload_format, payloads in order, the
  // formats in theirs); access units before it go on empty,
  // incomplete and without a format.
  explicit DepacketizeStage(const media::PayloadFormat* format,
                            std::vector<uint8_t> parameter_sets = {})
      : format_(format), parameter_sets_(std::move(parameter_sets)) {}

  uint64_t dropped_nals() const { return dropped_nals_; }
  // Any thread.
  uint64_t nonconformant_packets() const { return nonconformant_packets_.load(); }

 protected:
  bool transform(AccessUnitPayloads au) override;

 private:
  const media::PayloadFormat* format_;
  std::unique_ptr<media::Depacketizer> depacketizer_;
  std::vector<uint8_t> parameter_sets_;
  bool first_ = true;
  uint64_t dropped_nals_ = 0;
  std::atomic<uint64_t> nonconformant_packets_{0};
};

}  // namespace flowcast::client
