#pragma once
// A libavcodec video decoder with its error concealment on, for the codec of
// a payload format (media/payload/payload_format.hpp). Annex B access units in,
// pictures out in presentation order. One thread drives it (libavcodec may
// run threads of its own: decoder_threading.hpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

extern "C" {
#include <libavcodec/codec_id.h>
}

#include "media/codec/decoder_threading.hpp"
#include "media/ffmpeg/av_types.hpp"
#include "media/payload/h264_sps.hpp"

namespace flowcast::media {

struct DecodedFrame {
  Frame frame;           // owned; YUV as the stream codes it (usually yuv420p)
  int64_t pts_90k = 0;   // the access unit's RTP-clock timestamp
  bool corrupt = false;  // decode_error_flags set, or the CORRUPT flag
  bool keyframe = false;
};

// How the decoder's threads are chosen.
struct DecoderThreadingRequest {
  // Set: exactly this many threads (slice threads when above 1), whatever
  // the stream. Unset: chosen from the stream's first access unit and
  // `limits` (choose_decoder_threading).
  std::optional<int> fixed_threads;
  ThreadingLimits limits;

  static DecoderThreadingRequest exactly(int threads) { return {threads, {}}; }
  static DecoderThreadingRequest chosen(ThreadingLimits limits) { return {std::nullopt, limits}; }
};

class VideoDecoder {
 public:
  // The decoder opens on the first access unit, once its threading is
  // chosen from it (threading()). limit: libavcodec refuses pictures with
  // more pixels than it allows (its max_pixels), so a hostile SPS cannot
  // make it allocate gigabytes. Throws AvError (no decoder for the codec:
  // here; it cannot open: from the first decode()).
  explicit VideoDecoder(AVCodecID codec_id, DecoderThreadingRequest threading = {},
                        PictureLimit limit = {});

  // Decodes one access unit. Returns the pictures that became ready, possibly
  // none. Broken input is concealed, not thrown: a rejected access unit
  // returns no picture and counts in rejected().
  std::vector<DecodedFrame> decode(std::span<const uint8_t> annexb, int64_t pts_90k);
  // Drains the pictures held for reordering (at the end of the stream, or
  // before a jump); the decoder then takes new input, from a keyframe.
  std::vector<DecodedFrame> flush();

  uint64_t rejected() const { return rejected_; }
  // The threading the decoder opened with, and the stream shape it was
  // chosen from; nullopt before the first access unit.
  const std::optional<DecoderThreading>& threading() const { return threading_; }
  const StreamShape& shape() const { return shape_; }
  // Access units decoded but not output: marked hidden by the sender
  // (PayloadFormat::is_hidden).
  uint64_t hidden() const { return hidden_; }

 private:
  std::vector<DecodedFrame> drain();
  void drain_into(std::vector<DecodedFrame>& out);
  // Chooses the threading from this first access unit and opens the codec.
  void open(std::span<const uint8_t> annexb);
  // packet_ refers to a copy of annexb with libavcodec's zeroed padding, in
  // a buffer reused while libavcodec holds no reference to it.
  void fill_packet(std::span<const uint8_t> annexb);

  AVCodecID codec_id_;
  DecoderThreadingRequest request_;
  std::optional<DecoderThreading> threading_;
  StreamShape shape_;
  CodecContext ctx_;
  Packet packet_;
  struct BufferUnref {
    void operator()(AVBufferRef* b) const { av_buffer_unref(&b); }
  };
  std::unique_ptr<AVBufferRef, BufferUnref> packet_buffer_;  // see fill_packet
  Frame spare_;                                              // receives the next picture
  // The payload format's hidden-picture mark, if it has one.
  bool (*is_hidden_)(std::span<const uint8_t> annexb) = nullptr;
  uint64_t rejected_ = 0;
  uint64_t hidden_ = 0;
};

}  // namespace flowcast::media
