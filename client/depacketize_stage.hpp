#pragma once
// Transform: the RTP payloads of one access unit -> Annex B (RFC 6184).
// Decode thread only.
#include "client/coded_access_unit.hpp"
#include "client/receive_buffer.hpp"
#include "common/stream.hpp"

namespace flowcast::client {

class DepacketizeStage : public common::Transform<AccessUnitPayloads, CodedAccessUnit> {
 public:
  uint64_t dropped_nals() const { return dropped_nals_; }

 protected:
  bool transform(AccessUnitPayloads au) override;

 private:
  uint64_t dropped_nals_ = 0;
};

}  // namespace flowcast::client
