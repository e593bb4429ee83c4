#include "client/decode/decoder_stage.hpp"

#include "media/payload/annexb.hpp"

namespace flowcast::client {

DecoderStage::DecoderStage(const media::PayloadFormat* format, LossPolicy policy,
                           std::function<void()> request_keyframe, bool keep_digests,
                           media::PictureLimit limit, media::ThreadingLimits threading)
    : policy_(policy),
      request_keyframe_(std::move(request_keyframe)),
      keep_digests_(keep_digests),
      format_(format),
      limit_(limit),
      threading_(threading) {
  if (format_)
    decoder_.emplace(format_->codec_id, media::DecoderThreadingRequest::chosen(threading_), limit_);
}

bool DecoderStage::refuse_oversized(const CodedAccessUnit& au) {
  if (au.parameter_sets) {
    for (std::span<const uint8_t> nal : media::split_annexb(au.annexb)) {
      auto size = format_->picture_size(nal);
      if (!size) continue;
      oversized_ = !limit_.allows(*size);
      if (oversized_) {
        std::lock_guard lock(mutex_);
        if (!counters_.oversized_size) counters_.oversized_size = size;
      }
    }
  }
  if (oversized_) {
    std::lock_guard lock(mutex_);
    ++counters_.oversized;
  }
  return oversized_;
}

DecodeCounters DecoderStage::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::vector<media::FrameMd5Line> DecoderStage::digests() const {
  std::lock_guard lock(mutex_);
  return digests_;
}

void DecoderStage::ask_for_keyframe() {
  const auto now = std::chrono::steady_clock::now();
  if (asked_at_ != std::chrono::steady_clock::time_point{} && now - asked_at_ < kAskAgain / 2)
    return;
  asked_at_ = now;
  {
    std::lock_guard lock(mutex_);
    ++counters_.keyframe_requests;
  }
  if (request_keyframe_) request_keyframe_();
}

bool DecoderStage::transform(CodedAccessUnit au) {
  if (!decoder_ && au.format) format_ = au.format;
  if (!decoder_ && !format_) {
    // Before the stream's format is known (DepacketizeStage): nothing to
    // decode, a keyframe to ask for.
    {
      std::lock_guard lock(mutex_);
      ++counters_.access_units;
      ++counters_.incomplete_access_units;
    }
    loss_seen_ = true;
    ask_for_keyframe();
    return true;
  }
  if (!decoder_)
    decoder_.emplace(format_->codec_id, media::DecoderThreadingRequest::chosen(threading_), limit_);
  {
    std::lock_guard lock(mutex_);
    ++counters_.access_units;
    if (!au.complete) ++counters_.incomplete_access_units;
  }
  if (!au.complete) loss_seen_ = true;
  // Refused before the decoder allocates pictures of that size; the
  // pictures after it reference them, so they go too.
  if (refuse_oversized(au)) return true;
  const bool clean_keyframe = au.complete && au.keyframe;
  if (clean_keyframe) {
    tainted_ = false;
    freezing_ = false;
  } else if (!au.complete) {
    tainted_ = true;
    if (policy_ == LossPolicy::freeze && !freezing_) {
      // The pictures the decoder still holds come first, then the freeze.
      emit(decoder_->flush());
      expire_inputs(true);
      freezing_ = true;
      ask_for_keyframe();
    } else if (policy_ == LossPolicy::conceal && last_input_ts_ &&
               au.timestamp - *last_input_ts_ > kLongGap90k) {
      restart_decoder();
    }
  } else if (policy_ == LossPolicy::conceal && tainted_ && first_output_ &&
             inputs_ - inputs_at_last_output_ >= kSilentInputs) {
    // After a loss the decoder took access units and gave nothing: it
    // takes them for out of order, whatever the gap was.
    restart_decoder();
  }
  last_input_ts_ = au.timestamp;

  // The keyframe asked for may be lost too (or the PLI): ask again, at the
  // pace the server answers (one keyframe a second per KeyframeLimiter).
  if (freezing_ && (au.keyframe || std::chrono::steady_clock::now() - asked_at_ >= kAskAgain))
    ask_for_keyframe();
  if (freezing_) {
    // Hold the last good picture: nothing reaches the decoder until an IDR.
    {
      std::lock_guard lock(mutex_);
      ++counters_.skipped;
    }
    RenderFrame skip;
    skip.pts_90k = au.timestamp;
    skip.skipped = true;
    return push(std::move(skip));
  }
  if (au.send_time_us) {
    send_times_[au.timestamp] = *au.send_time_us;
    while (send_times_.size() > 256) send_times_.erase(send_times_.begin());
  }
  // The taint travels with the picture: the decoder hands pictures out
  // later than their access units went in.
  if (tainted_) {
    tainted_pts_.insert(au.timestamp);
    while (tainted_pts_.size() > 256) tainted_pts_.erase(tainted_pts_.begin());
  }
  if (!au.complete) last_incomplete_input_ = inputs_;
  if (format_->is_hidden && format_->is_hidden(au.annexb)) {
    // A picture the sender's edit list hides: decoded, never shown.
    std::lock_guard lock(mutex_);
    ++counters_.undecodable;
  } else {
    note_input(au.timestamp);
  }
  auto frames = decoder_->decode(au.annexb, au.timestamp);
  {
    std::lock_guard lock(mutex_);
    counters_.rejected = decoder_->rejected();
  }
  return emit(std::move(frames));
}

void DecoderStage::flush_held() {
  if (decoder_) emit(decoder_->flush());
  // Whatever the decoder still owes after a flush it will never give.
  expire_inputs(true);
}

void DecoderStage::restart_decoder() {
  // Many pictures lost whole: the decoder's picture order counts wrapped
  // meanwhile, and it would take every picture until the next keyframe for
  // one out of order and show none. Its held pictures come out, then it
  // starts afresh and conceals what arrives.
  emit(decoder_->flush());
  expire_inputs(true);
  inputs_at_last_output_ = inputs_;
}

void DecoderStage::note_input(int64_t pts_90k) {
  awaiting_[pts_90k] = inputs_++;
  expire_inputs(false);
}

void DecoderStage::expire_inputs(bool all) {
  uint64_t expired = 0;
  for (auto it = awaiting_.begin(); it != awaiting_.end();) {
    if (all || it->second + kMaxDecoderDelay < inputs_) {
      it = awaiting_.erase(it);
      ++expired;
    } else {
      ++it;
    }
  }
  if (expired) last_gave_nothing_ = inputs_;
  std::lock_guard lock(mutex_);
  counters_.undecodable += expired;
  counters_.held = awaiting_.size();
}

int64_t DecoderStage::presentation_time(int64_t pts_90k) {
  // Stamped in presentation order, a picture leaves the decoder after every
  // picture of an earlier timestamp. Two signs of decode order: one leaves
  // with an earlier timestamp than the one before it; or, while nothing was
  // lost lately, one leaves while an access unit that went in before it,
  // with an earlier timestamp, is still inside (this one tells a picture
  // sooner, before any was shown out of place).
  // After a loss, or an access unit that gave nothing, the decoder's output
  // order says nothing of the stamps: only a clean stretch is read.
  auto recent = [&](std::optional<uint64_t> input) {
    return input && *input + kMaxDecoderDelay >= inputs_;
  };
  const auto own = awaiting_.find(pts_90k);
  if (own != awaiting_.end() && !first_output_) {
    // What went in before the first picture (a stream joined between
    // keyframes) gave nothing: undecodable, not a sign of decode order.
    first_output_ = true;
    // Those are earlier both ways; one that went in earlier with a later
    // timestamp is a reference picture still held for reordering.
    const uint64_t first_input = own->second;
    uint64_t before = 0;
    for (auto it = awaiting_.begin(); it != awaiting_.end() && it->first < pts_90k;)
      it = it->second < first_input ? (++before, awaiting_.erase(it)) : std::next(it);
    if (before) last_gave_nothing_ = inputs_;
    std::lock_guard lock(mutex_);
    counters_.undecodable += before;
  }
  const bool clean = !recent(last_incomplete_input_) && !recent(last_gave_nothing_);
  const bool earlier_inside = own != awaiting_.end() && awaiting_.begin()->first < pts_90k &&
                              awaiting_.begin()->second < own->second &&
                              pts_90k - awaiting_.begin()->first < kMaxReorder90k;
  const bool stepped_back = last_output_pts_ && pts_90k < *last_output_pts_ &&
                            *last_output_pts_ - pts_90k < kMaxReorder90k;
  if (!decode_order_ && clean && (earlier_inside || stepped_back)) {
    decode_order_ = true;
    std::lock_guard lock(mutex_);
    counters_.decode_order_timestamps = true;
  }
  last_output_pts_ = pts_90k;
  inputs_at_last_output_ = inputs_;
  int64_t shown = pts_90k;
  if (decode_order_ && !awaiting_.empty()) {
    // The earliest slot still open is this picture's: output order is
    // display order, and the stream advanced one frame per access unit.
    shown = awaiting_.begin()->first;
    awaiting_.erase(awaiting_.begin());
  } else {
    awaiting_.erase(pts_90k);
  }
  std::lock_guard lock(mutex_);
  counters_.held = awaiting_.size();
  return shown;
}

bool DecoderStage::emit(std::vector<media::DecodedFrame> frames) {
  bool more = true;
  for (auto& df : frames) {
    if (!recovered_) {
      if (df.corrupt && !loss_seen_) {
        // Before the recovery point of a stream joined without a keyframe.
        presentation_time(df.pts_90k);
        tainted_pts_.erase(df.pts_90k);
        send_times_.erase(df.pts_90k);
        std::lock_guard lock(mutex_);
        ++counters_.unrecovered;
        continue;
      }
      recovered_ = !df.corrupt;
    }
    RenderFrame rf;
    rf.pts_90k = presentation_time(df.pts_90k);
    rf.corrupt = df.corrupt;
    const bool tainted = tainted_pts_.erase(df.pts_90k) > 0;
    rf.tainted = tainted && !df.corrupt;
    if (auto it = send_times_.find(df.pts_90k); it != send_times_.end()) {
      rf.send_time_us = it->second;
      send_times_.erase(it);
    }
    {
      std::lock_guard lock(mutex_);
      ++counters_.decoded;
      if (df.corrupt) ++counters_.corrupt;
      if (keep_digests_) digests_.push_back(media::framemd5_line(df.frame, df.pts_90k));
    }
    rf.frame = std::move(df.frame);
    more = push(std::move(rf)) && more;
  }
  return more;
}

}  // namespace flowcast::client
