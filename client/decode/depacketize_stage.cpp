#include "client/decode/depacketize_stage.hpp"

namespace flowcast::client {

bool DepacketizeStage::transform(AccessUnitPayloads au) {
  if (!depacketizer_) {
    if (!format_ && !au.payloads.empty())
      format_ = media::detect_payload_format(au.payloads.front());
    if (!format_) format_ = &media::h264_payload_format();
    depacketizer_ = format_->make_depacketizer();
  }
  for (size_t i = 0; i < au.payloads.size(); ++i)
    depacketizer_->push(au.payloads[i], au.gap_before[i]);
  media::DepacketizedUnit assembled = depacketizer_->finish();
  dropped_nals_ += assembled.dropped_nals;
  nonconformant_packets_ += assembled.nonconformant_packets;
  CodedAccessUnit out;
  out.timestamp = au.timestamp;
  out.annexb = std::move(assembled.annexb);
  out.parameter_sets = assembled.parameter_sets;
  if (!parameter_sets_.empty() && (first_ || (assembled.keyframe && !assembled.parameter_sets))) {
    out.annexb.insert(out.annexb.begin(), parameter_sets_.begin(), parameter_sets_.end());
    out.parameter_sets = true;
  }
  first_ = false;
  out.complete = au.complete && assembled.complete;
  out.keyframe = assembled.keyframe;
  out.send_time_us = au.send_time_us;
  out.format = format_;
  return push(std::move(out));
}

}  // namespace flowcast::client
