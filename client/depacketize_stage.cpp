#include "client/depacketize_stage.hpp"

#include "media/h264_packetizer.hpp"

namespace flowcast::client {

bool DepacketizeStage::transform(AccessUnitPayloads au) {
  media::H264Depacketizer depacketizer;
  for (size_t i = 0; i < au.payloads.size(); ++i)
    depacketizer.push(au.payloads[i], au.gap_before[i]);
  auto assembled = depacketizer.finish();
  dropped_nals_ += assembled.dropped_nals;
  CodedAccessUnit out;
  out.timestamp = au.timestamp;
  out.annexb = std::move(assembled.annexb);
  out.has_sps = assembled.has_sps;
  if (!parameter_sets_.empty() && (first_ || (assembled.has_idr && !assembled.has_sps))) {
    out.annexb.insert(out.annexb.begin(), parameter_sets_.begin(), parameter_sets_.end());
    out.has_sps = true;
  }
  first_ = false;
  out.complete = au.complete && assembled.complete;
  out.has_idr = assembled.has_idr;
  out.send_time_us = au.send_time_us;
  return push(std::move(out));
}

}  // namespace flowcast::client
