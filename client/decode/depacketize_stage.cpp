#include "client/decode/depacketize_stage.hpp"

namespace flowcast::client {

bool DepacketizeStage::transform(AccessUnitPayloads au) {
  // The first payload that opens a keyframe says the format: the first of
  // the access unit, or a later one when a file's first keyframe begins with
  // an SEI and its parameter sets follow.
  for (size_t i = 0; !format_ && i < au.payloads.size(); ++i)
    format_ = media::detect_payload_format(au.payloads[i]);
  if (!format_) {
    // No format is known yet: the stream's first keyframe was lost. Nothing
    // can be decoded before one (its parameter sets come with it), so the
    // access unit goes on empty and incomplete, and the next keyframe says
    // what the stream is.
    CodedAccessUnit out;
    out.timestamp = au.timestamp;
    out.complete = false;
    out.send_time_us = au.send_time_us;
    first_ = false;
    return push(std::move(out));
  }
  if (!depacketizer_) depacketizer_ = format_->make_depacketizer();
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
