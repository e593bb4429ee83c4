#pragma once
// How libavcodec's decoder of a stream spends threads: none beyond the
// caller's, slice threads, or frame threads, chosen from what the stream is
// (slices per picture, picture size, frame rate) and the delay the player
// allows. Pure functions; read_stream_shape() runs libavcodec's parser. Any
// thread.
//
// What the choice weighs. Measured with flowcast-decode-bench (bench/decode)
// on bench/run.sh's clip (720p30, 4 Mbit/s, x264 veryfast, one slice a
// picture, 3 B-frames), 2-core EPYC, access units fed at their decode times
// as a live stream, 4 interleaved rounds: one thread 1.50 s CPU for 600
// pictures; two slice threads 4.2% more (2.4-8.7%, round by round); two
// frame threads (libavcodec's default, `ffmpeg -threads 2`) 13% more
// (4-19%). Fed as fast as it decodes, slice threads cost the same as one.
//  - Slice threads decode the slices of one picture at once: no picture is
//    held back, but a picture of one slice (x264's default) has nothing to
//    share, and libavcodec's H.264 decoder then postpones the deblocking
//    filter to a second pass over the whole picture (h264_slice.c,
//    postpone_filter: any slice-thread count above one), which costs CPU.
//  - Frame threads decode several pictures at once: each thread beyond the
//    first holds one more picture back (a frame interval of delay), and
//    every picture is handed between threads.
//  - One thread costs the least CPU, and keeps up by far at the sizes and
//    rates the player meets (see kOneThreadPixelRate).
#include <cstdint>
#include <span>
#include <string_view>

extern "C" {
#include <libavcodec/codec_id.h>
}

#include "media/payload/h264_sps.hpp"

namespace flowcast::media {

// What the stream is, as far as threading goes; read from its first access
// unit. Unknown fields stay 0.
struct StreamShape {
  PictureSize size;       // coded luma size (the SPS's), pixels
  double frame_rate = 0;  // pictures per second the SPS declares (H.264 VUI timing, E.2.1)
  int slices = 0;         // VCL NAL units of the picture: slices (H.264), slice segments (H.265)
};

// Reads the shape of the stream from one Annex B access unit: size and frame
// rate through libavcodec's parser of the codec (they need the parameter
// sets in the unit), slices by counting its VCL NAL units.
StreamShape read_stream_shape(AVCodecID codec_id, std::span<const uint8_t> annexb);

// What the player allows the decoder.
struct ThreadingLimits {
  // Pictures of delay the decoder may add beyond the stream's own reordering:
  // frame threads hold one back each beyond the first. 0 for the player's
  // low-latency path (--buffer below the playout policy's decode lead).
  int max_added_delay = 0;
  // Cores to use; 0: std::thread::hardware_concurrency().
  int cores = 0;
};

// libavcodec's thread_count and thread_type, and why.
struct DecoderThreading {
  int threads = 1;  // AVCodecContext::thread_count
  int type = 0;  // AVCodecContext::thread_type: 0 (one thread), FF_THREAD_SLICE or FF_THREAD_FRAME
  std::string_view reason;  // for logs and the bench
};

// A stream whose pixel rate (width * height * frame rate) is at most this is
// decoded on one thread: 1920x1080 at 50 fps. One thread decodes 720p30 at
// 4 Mbit/s in about 2.2 ms a picture (7% of a core); bench/RESULTS.md's
// decode-only figures give 3.0 ms for 1080p30 at 4 Mbit/s and 5.8 ms for
// 720p30 at 16 Mbit/s (6.3 ns a pixel): a 1080p50 stream that dense takes
// about two thirds of a core, the most left to one thread so that an intra
// picture (several times the average) still fits a few intervals.
inline constexpr double kOneThreadPixelRate = 1920.0 * 1080.0 * 50.0;
// A stream that does not declare its rate is taken for this many pictures a
// second (the player's streams are 24 to 60).
inline constexpr double kAssumedFrameRate = 30.0;
// Threads beyond this add hand-over cost for little: libavcodec's own
// frame-thread default caps at 16, a picture's slices rarely exceed 8.
inline constexpr int kMaxDecoderThreads = 8;

DecoderThreading choose_decoder_threading(const StreamShape& shape, const ThreadingLimits& limits);

}  // namespace flowcast::media
