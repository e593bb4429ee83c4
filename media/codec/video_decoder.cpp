#include "media/codec/video_decoder.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "media/ffmpeg/av_error.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::media {

VideoDecoder::VideoDecoder(AVCodecID codec_id, DecoderThreadingRequest threading,
                           PictureLimit limit)
    : codec_id_(codec_id), request_(threading) {
  if (const PayloadFormat* format = find_payload_format(codec_id)) is_hidden_ = format->is_hidden;
  const AVCodec* codec = avcodec_find_decoder(codec_id);
  if (!codec)
    throw std::runtime_error(std::string("this FFmpeg has no ") + avcodec_get_name(codec_id) +
                             " decoder");
  ctx_ = CodecContext(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  ctx_->pkt_timebase = AVRational{1, 90000};
  ctx_->max_pixels = limit.pixels();
  // Show what arrived, concealed, rather than nothing: artifacts are the point.
  ctx_->flags |= AV_CODEC_FLAG_OUTPUT_CORRUPT;
  ctx_->error_concealment = FF_EC_GUESS_MVS | FF_EC_DEBLOCK;
}

void VideoDecoder::open(std::span<const uint8_t> annexb) {
  // thread_count and thread_type only count before avcodec_open2, so the
  // codec opens with the first access unit, once the stream's shape is
  // known (decoder_threading.hpp for the choice and its numbers). The old
  // fixed choice, two slice threads, cost 4% more CPU than one thread on
  // x264's one slice a picture fed live (flowcast-decode-bench --pace), and
  // gained nothing.
  shape_ = read_stream_shape(codec_id_, annexb);
  if (request_.fixed_threads) {
    const int n = std::max(1, *request_.fixed_threads);
    threading_ = DecoderThreading{n, n > 1 ? FF_THREAD_SLICE : 0, "fixed by the caller"};
  } else {
    threading_ = choose_decoder_threading(shape_, request_.limits);
  }
  ctx_->thread_count = threading_->threads;
  ctx_->thread_type = threading_->type;
  const AVCodec* codec = avcodec_find_decoder(codec_id_);
  check_av(avcodec_open2(ctx_.get(), codec, nullptr),
           std::string("opening the ") + avcodec_get_name(codec_id_) + " decoder");
}

void VideoDecoder::fill_packet(std::span<const uint8_t> annexb) {
  // One copy, into a buffer with AV_INPUT_BUFFER_PADDING_SIZE zeroed bytes
  // after the data (libavcodec's bitstream readers run past the end): the
  // access unit's own bytes have no such padding. The buffer is reused once
  // libavcodec has dropped its reference (it keeps none after decoding the
  // unit with one thread; a frame thread may still hold it), so no
  // allocation per access unit. The copy is about 1 us for a 16 kB picture.
  const size_t need = annexb.size() + AV_INPUT_BUFFER_PADDING_SIZE;
  if (!packet_buffer_ || !av_buffer_is_writable(packet_buffer_.get()) ||
      packet_buffer_->size < need) {
    packet_buffer_.reset(
        av_buffer_alloc(std::max(need, packet_buffer_ ? packet_buffer_->size : 0)));
    if (!packet_buffer_) throw std::bad_alloc();
  }
  std::memcpy(packet_buffer_->data, annexb.data(), annexb.size());
  std::memset(packet_buffer_->data + annexb.size(), 0, AV_INPUT_BUFFER_PADDING_SIZE);
  packet_->buf = av_buffer_ref(packet_buffer_.get());
  if (!packet_->buf) throw std::bad_alloc();
  packet_->data = packet_->buf->data;
  packet_->size = static_cast<int>(annexb.size());
}

std::vector<DecodedFrame> VideoDecoder::decode(std::span<const uint8_t> annexb, int64_t pts_90k) {
  if (annexb.empty()) return {};
  if (!threading_) open(annexb);
  fill_packet(annexb);
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
  drain_into(out);
  return out;
}

std::vector<DecodedFrame> VideoDecoder::flush() {
  if (!threading_) return {};  // never opened: nothing inside
  avcodec_send_packet(ctx_.get(), nullptr);
  auto frames = drain();
  // Ready for new input again (after a flush it would refuse any).
  avcodec_flush_buffers(ctx_.get());
  return frames;
}

std::vector<DecodedFrame> VideoDecoder::drain() {
  std::vector<DecodedFrame> out;
  drain_into(out);
  return out;
}

void VideoDecoder::drain_into(std::vector<DecodedFrame>& out) {
  for (;;) {
    // The AVFrame that found nothing ready (the usual last call) is kept for
    // the next one; one that took a picture leaves with it.
    if (!spare_) spare_ = Frame();
    int ret = avcodec_receive_frame(ctx_.get(), spare_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) break;
    if (ret < 0) {
      ++rejected_;
      break;
    }
    DecodedFrame df;
    const AVFrame* frame = spare_.get();
    df.pts_90k =
        frame->best_effort_timestamp != AV_NOPTS_VALUE ? frame->best_effort_timestamp : frame->pts;
    df.corrupt = frame->decode_error_flags != 0 || (frame->flags & AV_FRAME_FLAG_CORRUPT) != 0;
    df.keyframe = frame->key_frame != 0;
    df.frame = std::move(spare_);
    out.push_back(std::move(df));
  }
}

}  // namespace flowcast::media
