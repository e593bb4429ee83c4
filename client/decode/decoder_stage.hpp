#pragma once
// Transform: Annex B access units -> pictures, through the libavcodec decoder
// of the stream's payload format, with concealment on. It applies the loss
// policy:
//   conceal  decode what arrived; pictures until the next complete keyframe
//            are tainted. After a long gap (kLongGap90k: many pictures lost
//            whole), or kSilentInputs access units after a loss that gave
//            no picture, the decoder restarts: else libavcodec's H.264
//            decoder takes every picture until the keyframe for one out of
//            order (its picture order counts wrapped) and shows none.
//   freeze   from an incomplete access unit to the next complete keyframe,
//            decode nothing and pass skip markers on (the renderer holds the
//            last good picture), and ask the server for a keyframe (RTCP
//            PLI); again when a keyframe comes incomplete, or after
//            kAskAgain without one.
// A stream joined without a keyframe (periodic intra refresh) decodes to
// pictures the decoder flags corrupt until its first recovery point (H.264
// §D.2.7 recovery point SEI): on a clean link they are not shown, as ffmpeg
// does not show them, and counted in unrecovered; once an access unit was
// incomplete, concealment shows what it can.
// Timestamps in decode order. Some senders stamp each access unit one frame
// after the one before in decode order, even with B-frames (live555 for raw
// .264/.265 files, which carry no presentation times): the timestamps are not
// presentation times. The decoder's output order tells: a picture that comes
// out with an earlier timestamp than the one before it (by less than
// kMaxReorder90k), or while an access unit that went in before it with an
// earlier timestamp is still inside, cannot be stamped in presentation order.
// Only a clean stretch is read (no incomplete access unit, none that gave
// nothing, in the last kMaxDecoderDelay): after a loss the decoder's output
// order says nothing of the stamps. From then on each
// picture takes the earliest timestamp of the access units still inside the
// decoder, so pictures keep the stream's own cadence, in display order.
// Undecodable access units: one whose picture has not come out after
// kMaxDecoderDelay more went in (or by the end) produced none.
// flush() drains the pictures the decoder holds for reordering.
// Decode thread only, but counters() may be read from any thread.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "client/decode/coded_access_unit.hpp"
#include "client/decode/loss_policy.hpp"
#include "common/stream/stream.hpp"
#include "media/codec/video_decoder.hpp"
#include "media/payload/h264_sps.hpp"
#include "media/payload/payload_format.hpp"
#include "media/quality/frame_md5.hpp"

namespace flowcast::client {

struct DecodeCounters {
  uint64_t access_units = 0;
  uint64_t incomplete_access_units = 0;
  uint64_t decoded = 0;
  uint64_t corrupt = 0;
  uint64_t skipped = 0;
  uint64_t rejected = 0;
  uint64_t keyframe_requests = 0;
  // Access units not decoded because their SPS declares a picture larger
  // than --max-picture allows; the first such size, for the message.
  uint64_t oversized = 0;
  std::optional<media::PictureSize> oversized_size;
  // Pictures before the first recovery point, on a clean link: not shown,
  // not in decoded.
  uint64_t unrecovered = 0;
  // Access units that went into the decoder and gave no picture (rejected,
  // references missing beyond concealment, or hidden by the sender's edit
  // list).
  uint64_t undecodable = 0;
  // Access units inside the decoder right now (reordering delay), not yet a
  // picture: at the end of a run cut short, pictures never shown.
  uint64_t held = 0;
  // The stream's timestamps follow decode order (see above): pictures are
  // retimed.
  bool decode_order_timestamps = false;
};

class DecoderStage : public common::Transform<CodedAccessUnit, RenderFrame> {
 public:
  // A picture later than this out of the decoder had produced nothing.
  // H.264 and H.265 hold at most 16 pictures for reordering.
  static constexpr uint64_t kMaxDecoderDelay = 32;
  // Reordering never moves a picture this far (1 s at 90 kHz): a bigger step
  // back is a discontinuity, not decode order.
  static constexpr int64_t kMaxReorder90k = 90'000;
  // conceal: an incomplete access unit this long after the one before
  // (pictures lost whole in between) restarts the decoder (see transform).
  static constexpr int64_t kLongGap90k = 45'000;
  // conceal: after a loss, this many access units in a row that gave no
  // picture restart the decoder too.
  static constexpr uint64_t kSilentInputs = 8;
  // While frozen, the keyframe is asked for again after this long.
  static constexpr std::chrono::milliseconds kAskAgain{1000};
  // request_keyframe: called (decode thread) when the freeze policy needs an
  // IDR. keep_digests: keep a framemd5 line per decoded picture. limit:
  // access units whose SPS declares a larger picture, and those after them
  // until an SPS within the limit, are counted in oversized, not decoded.
  // format: nullptr to take the first access unit's (CodedAccessUnit::format);
  // the decoder opens then. threading: what the decoder's threads may cost
  // in delay (media/codec/decoder_threading.hpp).
  DecoderStage(const media::PayloadFormat* format, LossPolicy policy,
               std::function<void()> request_keyframe, bool keep_digests,
               media::PictureLimit limit = {}, media::ThreadingLimits threading = {});

