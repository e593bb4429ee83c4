#pragma once
// Transform: Annex B access units -> pictures, through the libavcodec decoder
// of the stream's payload format, with concealment on. It applies the loss
// policy:
//   conceal  decode what arrived; pictures until the next complete keyframe
//            are tainted.
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
// flush() drains the pictures the decoder holds for reordering.
// Decode thread only, but counters() may be read from any thread.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "client/client_options.hpp"
#include "client/decode/coded_access_unit.hpp"
#include "common/stream/stream.hpp"
#include "media/codec/video_decoder.hpp"
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
};

class DecoderStage : public common::Transform<CodedAccessUnit, RenderFrame> {
 public:
  // While frozen, the keyframe is asked for again after this long.
  static constexpr std::chrono::milliseconds kAskAgain{1000};
  // request_keyframe: called (decode thread) when the freeze policy needs an
  // IDR. keep_digests: keep a framemd5 line per decoded picture. limit:
  // access units whose SPS declares a larger picture, and those after them
  // until an SPS within the limit, are counted in oversized, not decoded.
  // format: nullptr to take the first access unit's (CodedAccessUnit::format);
  // the decoder opens then.
  DecoderStage(const media::PayloadFormat* format, LossPolicy policy,
               std::function<void()> request_keyframe, bool keep_digests,
               media::PictureLimit limit = {});

  DecodeCounters counters() const;
  std::vector<media::FrameMd5Line> digests() const;

 protected:
  bool transform(CodedAccessUnit au) override;
  void flush_held() override;

 private:
  bool emit(std::vector<media::DecodedFrame> frames);
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
  std::optional<media::VideoDecoder> decoder_;
  bool oversized_ = false;  // the latest SPS is beyond limit_
  bool tainted_ = false;
  bool recovered_ = false;  // a picture without the decoder's corrupt flag came out
  bool loss_seen_ = false;  // an access unit was incomplete
  bool freezing_ = false;
  std::chrono::steady_clock::time_point asked_at_{};
  std::map<int64_t, uint64_t> send_times_;  // pts -> send time, for latency
  std::set<int64_t> tainted_pts_;           // access units decoded after a loss

  mutable std::mutex mutex_;
  // --- Protected by mutex_.
  DecodeCounters counters_;
  std::vector<media::FrameMd5Line> digests_;
};

}  // namespace flowcast::client
