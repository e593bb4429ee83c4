#pragma once
// The part of FileSource that makes video no payload format carries
// sendable: a file's video stream decoded, converted to YUV 4:2:0 and
// encoded, low latency and without B-frames, to the payload table's
// transcode target (transcode_target_format(): H.264 with libx264). Each
// picture keeps its own presentation time and duration (90 kHz ticks on the
// file's timeline; the encoder only knows the nominal rate), so a still that
// lasts 3 s still lasts 3 s. A packet the decoder refuses is skipped.
//
// Threads: one at a time (the FileSource's).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "media/codec/encoded_frame.hpp"
#include "media/codec/video_encoder.hpp"
#include "media/ffmpeg/av_types.hpp"
#include "media/source/file_source.hpp"

struct AVStream;
struct AVPacket;
struct SwsContext;

namespace flowcast::media {

class FileTranscoder {
 public:
  // Where encoded access units go, in decode order.
  using Sink = std::function<void(EncodedFrame)>;

  // Opens the decoder of `stream`'s codec and the target's encoder, sized
  // from `info` (width and height made even, fps 25 when unknown), and
  // writes what the frames will be into info (codec_id, transcoded, the
  // encoder's size and rate). The decoder reads packets timed in 90 kHz
  // ticks. Throws SourceError when there is no decoder for the codec, and
  // AvError when FFmpeg cannot open it or the encoder.
  FileTranscoder(const AVStream& stream, SourceInfo& info, const std::string& path);
  ~FileTranscoder();
  FileTranscoder(const FileTranscoder&) = delete;
  FileTranscoder& operator=(const FileTranscoder&) = delete;

  // Decodes one packet (its times in 90 kHz ticks; it is unreferenced) and
  // encodes every picture it completes into `sink`.
  void feed(AVPacket* packet, const Sink& sink);
  // The end of the file: the decoder and the encoder give up what they
  // hold, into `sink`. Once; later calls do nothing until restart().
  void finish(const Sink& sink);
  // After a seek: the decoder forgets what it holds, and a fresh encoder
  // (a drained one cannot take pictures again) starts with the next one.
  void restart();

 private:
  void decode(AVPacket* packet, const Sink& sink);
  void push_encoded(EncodedFrame ef, const Sink& sink);
  Frame to_yuv420(const Frame& in);

  struct SwsFreer {
    void operator()(SwsContext* s) const;
  };
  int fps_ = 25;
  CodecContext decoder_;
  std::unique_ptr<VideoEncoder> encoder_;
  std::unique_ptr<SwsContext, SwsFreer> sws_;
  std::optional<int64_t> last_encoded_pts_;  // 90 kHz
  bool finished_ = false;
  // Each picture's own duration (90 kHz) by its presentation time, from the
  // decoder to the encoder's output, which says only the nominal rate's: the
  // last picture of a file at one picture every 3 s lasts 3 s. As many as the
  // encoder holds (it has no lookahead and no B-frames).
  std::map<int64_t, int64_t> encoding_durations_;
};

}  // namespace flowcast::media