  DecodeCounters counters() const;
  std::vector<media::FrameMd5Line> digests() const;

 protected:
  bool transform(CodedAccessUnit au) override;
  void flush_held() override;

 private:
  bool emit(std::vector<media::DecodedFrame> frames);
  // An access unit with this timestamp goes into the decoder.
  void note_input(int64_t pts_90k);
  // The presentation time of a picture the decoder gave out with the
  // timestamp of its access unit, `pts_90k`; forgets that access unit.
  int64_t presentation_time(int64_t pts_90k);
  // Access units the decoder gave nothing for, after kMaxDecoderDelay more
  // (all of them with `all`): counted undecodable.
  void expire_inputs(bool all);
  // Drains the decoder (its pictures go on) and starts it afresh.
  void restart_decoder();
  // Asks the sender for a keyframe, at most once every kAskAgain / 2.
  void ask_for_keyframe();
  // Reads the SPS sizes of an access unit that has one; true while the
  // latest SPS declares a picture beyond limit_.
  bool refuse_oversized(const CodedAccessUnit& au);

  LossPolicy policy_;
  std::function<void()> request_keyframe_;
  bool keep_digests_;
  const media::PayloadFormat* format_;
  media::PictureLimit limit_;
  media::ThreadingLimits threading_;
  std::optional<media::VideoDecoder> decoder_;
  bool oversized_ = false;  // the latest SPS is beyond limit_
  bool tainted_ = false;
  bool recovered_ = false;  // a picture without the decoder's corrupt flag came out
  bool loss_seen_ = false;  // an access unit was incomplete
  bool freezing_ = false;
  std::chrono::steady_clock::time_point asked_at_{};
  std::map<int64_t, uint64_t> send_times_;  // pts -> send time, for latency
  std::set<int64_t> tainted_pts_;           // access units decoded after a loss
  // Access units in the decoder with no picture out yet: timestamp -> their
  // input number (inputs_ at the time).
  std::map<int64_t, uint64_t> awaiting_;
  uint64_t inputs_ = 0;
  std::optional<int64_t> last_output_pts_;         // as the decoder gave it
  std::optional<uint64_t> last_incomplete_input_;  // the input number of the latest loss
  std::optional<uint64_t> last_gave_nothing_;      // inputs_ when one was last found undecodable
  bool first_output_ = false;                      // a picture came out
  std::optional<int64_t> last_input_ts_;           // the access unit before
  uint64_t inputs_at_last_output_ = 0;             // inputs_ when a picture last came out
  bool decode_order_ = false;

  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  DecodeCounters counters_;
  std::vector<media::FrameMd5Line> digests_;
};

}  // namespace flowcast::client
