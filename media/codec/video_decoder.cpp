#include "media/codec/video_decoder.hpp"

#include <cstring>
#include <new>

#include "media/ffmpeg/av_error.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::media {

VideoDecoder::VideoDecoder(AVCodecID codec_id, int threads, PictureLimit limit) {
  if (const PayloadFormat* format = find_payload_format(codec_id)) is_hidden_ = format->is_hidden;
  const AVCodec* codec = avcodec_find_decoder(codec_id);
  if (!codec)
    throw std::runtime_error(std::string("this FFmpeg has no ") + avcodec_get_name(codec_id) +
                             " decoder");
  ctx_ = CodecContext(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  ctx_->pkt_timebase = AVRational{1, 90000};
  ctx_->thread_count = threads;
  ctx_->max_pixels = limit.pixels();
  // Slice threads only. Frame threading holds threads-1 pictures back (a
  // frame interval of latency each) and hands every picture between threads,
  // which costs more CPU than it saves when the stream arrives in real time:
  // one picture per frame interval is well within one core's reach.
  ctx_->thread_type = FF_THREAD_SLICE;
  // Show what arrived, concealed, rather than nothing: artifacts are the point.
  ctx_->flags |= AV_CODEC_FLAG_OUTPUT_CORRUPT;
  ctx_->error_concealment = FF_EC_GUESS_MVS | FF_EC_DEBLOCK;
  check_av(avcodec_open2(ctx_.get(), codec, nullptr),
           std::string("opening the ") + avcodec_get_name(codec_id) + " decoder");
}

std::vector<DecodedFrame> VideoDecoder::decode(std::span<const uint8_t> annexb, int64_t pts_90k) {
  if (annexb.empty()) return {};
  check_av(av_new_packet(packet_.get(), static_cast<int>(annexb.size())), "allocating a packet");
  std::memcpy(packet_->data, annexb.data(), annexb.size());
  packet_->pts = pts_90k;
  packet_->dts = AV_NOPTS_VALUE;
  // A picture an edit list hides: decoded (others may refer to it), not
  // output, as libavcodec does for ffmpeg with AV_PKT_FLAG_DISCARD.
  if (is_hidden_ && is_hidden_(annexb)) {
    packet_->flags |= AV_PKT_FLAG_DISCARD;
    ++hidden_;
  }
  std::vector<DecodedFrame> out;
  int ret = avcodec_send_packet(ctx_.get(), packet_.get());
  if (ret == AVERROR(EAGAIN)) {
    // The output is full: take what is ready, then the packet fits.
    out = drain();
    ret = avcodec_send_packet(ctx_.get(), packet_.get());
  }
  av_packet_unref(packet_.get());
  if (ret < 0 && ret != AVERROR(EAGAIN)) ++rejected_;
  auto more = drain();
  for (auto& f : more) out.push_back(std::move(f));
  return out;
}

std::vector<DecodedFrame> VideoDecoder::flush() {
  avcodec_send_packet(ctx_.get(), nullptr);
  auto frames = drain();
  // Ready for new input again (after a flush it would refuse any).
  avcodec_flush_buffers(ctx_.get());
  return frames;
}

std::vector<DecodedFrame> VideoDecoder::drain() {
  std::vector<DecodedFrame> out;
  for (;;) {
    Frame frame;
    int ret = avcodec_receive_frame(ctx_.get(), frame.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) break;
    if (ret < 0) {
      ++rejected_;
      break;
    }
    DecodedFrame df;
    df.pts_90k =
        frame->best_effort_timestamp != AV_NOPTS_VALUE ? frame->best_effort_timestamp : frame->pts;
    df.corrupt = frame->decode_error_flags != 0 || (frame->flags & AV_FRAME_FLAG_CORRUPT) != 0;
    df.keyframe = frame->key_frame != 0;
    df.frame = std::move(frame);
    out.push_back(std::move(df));
  }
  return out;
}

}  // namespace flowcast::media
