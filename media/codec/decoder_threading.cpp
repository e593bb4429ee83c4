#include "media/codec/decoder_threading.hpp"

#include <algorithm>
#include <memory>
#include <thread>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include "media/payload/annexb.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::media {
namespace {

struct ParserFree {
  void operator()(AVCodecParserContext* p) const { av_parser_close(p); }
};
struct ContextFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};

}  // namespace

StreamShape read_stream_shape(AVCodecID codec_id, std::span<const uint8_t> annexb) {
  StreamShape shape;
  // What a slice and a sequence parameter set are is the payload format's.
  const PayloadFormat* format = find_payload_format(codec_id);
  if (!format || !format->is_slice || !format->picture_size) return shape;
  bool has_sps = false;
  for (std::span<const uint8_t> nal : split_annexb(annexb)) {
    if (format->is_slice(nal)) ++shape.slices;
    // The parameter set that declares the picture size is the SPS.
    has_sps = has_sps || format->picture_size(nal).has_value();
  }
  // Without its SPS the parser can say nothing (and logs that it lacks one).
  if (!has_sps) return shape;
  std::unique_ptr<AVCodecParserContext, ParserFree> parser(av_parser_init(codec_id));
  std::unique_ptr<AVCodecContext, ContextFree> ctx(avcodec_alloc_context3(nullptr));
  if (!parser || !ctx || annexb.empty()) return shape;
  // The unit is whole: the parser reads its headers at once instead of
  // waiting for the next unit's start.
  parser->flags |= PARSER_FLAG_COMPLETE_FRAMES;
#ifndef FF_API_TICKS_PER_FRAME
  // Before libavcodec 60's ticks_per_frame deprecation, its H.264 parser
  // gives time_scale / (num_units_in_tick * ticks_per_frame): the field rate
  // unless told that a frame is two ticks (H.264 E.2.1), as the decoder is.
  ctx->ticks_per_frame = format->ticks_per_frame;
#endif
  uint8_t* out = nullptr;
  int out_size = 0;
  av_parser_parse2(parser.get(), ctx.get(), &out, &out_size, annexb.data(),
                   static_cast<int>(annexb.size()), AV_NOPTS_VALUE, AV_NOPTS_VALUE, 0);
  const int width = parser->coded_width > 0 ? parser->coded_width : parser->width;
  const int height = parser->coded_height > 0 ? parser->coded_height : parser->height;
  if (width > 0 && height > 0) shape.size = {width, height};
  // A declared rate outside any real stream's says nothing.
  if (ctx->framerate.num > 0 && ctx->framerate.den > 0) {
    const double rate = av_q2d(ctx->framerate);
    if (rate >= 1 && rate <= 1000) shape.frame_rate = rate;
  }
  return shape;
}

DecoderThreading choose_decoder_threading(const StreamShape& shape, const ThreadingLimits& limits) {
  const int cores = std::clamp(
      limits.cores > 0 ? limits.cores : static_cast<int>(std::thread::hardware_concurrency()), 1,
      kMaxDecoderThreads);
  const double rate = shape.frame_rate > 0 ? shape.frame_rate : kAssumedFrameRate;
  const double pixel_rate = static_cast<double>(shape.size.pixels()) * rate;
  // The common case. Slice threads on a picture of one slice gain nothing and
  // postpone H.264's deblocking to a second pass over the picture; on a
  // picture of several they spread one picture's work but hand it between
  // threads. Either way one thread costs less CPU (bench/decode), and it
  // keeps up: see kOneThreadPixelRate.
  if (cores == 1 || pixel_rate <= kOneThreadPixelRate)
    return {1, 0, "one thread keeps up with this pixel rate"};
  // One thread may fall behind. Slices share a picture's work without
  // holding any picture back.
  if (shape.slices > 1)
    return {std::min(shape.slices, cores), FF_THREAD_SLICE,
            "slice threads: several slices a picture"};
  // Frame threads hold one picture back per thread beyond the first.
  if (limits.max_added_delay >= 1)
    return {std::min(cores, 1 + limits.max_added_delay), FF_THREAD_FRAME,
            "frame threads: one slice a picture, delay allowed"};
  return {1, 0, "one thread: one slice a picture and no delay allowed"};
}

}  // namespace flowcast::media
